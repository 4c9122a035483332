"""Config values taken verbatim from the command line: ``--data-root`` and
``--cfg-string`` of ``tools/train.py`` and ``tools/test.py``.

mmengine's ``--cfg-options`` (``DictAction``) removes every space from its
values, so a path such as ``data/données à tester`` arrives as
``data/donnéesàtester``. These flags are plain ``argparse`` strings applied
after ``--cfg-options``; spaces and non-ASCII characters arrive unchanged:

* ``--data-root PATH``: the ``data_root`` of every dataset of the config's
  train, val and test dataloaders (wrapped datasets included), where they
  share one root;
* ``--data-root LOADER=PATH`` (``LOADER``: ``train``, ``val`` or ``test``;
  repeatable): one dataloader's datasets, for configs with several roots;
* ``--cfg-string KEY=VALUE`` (repeatable): any config key set to the string
  ``VALUE`` (a checkpoint path, a face cache ...).

:func:`check_cfg_options` stops a tool whose ``--cfg-options`` value would
lose spaces, saying which of these flags to use instead.
"""
import argparse
import shlex
from typing import Any, Dict, List, Optional, Sequence

from mmengine.config import Config, DictAction

LOADERS = ('train', 'val', 'test')


def add_override_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--data-root`` and ``--cfg-string`` to ``parser``."""
    parser.add_argument(
        '--data-root',
        action='append',
        default=[],
        metavar='[LOADER=]PATH',
        help='data_root of the datasets of every dataloader (train, val, '
        'test), or of one with LOADER=PATH (repeatable); kept verbatim: '
        'spaces and non-ASCII characters are fine')
    parser.add_argument(
        '--cfg-string',
        action='append',
        default=[],
        metavar='KEY=VALUE',
        help='set a config key to the string VALUE, verbatim (repeatable; '
        'unlike --cfg-options, spaces are kept)')


def _datasets_with_root(node: Any) -> List[dict]:
    """The dataset dicts under ``node`` (``dataset`` / ``datasets``
    wrappers followed) that have a ``data_root``."""
    found = []
    if isinstance(node, dict):
        if 'data_root' in node:
            found.append(node)
        found += _datasets_with_root(node.get('dataset'))
        for item in node.get('datasets') or []:
            found += _datasets_with_root(item)
    return found


def data_roots(cfg: Config) -> Dict[str, List[dict]]:
    """{loader: its datasets with a ``data_root``} for the config's
    ``train``/``val``/``test`` dataloaders that have any."""
    roots = {}
    for name in LOADERS:
        loader = cfg.get(f'{name}_dataloader')
        found = _datasets_with_root(
            loader.get('dataset') if isinstance(loader, dict) else None)
        if found:
            roots[name] = found
    return roots


def apply_data_roots(cfg: Config, values: Sequence[str],
                     source: str = 'the config') -> Config:
    """Apply ``--data-root`` values (``PATH`` or ``LOADER=PATH``).

    Raises:
        ValueError: no dataset has a ``data_root``, the named loader has
            none, or a bare ``PATH`` where the loaders read different roots
            (the message lists them and shows ``LOADER=PATH``).
    """
    roots = data_roots(cfg)
    for text in values:
        name, sep, path = text.partition('=')
        if sep and name in LOADERS:
            if name not in roots:
                raise ValueError(
                    f'{source}: --data-root {text}: the config has no '
                    f'{name}_dataloader dataset with a data_root (it has: '
                    f'{", ".join(roots) or "none"})')
            targets = roots[name]
        else:
            path, targets = text, [d for ds in roots.values() for d in ds]
            current = {
                name: sorted({str(d['data_root']) for d in ds})
                for name, ds in roots.items()
            }
            distinct = {r for rs in current.values() for r in rs}
            if not targets:
                raise ValueError(f'{source}: --data-root {text}: no dataset '
                                 'of the config has a data_root')
            if len(distinct) > 1:
                shown = '; '.join(f'{n}: {", ".join(rs)}'
                                  for n, rs in current.items())
                raise ValueError(
                    f'{source}: --data-root {text}: the config reads more '
                    f'than one data root ({shown}); set each with '
                    '--data-root LOADER=PATH (LOADER: train, val or test)')
        for dataset in targets:
            dataset['data_root'] = path
    return cfg


def apply_cfg_strings(cfg: Config, values: Sequence[str],
                      source: str = 'the config') -> Config:
    """Apply ``--cfg-string KEY=VALUE`` values (``VALUE`` a string, as
    given)."""
    for text in values:
        key, sep, value = text.partition('=')
        if not sep or not key:
            raise ValueError(f'{source}: --cfg-string {text!r}: expected '
                             'KEY=VALUE')
        cfg.merge_from_dict({key: value})
    return cfg


def _strings(value: Any) -> List[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def _raw_cfg_options(argv: Sequence[str]) -> List[str]:
    """The tokens given to ``--cfg-options`` in ``argv``, as typed."""
    tokens, inside = [], False
    for token in argv:
        if token.startswith('--cfg-options='):
            tokens.append(token.split('=', 1)[1])
            inside = True
        elif token == '--cfg-options':
            inside = True
        elif token.startswith('--') or (token.startswith('-') and
                                        token[1:2].isalpha()):
            inside = False
        elif inside:
            tokens.append(token)
    return tokens


def _instead(key: str, value: str) -> str:
    """The flag that carries ``key=value`` verbatim."""
    parts = key.split('.')
    if (parts[-1] == 'data_root' and parts[0].endswith('_dataloader')
            and parts[0][:-len('_dataloader')] in LOADERS):
        flag = f'--data-root {parts[0][:-len("_dataloader")]}={value}'
    else:
        flag = f'--cfg-string {key}={value}'
    name, arg = flag.split(' ', 1)
    return f'{name} {shlex.quote(arg)}'


def cfg_options_problem(argv: Sequence[str]) -> Optional[str]:
    """Why ``--cfg-options`` in ``argv`` would not arrive as typed, or None.

    Each ``KEY=VALUE`` is parsed as ``DictAction`` parses it and compared
    with the text typed: a string that lost its spaces is a problem, and so
    is a token without ``=`` (a value the shell split at a space).
    """
    for token in _raw_cfg_options(argv):
        key, sep, value = token.partition('=')
        if not sep:
            return (f'--cfg-options: {token!r} is not a KEY=VALUE pair (an '
                    'unquoted value with spaces, split by the shell?). '
                    "mmengine's --cfg-options removes every space from its "
                    'values anyway: give a path with spaces with --data-root '
                    '[LOADER=]PATH or --cfg-string KEY=VALUE')
        parsed = DictAction._parse_iterable(value)
        lost = [s for s in _strings(parsed) if s not in value]
        if lost:
            return (f"--cfg-options {token}: mmengine's --cfg-options "
                    f'removes every space from its values, so {key} would '
                    f'be {lost[0]!r}. Use {_instead(key, value)} instead '
                    '(--data-root [LOADER=]PATH or --cfg-string KEY=VALUE: '
                    'spaces kept)')
    return None


def check_cfg_options(argv: Sequence[str]) -> None:
    """Stop (``SystemExit`` with :func:`cfg_options_problem`'s message)
    where ``--cfg-options`` would lose spaces."""
    problem = cfg_options_problem(argv)
    if problem:
        raise SystemExit(f'error: {problem}')
