"""The deterministic head of a training pipeline, which the face cache runs
once, and the metadata it writes besides the pixels.

The head is the longest prefix of the pipeline made of transforms that give
the same output every epoch and whose non-pixel keys can be recomputed
without the image: ``LoadImage`` then ``DVEFaceCrop`` (the stage-1 and
stage-2 pipelines). Everything after it (``RandomFlip``, the packer) is the
tail, which runs per sample from the cache (or, for the flip, batched in the
data preprocessor).
"""
import json
from typing import Dict, List, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS

from ..transforms.dve_crop import DVEFaceCrop

#: transform types a cached head may hold, in the order they may appear
HEAD_TYPES = ('LoadImage', 'DVEFaceCrop')


class PipelineHeadError(ValueError):
    """A pipeline has no cacheable head (see :data:`HEAD_TYPES`)."""


def transform_type(cfg: dict) -> str:
    """The registered name of a transform config, without a scope prefix."""
    name = cfg.get('type') if isinstance(cfg, dict) else None
    if not isinstance(name, str):
        name = getattr(name, '__name__', type(cfg).__name__)
    return name.split('.')[-1]


def split_pipeline(pipeline: Sequence[dict],
                   source: str = 'the pipeline') -> Tuple[List[dict],
                                                          List[dict]]:
    """Split a pipeline into the cacheable head and the tail.

    Args:
        pipeline: transform configs (dicts with ``type``).
        source: where the pipeline comes from, for the message.

    Raises:
        PipelineHeadError: the pipeline does not start with ``LoadImage``
            followed by ``DVEFaceCrop``.

    Returns:
        tuple: the head (``LoadImage``, ``DVEFaceCrop``) and the rest.
    """
    pipeline = [dict(t) for t in pipeline]
    names = [transform_type(t) for t in pipeline]
    if names[:2] != list(HEAD_TYPES):
        raise PipelineHeadError(
            f'{source} starts with {names[:2]}; the face cache needs a '
            f'pipeline that starts with {list(HEAD_TYPES)} (decode, then '
            'the DVE crop), everything random after them')
    return pipeline[:2], pipeline[2:]


def head_to_json(head: Sequence[dict]) -> str:
    """A canonical JSON text of the head's configs (for the manifest)."""
    plain = [{k: _plain(v) for k, v in sorted(dict(t).items())}
             for t in head]
    for t in plain:  # 'mmpose.LoadImage' and 'LoadImage' are the same
        t['type'] = transform_type(t)
    return json.dumps(plain, sort_keys=True)


def _plain(value):
    """JSON-able form of a config value (tuples become lists)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def build_head(head: Sequence[dict]) -> List[BaseTransform]:
    """Build the head's transforms (mmpose registry)."""
    return [TRANSFORMS.build(dict(t)) for t in head]


class HeadMeta:
    """Recompute the head's non-pixel keys of a sample from its cached
    record (the decoded image's height and width).

    ``LoadImage`` writes ``img_shape`` and ``ori_shape`` (the decoded
    image's (h, w)); ``DVEFaceCrop`` writes its keys through
    :meth:`DVEFaceCrop.transform_meta`.

    Args:
        head: the head's configs (from :func:`split_pipeline`).
    """

    def __init__(self, head: Sequence[dict]):
        transforms = build_head(head)
        crops = [t for t in transforms if isinstance(t, DVEFaceCrop)]
        if len(crops) != 1:
            raise PipelineHeadError(
                f'expected one DVEFaceCrop in the cached head, got {head}')
        self.crop: DVEFaceCrop = crops[0]
        self.side = self.crop.crop + 2 * self.crop.context

    def __call__(self, results: Dict, ori_hw: Tuple[int, int]) -> Dict:
        """Write the head's keys (all but ``img``) into ``results``.

        Args:
            results: the reader's data info.
            ori_hw: the decoded image's (height, width).
        """
        hw = (int(ori_hw[0]), int(ori_hw[1]))
        results['img_shape'] = hw
        results['ori_shape'] = hw
        return self.crop.transform_meta(results)
