"""Dense descriptors of face images (PNG of the first 3 PCA components and
a .npy/.json per image).

    python tools/demo_descriptors.py MATCH_CFG CKPT img1.jpg [img2.jpg ...]
        --out-dir DIR [--stride 8] [--descriptor projector] [--device cpu]
"""
import argparse
import json
import os
import os.path as osp

import numpy as np
import torch

from sce_mae_mm.apis import extract_descriptors, face_crop, init_matcher
from sce_mae_mm.visualization.canvas import new_figure, save_png


def pca_rgb(desc: torch.Tensor) -> np.ndarray:
    """(D, h, w) descriptors → (h, w, 3) image of their top-3 PCA axes."""
    d, h, w = desc.shape
    x = desc.reshape(d, -1).T
    x = x - x.mean(0)
    _, _, v = torch.linalg.svd(x, full_matrices=False)
    y = x @ v[:3].T
    y = (y - y.min(0).values) / (y.max(0).values - y.min(0).values + 1e-8)
    return y.reshape(h, w, 3).numpy()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('images', nargs='+')
    p.add_argument('--out-dir', required=True)
    p.add_argument('--stride', type=int, default=None)
    p.add_argument('--descriptor', default=None,
                   choices=['projector', 'backbone', 'concat'])
    p.add_argument('--device', default='cpu')
    args = p.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    model = init_matcher(args.config, args.checkpoint, args.device,
                         args.descriptor, args.stride)
    desc, _ = extract_descriptors(model, args.images)
    desc = desc.cpu()
    summary = []
    fig = new_figure((2.2 * len(args.images), 4.4))
    axes = fig.subplots(2, len(args.images), squeeze=False)
    for i, path in enumerate(args.images):
        stem = osp.splitext(osp.basename(path))[0]
        npy = osp.join(args.out_dir, f'{stem}_descriptors.npy')
        np.save(npy, desc[i].numpy())
        summary.append(dict(image=path, descriptors=npy,
                            shape=list(desc[i].shape)))
        axes[0, i].imshow(face_crop(path)[0][..., ::-1])
        axes[1, i].imshow(pca_rgb(desc[i]))
        axes[0, i].set_title(stem, fontsize=7)
        for ax in axes[:, i]:
            ax.axis('off')
    fig.tight_layout()
    png = osp.join(args.out_dir, 'descriptors.png')
    save_png(fig, png, dpi=120)
    with open(osp.join(args.out_dir, 'descriptors.json'), 'w') as f:
        json.dump(summary, f, indent=2)
    print(f'wrote {png} and {len(summary)} descriptor files')


if __name__ == '__main__':
    main()
