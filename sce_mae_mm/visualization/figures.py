"""Paper figures as PNG: S3 (similarity maps), S4 (detections), S5 (worst
matching failures). Figure S1 (clusters) lives in ``tools/vis_clusters.py``.

Each ``collect_*`` function runs a model over a dataset built from a config;
each ``plot_*`` function takes plain arrays and returns a matplotlib
:class:`~matplotlib.figure.Figure` on its own Agg canvas (no pyplot, no
global backend), so the drawing is testable without a model.
"""
from typing import Dict, List, Optional, Sequence

import mmcv
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from mmengine.dataset import pseudo_collate
from mmpose.registry import DATASETS

from ..datasets.metainfo import FACE5_METAINFO
from ..datasets.transforms.dve_crop import dve_crop
from .canvas import new_figure, save_png
from .matching_pair import pair_crops

GT_COLOUR = 'lime'
PRED_COLOUR = 'red'


def similarity_maps(src_desc: torch.Tensor, tgt_desc: torch.Tensor,
                    src_kpts: torch.Tensor,
                    image_size: Sequence[int]) -> torch.Tensor:
    """Cosine similarity of each source landmark to every target pixel.

    Args:
        src_desc, tgt_desc: (D, h, w) dense descriptors.
        src_kpts: (K, 2) (x, y) source pixels.
        image_size: (H, W) the keypoints live in.

    Returns:
        (K, H, W) similarities in [-1, 1].
    """
    size = tuple(int(s) for s in image_size)
    src = F.normalize(F.interpolate(src_desc[None], size, mode='bilinear',
                                    align_corners=False)[0], dim=0)
    tgt = F.normalize(F.interpolate(tgt_desc[None], size, mode='bilinear',
                                    align_corners=False)[0], dim=0)
    xy = src_kpts.round().long()
    xy[:, 0].clamp_(0, size[1] - 1)
    xy[:, 1].clamp_(0, size[0] - 1)
    query = src[:, xy[:, 1], xy[:, 0]]  # (D, K)
    return torch.einsum('dk,dhw->khw', query, tgt)


def plot_similarity(src_img: np.ndarray, tgt_img: np.ndarray,
                    src_kpts: np.ndarray, tgt_kpts: np.ndarray,
                    sims: np.ndarray, names: Sequence[str]) -> Figure:
    """Figure S3: a row per landmark (query on the source, similarity map
    on the target with ground truth and prediction).

    Args:
        src_img, tgt_img: (H, W, 3) RGB uint8.
        src_kpts, tgt_kpts: (K, 2) (x, y).
        sims: (K, H, W) similarity maps.
        names: K landmark names.
    """
    num = len(names)
    fig = new_figure((6, 2.1 * num))
    axes = fig.subplots(num, 3, squeeze=False)
    for k in range(num):
        pred = np.unravel_index(np.argmax(sims[k]), sims[k].shape)[::-1]
        ax_src, ax_sim, ax_tgt = axes[k]
        ax_src.imshow(src_img)
        ax_src.scatter(*src_kpts[k], s=40, c=PRED_COLOUR, marker='x')
        ax_src.set_title(f'query: {names[k]}', fontsize=8)
        ax_sim.imshow(sims[k], cmap='jet')
        ax_sim.set_title('cosine similarity', fontsize=8)
        ax_tgt.imshow(tgt_img)
        ax_tgt.imshow(sims[k], cmap='jet', alpha=0.45)
        ax_tgt.scatter(*tgt_kpts[k], s=40, c=GT_COLOUR, marker='o',
                       label='ground truth')
        ax_tgt.scatter(*pred, s=40, c=PRED_COLOUR, marker='x',
                       label='prediction')
        ax_tgt.set_title('target', fontsize=8)
        for ax in axes[k]:
            ax.axis('off')
    axes[0, 2].legend(loc='lower right', fontsize=6)
    fig.tight_layout()
    return fig


def plot_failures(records: List[Dict], names: Sequence[str]) -> Figure:
    """Figure S5: the worst matches (source query → target, GT vs pred).

    Args:
        records: dicts with ``src_img``, ``tgt_img`` (H, W, 3) RGB,
            ``src_kpt``, ``gt``, ``pred`` (2,), ``landmark`` (int),
            ``error`` (float, 70-px frame), ``pair_id``, ``group``.
        names: landmark names.
    """
    num = len(records)
    fig = new_figure((4.2, 2.1 * num))
    axes = fig.subplots(num, 2, squeeze=False)
    for row, rec in zip(axes, records):
        row[0].imshow(rec['src_img'])
        row[0].scatter(*rec['src_kpt'], s=40, c=PRED_COLOUR, marker='x')
        row[0].set_title(f"pair {rec['pair_id']} ({rec['group']}): "
                         f"{names[rec['landmark']]}", fontsize=7)
        row[1].imshow(rec['tgt_img'])
        row[1].scatter(*rec['gt'], s=40, c=GT_COLOUR, marker='o')
        row[1].scatter(*rec['pred'], s=40, c=PRED_COLOUR, marker='x')
        row[1].plot([rec['gt'][0], rec['pred'][0]],
                    [rec['gt'][1], rec['pred'][1]], c='yellow', lw=1)
        row[1].set_title(f"error {rec['error']:.2f} px (70-px frame)",
                         fontsize=7)
        for ax in row:
            ax.axis('off')
    fig.tight_layout()
    return fig


def plot_detections(images: Sequence[np.ndarray], gts: Sequence[np.ndarray],
                    preds: Sequence[np.ndarray], titles: Sequence[str],
                    cols: int = 4) -> Figure:
    """Figure S4: ground truth (green) vs prediction (red) on face crops.

    Args:
        images: (H, W, 3) RGB crops.
        gts, preds: (K, 2) (x, y) in the crop frame.
        titles: one caption per image.
        cols: images per row.
    """
    rows = int(np.ceil(len(images) / cols))
    fig = new_figure((2.2 * cols, 2.3 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat:
        ax.axis('off')
    for ax, img, gt, pred, title in zip(axes.flat, images, gts, preds,
                                        titles):
        ax.imshow(img)
        ax.scatter(gt[:, 0], gt[:, 1], s=10, c=GT_COLOUR, marker='o')
        ax.scatter(pred[:, 0], pred[:, 1], s=10, c=PRED_COLOUR, marker='x')
        ax.set_title(title, fontsize=7)
    fig.tight_layout()
    return fig


@torch.no_grad()
def collect_matching(model: torch.nn.Module, cfg, num_pairs: int,
                     batch_size: int = 8) -> List[Dict]:
    """Run the matcher over the first ``num_pairs`` MAFL pairs.

    Returns one dict per pair: ``images`` (3, 96, 96, 3) RGB [source, same,
    diff], ``desc`` (3, D, h, w) descriptors, ``src``/``same``/``diff``
    keypoints (K, 2), ``pred_same``/``pred_diff`` (K, 2),
    ``same_landmarks``/``diff_landmarks`` (K, D) unit descriptors at the
    targets' landmarks, ``pair_id``.
    """
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    num_pairs = min(num_pairs, len(dataset))
    out = []
    for start in range(0, num_pairs, batch_size):
        batch = pseudo_collate(
            [dataset[i] for i in range(start, min(start + batch_size,
                                                  num_pairs))])
        data = model.data_preprocessor(batch)
        desc = model(data['inputs'], mode='tensor').cpu()
        samples = model.predict(data['inputs'], data['data_samples'])
        for i, sample in enumerate(samples):
            meta = sample.metainfo
            out.append(
                dict(images=pair_crops(batch['inputs'][i],
                                       int(meta.get('context', 0)),
                                       meta.get('channel_order', 'rgb')),
                     desc=desc[i],
                     src=np.asarray(meta['src_keypoints']),
                     same=np.asarray(meta['same_keypoints']),
                     diff=np.asarray(meta['diff_keypoints']),
                     pred_same=np.asarray(sample.pred_same_keypoints),
                     pred_diff=np.asarray(sample.pred_diff_keypoints),
                     same_landmarks=np.asarray(
                         sample.same_landmark_descriptors),
                     diff_landmarks=np.asarray(
                         sample.diff_landmark_descriptors),
                     pair_id=int(meta.get('pair_id', start + i))))
    return out


def worst_failures(pairs: List[Dict], num: int,
                   frame: float = 70. / 96.) -> List[Dict]:
    """The ``num`` largest matching errors over both groups (records for
    :func:`plot_failures`)."""
    records = []
    for pair in pairs:
        for g_index, group in enumerate(('same', 'diff'), start=1):
            err = np.linalg.norm(pair[f'pred_{group}'] - pair[group],
                                 axis=-1) * frame
            for k, e in enumerate(err):
                records.append(
                    dict(src_img=pair['images'][0],
                         tgt_img=pair['images'][g_index],
                         src_kpt=pair['src'][k], gt=pair[group][k],
                         pred=pair[f'pred_{group}'][k], landmark=k,
                         error=float(e), pair_id=pair['pair_id'],
                         group=group))
    records.sort(key=lambda r: -r['error'])
    return records[:num]


@torch.no_grad()
def collect_detections(model: torch.nn.Module, cfg,
                       num: int) -> Dict[str, List]:
    """Predict landmarks on the first ``num`` test images of a detection
    config; returns RGB 96-px crops with GT and predictions in the crop
    frame, and per-image NME (%, inter-ocular from the metric config)."""
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    evaluator = cfg.test_evaluator
    evaluator = evaluator[0] if isinstance(evaluator, list) else evaluator
    iod = list(evaluator.get('keypoint_indices', [0, 1]))
    images, gts, preds, titles = [], [], [], []
    for idx in range(min(num, len(dataset))):
        sample = model.test_step(pseudo_collate([dataset[idx]]))[0]
        info = dataset.get_data_info(idx)
        img = sample.metainfo.get('img_path', info['img_path'])
        raw = mmcv.imread(img, 'color')
        crop, kp = dve_crop(
            raw, np.asarray(info['bbox']).reshape(-1)[:4],
            np.concatenate([info['keypoints'][0],
                            sample.pred_instances.keypoints[0]]))
        k = info['keypoints'].shape[1]
        gt, pred = kp[:k], kp[k:]
        norm = np.linalg.norm(gt[iod[0]] - gt[iod[1]])
        nme = np.linalg.norm(gt - pred, axis=-1).mean() / max(norm, 1e-6)
        images.append(crop[..., ::-1])
        gts.append(gt)
        preds.append(pred)
        titles.append(f'NME {100 * nme:.2f}%')
    return dict(images=images, gts=gts, preds=preds, titles=titles)


def save(fig: Figure, path: str, dpi: int = 120) -> str:
    """Write ``fig`` as PNG; returns ``path``."""
    return save_png(fig, path, dpi)


def landmark_names(dataset_meta: Optional[dict], num: int) -> List[str]:
    """Keypoint names from (raw or parsed) metainfo; the 5-point face by
    default; ``kpt<i>`` when unknown."""
    meta = dataset_meta if dataset_meta is not None else FACE5_METAINFO
    if 'keypoint_id2name' in meta:
        names = meta['keypoint_id2name']
    else:
        names = {i: v['name'] for i, v in meta.get('keypoint_info',
                                                   {}).items()}
    return [names.get(i, f'kpt{i}') for i in range(num)]
