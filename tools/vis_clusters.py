"""Paper Figure S1: inattentive regions and their clusters, as a PNG.

First row: the faces (96 x 96 DVE crops). Second row: the same faces with
every inattentive token coloured by its cluster (one colour per cluster,
the centre token outlined); attentive tokens are left uncoloured.

The split and the clustering are the CARB's own (the config's eta, K_c,
layer and density), computed on the frozen backbone of CHECKPOINT, which
may be a stage-2 runner checkpoint (backbone and projector) or a stage-1
one (the encoder only, as the stage-2 config loads it).

Usage::

    python tools/vis_clusters.py CONFIG CHECKPOINT --out fig.png [--num 8]
        [--start 0] [--cfg-options k=v ...]
"""
import argparse
import os
import os.path as osp
from typing import Sequence

import matplotlib
import numpy as np
import torch
from matplotlib.patches import Rectangle
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import load_state_dict
from mmpose.registry import DATASETS, MODELS

import sce_mae_mm  # noqa: F401
from sce_mae_mm.checkpoint import read_checkpoint
from sce_mae_mm.visualization.canvas import new_figure, save_png


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='stage-2 config')
    parser.add_argument('checkpoint', help='stage-2 or stage-1 checkpoint')
    parser.add_argument('--out', required=True, help='output PNG path')
    parser.add_argument('--num', type=int, default=8, help='faces to draw')
    parser.add_argument('--start', type=int, default=0,
                        help='index of the first face in the dataset')
    parser.add_argument('--alpha', type=float, default=0.65,
                        help='opacity of the cluster colours')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings in the config, key=value pairs')
    return parser.parse_args()


def load_weights(model: torch.nn.Module, checkpoint: str) -> None:
    """Load a stage-2 checkpoint into the model, or a stage-1 one into
    its backbone.

    Raises:
        RuntimeError: the checkpoint has neither layout.
    """
    ckpt = read_checkpoint(checkpoint, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    if any(k.startswith('backbone.vit.') for k in state):  # stage 2
        load_state_dict(model, state, strict=True)
    elif any(k.startswith('backbone.') for k in state):  # stage 1 (MAE)
        model.backbone.load_stage1(checkpoint)
    else:
        raise RuntimeError(f'{checkpoint}: expected a runner checkpoint with '
                           '"backbone." (stage 1) or "backbone.vit." and '
                           '"neck." (stage 2) keys')


def draw_cluster_figure(images: np.ndarray, assignment: np.ndarray,
                        centres: np.ndarray, grid: int, out: str,
                        alpha: float = 0.65) -> None:
    """Draw Figure S1 and write it as a PNG.

    Args:
        images (np.ndarray): (B, H, W, 3) uint8 RGB faces.
        assignment (np.ndarray): (B, grid * grid) cluster index of each
            token, -1 for attentive tokens.
        centres (np.ndarray): (B, K) token indices of the centres.
        grid (int): tokens per side.
        out (str): PNG path.
        alpha (float): opacity of the colours.
    """
    num, height, width = images.shape[:3]
    patch_h, patch_w = height / grid, width / grid
    num_clusters = centres.shape[1]
    colours = matplotlib.colormaps['tab10' if num_clusters <= 10 else 'tab20']
    fig = new_figure((1.6 * num, 3.4))
    axes = fig.subplots(2, num, squeeze=False)
    for col in range(num):
        top, bottom = axes[0, col], axes[1, col]
        top.imshow(images[col])
        labels = assignment[col].reshape(grid, grid)
        overlay = np.zeros((grid, grid, 4))
        for cluster in range(num_clusters):
            overlay[labels == cluster] = (*colours(cluster)[:3], alpha)
        bottom.imshow(images[col])
        bottom.imshow(
            overlay,
            extent=(-0.5, width - 0.5, height - 0.5, -0.5),
            interpolation='nearest')
        for cluster, token in enumerate(centres[col]):
            y, x = divmod(int(token), grid)
            bottom.add_patch(
                Rectangle((x * patch_w - 0.5, y * patch_h - 0.5), patch_w,
                          patch_h, fill=False, lw=1.2, ec='white'))
        for ax in (top, bottom):
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel('faces')
    axes[1, 0].set_ylabel('inattentive\nclusters')
    fig.tight_layout(pad=0.3)
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    save_png(fig, out, dpi=150)


def cluster_faces(model: torch.nn.Module, samples: Sequence[dict]) -> dict:
    """Split and cluster the tokens of packed samples with the model.

    Returns:
        dict: ``images`` (B, H, W, 3) uint8 RGB, ``assignment`` (B, N),
        ``centres`` (B, K), ``grid`` (int).
    """
    data = pseudo_collate(list(samples))
    batch = model.data_preprocessor(data, training=False)
    with torch.no_grad():
        out = model.backbone.forward_tokens(batch['inputs'])
        groups = model.neck.split_and_cluster(out['layer_tokens'],
                                              out['cls_attn'])
    images = torch.stack(data['inputs']).permute(0, 2, 3, 1).numpy()
    if getattr(model.data_preprocessor, '_channel_conversion', False):
        images = images[..., ::-1]  # BGR (as loaded) -> RGB
    return dict(
        images=np.ascontiguousarray(images),
        assignment=groups['assignment'].numpy(),
        centres=groups['centres'].numpy(),
        grid=out['last'].shape[-1])


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    cfg.model.backbone.checkpoint = None
    model = MODELS.build(cfg.model)
    load_weights(model, args.checkpoint)
    model.eval()

    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    if args.start + args.num > len(dataset):
        raise ValueError(f'{args.config}: the dataset has {len(dataset)} '
                         f'images; cannot draw {args.num} from index '
                         f'{args.start}')
    samples = [dataset[i] for i in range(args.start, args.start + args.num)]
    result = cluster_faces(model, samples)
    draw_cluster_figure(result['images'], result['assignment'],
                        result['centres'], result['grid'], args.out,
                        args.alpha)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
