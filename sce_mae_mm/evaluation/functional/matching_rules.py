"""The scoring rules of landmark matching: ours and DVE's (SPEC §4).

Three choices move the matching error:

* ``argmax``: ``'pixel'`` (ours) upsamples both maps to the image and takes
  the argmax over target pixels; ``'grid'`` (DVE's ``find_descriptor``)
  takes the source descriptor at the rounded cell and the argmax over the
  target grid cells, predicting at cell index x stride.
* ``similarity``: ``'cosine'`` (ours) or ``'dot'`` (DVE's raw dot product;
  the same ranking on unit-norm descriptors).
* ``source_resample``: ``'once'`` (ours: the source image is resampled once
  through the composed warps g1 then g2) or ``'twice'`` (DVE: resampled
  through g1, then the result through g2). A data-pipeline choice
  (``MatchingPairWarp``); the matcher only checks it.

``protocol='dve'`` presets all three to DVE's; ``protocol=None`` or
``'default'`` to ours. An explicit value of a single option overrides the
preset (to isolate one difference).
"""
from typing import NamedTuple, Optional

__all__ = [
    'ARGMAX_RULES', 'SIMILARITIES', 'SOURCE_RESAMPLES', 'PROTOCOLS',
    'DVE_RULE', 'MatchingRule', 'resolve_matching_rule'
]

ARGMAX_RULES = ('pixel', 'grid')
SIMILARITIES = ('cosine', 'dot')
SOURCE_RESAMPLES = ('once', 'twice')
PROTOCOLS = (None, 'default', 'dve')


class MatchingRule(NamedTuple):
    """A resolved scoring rule (see the module docstring)."""
    argmax: str = 'pixel'
    similarity: str = 'cosine'
    source_resample: str = 'once'


_PRESETS = {
    None: MatchingRule(),
    'default': MatchingRule(),
    'dve': MatchingRule('grid', 'dot', 'twice'),
}
DVE_RULE = _PRESETS['dve']


def _check(where: str, name: str, value, allowed) -> None:
    """Raise ValueError naming ``name`` and ``allowed`` if not allowed."""
    if value not in allowed:
        raise ValueError(f'{where}: {name} must be one of {allowed}, got '
                         f'{value!r}')


def resolve_matching_rule(protocol: Optional[str] = None,
                          argmax: Optional[str] = None,
                          similarity: Optional[str] = None,
                          source_resample: Optional[str] = None,
                          where: str = 'resolve_matching_rule'
                          ) -> MatchingRule:
    """The rule of a preset, with explicit options overriding it.

    Args:
        protocol: ``None``/``'default'`` (ours) or ``'dve'``.
        argmax: ``'pixel'`` or ``'grid'``; None takes the preset's.
        similarity: ``'cosine'`` or ``'dot'``; None takes the preset's.
        source_resample: ``'once'`` or ``'twice'``; None takes the
            preset's.
        where: caller named in the error messages.

    Returns:
        MatchingRule: the three resolved choices.
    """
    _check(where, 'protocol', protocol, PROTOCOLS)
    preset = _PRESETS[protocol]
    for name, value, allowed in (('argmax', argmax, ARGMAX_RULES),
                                 ('similarity', similarity, SIMILARITIES),
                                 ('source_resample', source_resample,
                                  SOURCE_RESAMPLES)):
        if value is not None:
            _check(where, name, value, allowed)
    return MatchingRule(argmax or preset.argmax,
                        similarity or preset.similarity,
                        source_resample or preset.source_resample)
