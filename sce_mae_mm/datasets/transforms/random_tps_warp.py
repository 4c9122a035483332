"""RandomTPSWarp: DVE's TPS augmentation of a face crop and its landmarks.

The warp itself is the project's one TPS (:mod:`.tps_warp`); this transform
draws one warp per sample from a numpy generator and applies it to the
pipeline's numpy image (``cv2.remap``) and keypoints.
"""
from typing import Dict, Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS

from .tps_warp import (BORDERS, sample_tps_params, tps_warp_image,
                       tps_warp_keypoints)


@TRANSFORMS.register_module()
class RandomTPSWarp(BaseTransform):
    """Random TPS warp of the crop (and its context) and its landmarks.

    Works after :class:`DVEFaceCrop`: warps ``img`` ((crop + 2 context)^2,
    ``context`` from the results) and updates ``transformed_keypoints``
    (crop frame). Defaults are DVE's training parameters *as DVE applies
    them*: its ``Warper`` multiplies every sd by ``im1_multiplier = 0.5``
    for each warp it draws (at full strength about a third of the warps
    fold over inside the crop).

    Args:
        warpsd_all, warpsd_subset, transsd, scalesd, rotsd: see
            :func:`sample_tps_params` (nominal DVE values).
        multiplier: scale of all five sds (DVE's ``im1_multiplier``).
        prob: probability of warping.
        crop: crop side (must match :class:`DVEFaceCrop`).
        border: ``'constant'`` (DVE's zeros), ``'reflect'``, ``'replicate'``.
        border_value: value for ``'constant'``.
        seed: own generator seed; ``None`` draws from numpy's global state
            (seeded per worker by mmengine).
    """

    def __init__(self, warpsd_all: float = 0.001,
                 warpsd_subset: float = 0.01, transsd: float = 0.1,
                 scalesd: float = 0.1, rotsd: float = 5.,
                 multiplier: float = 0.5, prob: float = 1.,
                 crop: int = 96, border: str = 'constant',
                 border_value: float = 0., seed: Optional[int] = None):
        if border not in BORDERS:
            raise ValueError(f'border must be one of {list(BORDERS)}, got '
                             f'{border!r}')
        self.sds = dict(warpsd_all=warpsd_all, warpsd_subset=warpsd_subset,
                        transsd=transsd, scalesd=scalesd, rotsd=rotsd)
        self.multiplier = multiplier
        self.prob = prob
        self.crop = crop
        self.border = border
        self.border_value = border_value
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def _generator(self) -> np.random.Generator:
        if self._rng is not None:
            return self._rng
        return np.random.default_rng(np.random.randint(0, 2 ** 31 - 1))

    def transform(self, results: Dict) -> Dict:
        rng = self._generator()
        if rng.uniform() >= self.prob:
            return results
        params = sample_tps_params(rng, **self.sds,
                                   multiplier=self.multiplier)
        context = int(results.get('context', 0))
        results['img'] = tps_warp_image(results['img'], params, self.crop,
                                        context, self.border,
                                        self.border_value)
        if results.get('transformed_keypoints') is not None:
            results['transformed_keypoints'] = tps_warp_keypoints(
                results['transformed_keypoints'], params, self.crop, context)
        results['tps_params'] = params
        return results

    def __repr__(self) -> str:
        args = ', '.join(f'{k}={v}' for k, v in self.sds.items())
        return (f'{type(self).__name__}({args}, '
                f'multiplier={self.multiplier}, prob={self.prob})')
