"""The MAFL landmark-matching pairs (SPEC section 4) and their packing.

Pair ``i`` = MAFL test images ``(2i, 2i+1)`` = (A, B). Each image gets its
own TPS warp ``g1``; the source is A warped by ``g1_A`` then by ``g2``; the
"same identity" target is A warped by ``g1_A``; the "different identity"
target is B warped by ``g1_B``. All warps of pair ``i`` come from
``np.random.default_rng([seed, i])`` (in the order g1_A, g1_B, g2), so the
pairs do not depend on loading order or workers.

Two protocol choices follow DVE's ``test_matching.py`` by default:

* ``warp_frame='resize'``: the warps are drawn and applied on the
  ``resize``-px image (DVE's ``Warper(136, 136)``, normalised coordinates
  over 136 px) and the ``crop`` is cut afterwards, so a warped crop reads
  real pixels out to ``(resize - crop) / 2`` px beyond its border.
  ``'crop'`` normalises the warp on the crop and zero-fills beyond
  ``context`` pixels (the earlier behaviour).
* ``keypoint_rule='grid'``: every keypoint moves to the output pixel whose
  sampling location is nearest to it, one warp at a time (DVE's
  ``warp_keypoints``, a nearest-neighbour search on the sampling grid), so
  all ground-truth keypoints are integer pixels and a perfect matcher scores
  about 0.03 px (SPEC section 4: the source point moves one warp at a
  time). ``'exact'`` transfers them sub-pixel exactly (inverse warp by
  Newton iterations); integer argmax predictions then have a floor of about
  0.28 px in DVE's 70-px frame.

One choice is ours by default: ``source_resample='once'`` resamples the
source image once through the composed warps (g1 then g2);
``source_resample='twice'`` (DVE's ``Warper``, preset by ``protocol='dve'``)
resamples A through g1 and that result through g2, two bilinear
interpolations (see ``sce_mae_mm/evaluation/functional/matching_rules.py``).
"""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS
from mmpose.structures import PoseDataSample

from .dve_crop import dve_crop
from .load_image import image_source, read_image_bgr
from .tps_warp import (sample_tps_params, tps_sampling_map, tps_warp_image,
                       tps_warp_keypoints)

WARP_FRAMES = ('resize', 'crop')
KEYPOINT_RULES = ('grid', 'exact')
# as sce_mae_mm/evaluation/functional/matching_rules.py (not imported: the
# evaluation package imports the datasets package)
SOURCE_RESAMPLES = ('once', 'twice')
PROTOCOL_RESAMPLE = {None: 'once', 'default': 'once', 'dve': 'twice'}
_WHERE = 'MatchingPairWarp'


def load_image_bgr(path: str, source: str = '') -> np.ndarray:
    """Decode an image file (BGR uint8), raising an ``ImageReadError``
    naming the path and ``source`` (where it is listed) on failure."""
    return read_image_bgr(path, source)


def nearest_grid_keypoints(keypoints: np.ndarray, params, crop: int = 96,
                           context: int = 0) -> np.ndarray:
    """Move keypoints to the nearest pixel of each warp's sampling grid.

    DVE's ``warp_keypoints``: for a warp with sampling map ``T`` the
    keypoint ``p`` moves to the output pixel ``q`` whose sampling location
    ``T(q)`` is nearest to ``p``; a chain ``[g1, g2]`` applies the rule to
    ``g1`` and then to ``g2`` (as DVE's ``Warper`` does for its second
    image).

    Args:
        keypoints: (K, 2) keypoints in the frame's pixels (pixel 0 is
            normalised coordinate -1, context not included).
        params: TPS parameters or a list of them (see ``tps_warp_image``).
        crop, context: the frame (see ``tps_sampling_map``).

    Returns:
        (K, 2) float32 integer-valued keypoints, same frame.
    """
    chain = [params] if isinstance(params, dict) else list(params)
    size = crop + 2 * context
    kp = np.asarray(keypoints, np.float64).reshape(-1, 2) + context
    for prm in chain:
        mx, my = tps_sampling_map(prm, crop, context)
        grid = np.stack([mx.reshape(-1), my.reshape(-1)], -1).astype(
            np.float64)
        dist = (kp ** 2).sum(-1)[:, None] + (grid ** 2).sum(-1)[None] - \
            2. * kp @ grid.T
        idx = dist.argmin(1)
        kp = np.stack([idx % size, idx // size], -1).astype(np.float64)
    return (kp - context).astype(np.float32)


def warp_chain_image(img: np.ndarray, chain: List[Dict], crop: int,
                     context: int, border: str,
                     resample: str = 'once') -> np.ndarray:
    """Warp an image through a chain of TPS warps (first to last).

    Args:
        img: (S, S, C) image, ``S = crop + 2 context``.
        chain: TPS parameter dicts ``[g1, g2, ...]``.
        crop, context, border: see ``tps_warp_image``.
        resample: ``'once'`` (one bilinear resampling through the composed
            sampling map) or ``'twice'`` (DVE: one resampling per warp,
            each reading the previous result).

    Returns:
        the warped image, same shape and dtype.
    """
    if resample not in SOURCE_RESAMPLES:
        raise ValueError(f'{_WHERE}: source_resample must be one of '
                         f'{SOURCE_RESAMPLES}, got {resample!r}')
    if resample == 'once':
        return tps_warp_image(img, chain, crop, context, border)
    for prm in chain:
        img = tps_warp_image(img, prm, crop, context, border)
    return img


@TRANSFORMS.register_module()
class MatchingPairWarp(BaseTransform):
    """Load, crop and warp one matching pair.

    Reads ``img_paths`` [A, B], ``keypoints`` (2, K, 2) original pixels,
    ``bbox`` (2, 4) windows and ``pair_id``. Writes ``imgs`` (3, S, S, 3)
    uint8 BGR [source, same, diff] (``S = crop + 2 context``) and
    ``src_keypoints``, ``same_keypoints``, ``diff_keypoints`` (K, 2) float32
    in the ``crop``-pixel frame, plus ``context`` and ``input_size``.

    Args:
        resize, crop, context: the DVE crop (see ``DVEFaceCrop``); with
            ``warp_frame='resize'`` the context is at most
            ``(resize - crop) / 2``.
        seed: seed of the pair warps.
        warpsd_all, warpsd_subset, transsd, scalesd, rotsd: warp sds
            (SPEC evaluation values by default).
        border: border mode of the warp.
        warp_frame: ``'resize'`` (DVE: warp the ``resize``-px image, then
            crop) or ``'crop'`` (warp normalised on the crop).
        keypoint_rule: ``'grid'`` (DVE: nearest sampling-grid pixel,
            integer keypoints) or ``'exact'`` (sub-pixel transfer).
        source_resample: ``'once'`` (the source resampled once through
            g1 then g2) or ``'twice'`` (DVE: through g1, then the result
            through g2); None: the ``protocol``'s. Recorded as the
            ``source_resample`` result (and metainfo).
        protocol: None / ``'default'`` (``source_resample='once'``) or
            ``'dve'`` (``'twice'``); an explicit ``source_resample`` wins.
    """

    def __init__(self, resize: int = 136, crop: int = 96, context: int = 0,
                 seed: int = 0, warpsd_all: float = 0.0005,
                 warpsd_subset: float = 0.005, transsd: float = 0.05,
                 scalesd: float = 0.05, rotsd: float = 2.5,
                 border: str = 'constant', warp_frame: str = 'resize',
                 keypoint_rule: str = 'grid',
                 source_resample: Optional[str] = None,
                 protocol: Optional[str] = None):
        if protocol not in PROTOCOL_RESAMPLE:
            raise ValueError(f'{_WHERE}: protocol must be one of '
                             f'{tuple(PROTOCOL_RESAMPLE)}, got {protocol!r}')
        source_resample = source_resample or PROTOCOL_RESAMPLE[protocol]
        if source_resample not in SOURCE_RESAMPLES:
            raise ValueError(f'{_WHERE}: source_resample must be one of '
                             f'{SOURCE_RESAMPLES}, got {source_resample!r}')
        if warp_frame not in WARP_FRAMES:
            raise ValueError(f'{_WHERE}: warp_frame must be one of '
                             f'{WARP_FRAMES}, got {warp_frame!r}')
        if keypoint_rule not in KEYPOINT_RULES:
            raise ValueError(f'{_WHERE}: keypoint_rule must be one of '
                             f'{KEYPOINT_RULES}, got {keypoint_rule!r}')
        if (resize - crop) % 2 or crop > resize:
            raise ValueError(f'{_WHERE}: need crop <= resize with an even '
                             f'difference, got resize={resize}, crop={crop}')
        if warp_frame == 'resize' and context > (resize - crop) // 2:
            raise ValueError(
                f'{_WHERE}: context {context} exceeds the '
                f'{(resize - crop) // 2} px the {resize}-px frame holds '
                "around the crop (use warp_frame='crop' for more)")
        self.resize, self.crop, self.context = resize, crop, context
        self.seed = seed
        self.sds = dict(warpsd_all=warpsd_all, warpsd_subset=warpsd_subset,
                        transsd=transsd, scalesd=scalesd, rotsd=rotsd)
        self.border = border
        self.warp_frame = warp_frame
        self.keypoint_rule = keypoint_rule
        self.source_resample = source_resample

    def pair_params(self, pair_id: int) -> Dict[str, Dict]:
        """The warps ``g1_A``, ``g1_B``, ``g2`` of pair ``pair_id``."""
        rng = np.random.default_rng([self.seed, int(pair_id)])
        return dict(g1_a=sample_tps_params(rng, **self.sds),
                    g1_b=sample_tps_params(rng, **self.sds),
                    g2=sample_tps_params(rng, **self.sds))

    def frame(self) -> Dict[str, int]:
        """Where the warps live: ``crop`` / ``context`` of their frame (as
        in ``tps_sampling_map``) and ``offset``, the crop's first pixel in
        that frame's pixels."""
        if self.warp_frame == 'resize':
            return dict(crop=self.resize, context=0,
                        offset=(self.resize - self.crop) // 2)
        return dict(crop=self.crop, context=self.context, offset=0)

    def _move(self, kpts: np.ndarray, chain: List[Dict],
              frame: Dict[str, int]) -> np.ndarray:
        """Crop-frame keypoints through a warp chain (crop frame out)."""
        args = (frame['crop'], frame['context'])
        kp = np.asarray(kpts, np.float64) + frame['offset']
        if self.keypoint_rule == 'grid':
            out = nearest_grid_keypoints(kp, chain, *args)
        else:
            out = tps_warp_keypoints(kp, chain, *args)
        return (out - frame['offset']).astype(np.float32)

    def transform(self, results: Dict) -> Dict:
        paths = results['img_paths']
        kpts = np.asarray(results['keypoints'], np.float64)
        windows = np.asarray(results['bbox'], np.float64).reshape(-1, 4)
        frame = self.frame()
        load_context = (frame['offset'] if self.warp_frame == 'resize' else
                        self.context)
        crops, crop_kpts = [], []
        for k in range(2):
            img = load_image_bgr(paths[k], image_source(results, k))
            c, kp = dve_crop(img, windows[k], kpts[k], self.resize,
                             self.crop, load_context)
            crops.append(c)
            crop_kpts.append(kp)
        prm = self.pair_params(results['pair_id'])
        chains = dict(src=(0, [prm['g1_a'], prm['g2']]),
                      same=(0, [prm['g1_a']]), diff=(1, [prm['g1_b']]))
        args = (frame['crop'], frame['context'], self.border)
        lo = load_context - self.context
        hi = lo + self.crop + 2 * self.context
        imgs = []
        for name, (k, chain) in chains.items():
            warped = warp_chain_image(crops[k], chain, *args,
                                      resample=self.source_resample)
            imgs.append(warped[lo:hi, lo:hi])
            results[f'{name}_keypoints'] = self._move(crop_kpts[k], chain,
                                                      frame)
        results['imgs'] = np.stack(imgs)
        results['context'] = self.context
        results['input_size'] = (self.crop, self.crop)
        results['source_resample'] = self.source_resample
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(resize={self.resize}, '
                f'crop={self.crop}, context={self.context}, '
                f'seed={self.seed}, warp_frame={self.warp_frame!r}, '
                f'keypoint_rule={self.keypoint_rule!r}, '
                f'source_resample={self.source_resample!r})')


@TRANSFORMS.register_module()
class PackMatchingInputs(BaseTransform):
    """Pack a matching pair for a model that normalises its own input.

    Output: ``inputs`` uint8 tensor (3, 3, S, S) = [source, same, diff]
    (RGB when ``to_rgb``), and ``data_samples`` a ``PoseDataSample`` whose
    metainfo holds ``src_keypoints``, ``same_keypoints``,
    ``diff_keypoints`` (K, 2) float32 (crop frame), ``pair_id``,
    ``img_paths``, ``context``, ``input_size``, ``source_resample`` and
    ``channel_order``.

    Args:
        to_rgb: convert BGR to RGB.
        meta_keys: result keys copied into the metainfo.
    """

    def __init__(self, to_rgb: bool = True,
                 meta_keys: Sequence[str] = (
                     'src_keypoints', 'same_keypoints', 'diff_keypoints',
                     'pair_id', 'img_paths', 'context', 'input_size',
                     'source_resample')):
        self.to_rgb = to_rgb
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: Dict) -> Dict:
        imgs = np.asarray(results['imgs'])
        if self.to_rgb:
            imgs = imgs[..., ::-1]
        inputs = torch.from_numpy(
            np.ascontiguousarray(imgs.transpose(0, 3, 1, 2)))
        meta = {k: results[k] for k in self.meta_keys if k in results}
        meta['channel_order'] = 'rgb' if self.to_rgb else 'bgr'
        return dict(inputs=inputs,
                    data_samples=PoseDataSample(metainfo=meta))
