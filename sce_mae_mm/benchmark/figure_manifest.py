"""Where each figure of the docs comes from: ``docs/figures/MANIFEST.json``
(per PNG: what it shows, the command, the seed, the commit), the figures
the docs link, and the ``--show-dir`` drawings put together as one PNG."""
import datetime
import glob
import json
import os
import os.path as osp
import re
import subprocess
from typing import Dict, List, Optional

import numpy as np

MANIFEST = 'MANIFEST.json'
#: keys every manifest entry holds
ENTRY_KEYS = ('what', 'command', 'seed', 'commit')
_IMAGE = re.compile(r'!?\[[^\]]*\]\(\s*<?([^)\s>]+\.png)>?')


def git_commit(folder: str) -> Optional[str]:
    """The short commit checked out where ``folder`` lies (``+changes``
    when tracked files outside ``docs/figures`` differ from it), or None
    outside a git checkout."""
    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(['git', '-C', folder, *args],
                              capture_output=True, text=True)

    head = git('rev-parse', '--short', 'HEAD')
    if head.returncode:
        return None
    changed = git('status', '--porcelain', '--untracked-files=no', '--',
                  ':(top)', ':(top,exclude)docs/figures')
    dirty = changed.returncode == 0 and changed.stdout.strip()
    return head.stdout.strip() + ('+changes' if dirty else '')


def read_manifest(folder: str) -> Dict[str, Dict]:
    """``{png name: entry}`` of ``folder``'s manifest (empty when none).

    Raises:
        ValueError: the manifest is not a JSON object of entries.
    """
    path = osp.join(folder, MANIFEST)
    if not osp.isfile(path):
        return {}
    with open(path) as f:
        data = json.load(f)
    figures = data.get('figures') if isinstance(data, dict) else None
    if not isinstance(figures, dict):
        raise ValueError(f'{path}: expected {{"figures": {{PNG: entry}}}}')
    return figures


def write_manifest(folder: str, entries: Dict[str, Dict]) -> str:
    """Merge ``entries`` into ``folder``'s manifest (figures not redrawn
    keep theirs); returns its path.

    Raises:
        ValueError: an entry misses one of :data:`ENTRY_KEYS`.
    """
    for name, entry in entries.items():
        missing = [k for k in ENTRY_KEYS if k not in entry]
        if missing:
            raise ValueError(f'manifest entry {name}: missing {missing}')
    figures = read_manifest(folder)
    figures.update(entries)
    path = osp.join(folder, MANIFEST)
    with open(path, 'w') as f:
        json.dump(dict(about='one entry per figure of the docs: what it '
                       'shows, the command that drew it, the seed of the '
                       'synthetic set and training, the commit of the run',
                       figures=dict(sorted(figures.items()))), f, indent=1)
        f.write('\n')
    return path


def entry(what: str, command: str, seed: Optional[int], commit: Optional[str],
          **extra) -> Dict:
    """One manifest entry, dated today (UTC)."""
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    return dict(what=what, command=command, seed=seed, commit=commit,
                drawn=today, **extra)


def linked_figures(pages: List[str]) -> Dict[str, List[str]]:
    """``{figure file name: [pages]}`` of every ``figures/*.png`` that the
    markdown ``pages`` link or show."""
    out: Dict[str, List[str]] = {}
    for page in pages:
        with open(page, encoding='utf-8') as f:
            text = f.read()
        for target in _IMAGE.findall(text):
            if osp.basename(osp.dirname(target)) == 'figures':
                out.setdefault(osp.basename(target), []).append(page)
    return out


def _images(folder: str) -> List[str]:
    return sorted(p for ext in ('png', 'jpg')
                  for p in glob.glob(osp.join(folder, '**', f'*.{ext}'),
                                     recursive=True))


def compose_show_dir(kind: str, scratch: str, out_png: str,
                     num: int = 4) -> str:
    """The figure of a ``tools/test.py --show-dir`` run: ``matching``: its
    first pair drawing as it is; ``detection``: its first ``num`` drawings
    side by side at one height.

    Raises:
        FileNotFoundError: the run under ``scratch/kind`` drew nothing.
    """
    import mmcv
    drawings = _images(osp.join(scratch, kind))
    if kind == 'matching':
        drawings = [p for p in drawings if osp.basename(p).startswith('pair')]
    if not drawings:
        raise FileNotFoundError(
            f'make_figures: no --show-dir drawing under {scratch}/{kind}')
    imgs = [mmcv.imread(p) for p in drawings[:1 if kind == 'matching' else
                                             num]]
    height = min(img.shape[0] for img in imgs)
    imgs = [mmcv.imresize(img, (round(img.shape[1] * height / img.shape[0]),
                                height)) for img in imgs]
    os.makedirs(osp.dirname(osp.abspath(out_png)), exist_ok=True)
    mmcv.imwrite(np.concatenate(imgs, axis=1), out_png)
    return out_png
