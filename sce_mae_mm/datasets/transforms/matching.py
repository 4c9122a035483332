"""The MAFL landmark-matching pairs (SPEC section 4) and their packing.

Pair ``i`` = MAFL test images ``(2i, 2i+1)`` = (A, B). Each image gets its
own TPS warp ``g1``; the source is A warped by ``g1_A`` then by ``g2``; the
"same identity" target is A warped by ``g1_A``; the "different identity"
target is B warped by ``g1_B``. All warps of pair ``i`` come from
``np.random.default_rng([seed, i])`` (in the order g1_A, g1_B, g2), so the
pairs do not depend on loading order or workers.
"""
from typing import Dict, Sequence

import mmcv
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmpose.registry import TRANSFORMS
from mmpose.structures import PoseDataSample

from .dve_crop import dve_crop
from .tps_warp import sample_tps_params, tps_warp_image, tps_warp_keypoints


def load_image_bgr(path: str) -> np.ndarray:
    """Decode an image file (BGR uint8), raising with the path on failure."""
    try:
        img = mmcv.imfrombytes(fileio.get(path), flag='color')
    except Exception as e:
        raise OSError(f'cannot read image {path}: {e}') from None
    if img is None:
        raise OSError(f'cannot decode image {path} (not a valid image file)')
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
        resize, crop, context: the DVE crop (see ``DVEFaceCrop``).
        seed: seed of the pair warps.
        warpsd_all, warpsd_subset, transsd, scalesd, rotsd: warp sds
            (SPEC evaluation values by default).
        border: border mode of the warp.
    """

    def __init__(self, resize: int = 136, crop: int = 96, context: int = 0,
                 seed: int = 0, warpsd_all: float = 0.0005,
                 warpsd_subset: float = 0.005, transsd: float = 0.05,
                 scalesd: float = 0.05, rotsd: float = 2.5,
                 border: str = 'constant'):
        self.resize, self.crop, self.context = resize, crop, context
        self.seed = seed
        self.sds = dict(warpsd_all=warpsd_all, warpsd_subset=warpsd_subset,
                        transsd=transsd, scalesd=scalesd, rotsd=rotsd)
        self.border = border

    def pair_params(self, pair_id: int) -> Dict[str, Dict]:
        """The warps ``g1_A``, ``g1_B``, ``g2`` of pair ``pair_id``."""
        rng = np.random.default_rng([self.seed, int(pair_id)])
        return dict(g1_a=sample_tps_params(rng, **self.sds),
                    g1_b=sample_tps_params(rng, **self.sds),
                    g2=sample_tps_params(rng, **self.sds))

    def transform(self, results: Dict) -> Dict:
        paths = results['img_paths']
        kpts = np.asarray(results['keypoints'], np.float64)
        windows = np.asarray(results['bbox'], np.float64).reshape(-1, 4)
        crops, crop_kpts = [], []
        for k in range(2):
            img = load_image_bgr(paths[k])
            c, kp = dve_crop(img, windows[k], kpts[k], self.resize,
                             self.crop, self.context)
            crops.append(c)
            crop_kpts.append(kp)
        prm = self.pair_params(results['pair_id'])
        args = (self.crop, self.context, self.border)
        src = tps_warp_image(crops[0], [prm['g1_a'], prm['g2']], *args)
        same = tps_warp_image(crops[0], prm['g1_a'], *args)
        diff = tps_warp_image(crops[1], prm['g1_b'], *args)
        results['imgs'] = np.stack([src, same, diff])
        kargs = (self.crop, self.context)
        results['src_keypoints'] = tps_warp_keypoints(
            crop_kpts[0], [prm['g1_a'], prm['g2']], *kargs)
        results['same_keypoints'] = tps_warp_keypoints(
            crop_kpts[0], prm['g1_a'], *kargs)
        results['diff_keypoints'] = tps_warp_keypoints(
            crop_kpts[1], prm['g1_b'], *kargs)
        results['context'] = self.context
        results['input_size'] = (self.crop, self.crop)
        return results


@TRANSFORMS.register_module()
class PackMatchingInputs(BaseTransform):
    """Pack a matching pair for a model that normalises its own input.

    Output: ``inputs`` uint8 tensor (3, 3, S, S) = [source, same, diff]
    (RGB when ``to_rgb``), and ``data_samples`` a ``PoseDataSample`` whose
    metainfo holds ``src_keypoints``, ``same_keypoints``,
    ``diff_keypoints`` (K, 2) float32 (crop frame), ``pair_id``,
    ``img_paths``, ``context``, ``input_size`` and ``channel_order``.

    Args:
        to_rgb: convert BGR to RGB.
        meta_keys: result keys copied into the metainfo.
    """

    def __init__(self, to_rgb: bool = True,
                 meta_keys: Sequence[str] = (
                     'src_keypoints', 'same_keypoints', 'diff_keypoints',
                     'pair_id', 'img_paths', 'context', 'input_size')):
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
