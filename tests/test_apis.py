"""Inference API, figures and the demo scripts on the synthetic set."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from sce_mae_mm.apis import (extract_descriptors, face_crop, init_detector,
                             init_matcher, match_points, predict_landmarks)
from sce_mae_mm.visualization import figures

ROOT = Path(__file__).resolve().parents[1]
MATCH_CFG = str(ROOT / 'configs/synthetic/'
                'sce_mae_deit_t_mafl_matching_synthetic.py')
DET_CFG = str(ROOT / 'configs/synthetic/sce_mae_deit_t_mafl_synthetic.py')


def _faces(root: Path, num: int):
    files = sorted((root / 'celeba/Img/img_align_celeba').glob('*.jpg'))
    return [str(f) for f in files[:num]]


@pytest.fixture(scope='module')
def matcher():
    torch.manual_seed(0)
    return init_matcher(MATCH_CFG, None, stride=8,
                        cfg_options={'model.backbone.checkpoint': None})


@pytest.fixture(scope='module')
def matcher_ckpt(matcher, tmp_path_factory):
    path = tmp_path_factory.mktemp('ckpt') / 'matcher.pth'
    torch.save({'state_dict': matcher.state_dict()}, path)
    return str(path)


def test_face_crop_matches_dataset_transform(synthetic_root):
    img = _faces(synthetic_root, 1)[0]
    crop, matrix = face_crop(img, (0, 30, 178, 208))
    assert crop.shape == (96, 96, 3) and crop.dtype == np.uint8
    # the window's centre lands on the crop's centre
    centre = matrix @ np.array([89., 119., 1.])
    np.testing.assert_allclose(centre, [47.5, 47.5], atol=0.5)


def test_extract_descriptors_shapes(matcher, synthetic_root):
    desc, mats = extract_descriptors(matcher, _faces(synthetic_root, 3))
    assert desc.shape == (3, 64, 12, 12)
    assert len(mats) == 3 and mats[0].shape == (2, 3)
    # the projector's output is unit length at every position
    norms = desc.norm(dim=1)
    torch.testing.assert_close(norms, torch.ones_like(norms), atol=1e-4,
                               rtol=0)


def test_match_points_identity(matcher, synthetic_root):
    img = _faces(synthetic_root, 1)[0]
    pts = np.array([[70., 110.], [110., 112.], [90., 150.]], np.float32)
    out = match_points(matcher, img, img, pts)
    assert out.shape == (3, 2)
    # same image: each point finds itself, up to one crop pixel (1.3 px)
    assert np.abs(out - pts).max() <= 1.4


def test_bad_image_path_named(matcher, tmp_path):
    missing = tmp_path / 'nope.jpg'
    with pytest.raises(FileNotFoundError, match='nope.jpg'):
        extract_descriptors(matcher, [str(missing)])


def test_predict_landmarks(synthetic_root):
    torch.manual_seed(0)
    model = init_detector(DET_CFG, None, cfg_options={
        'model.init_cfg': None, 'model.backbone.stride': 8})
    img = _faces(synthetic_root, 1)[0]
    kpts = predict_landmarks(model, img)
    assert kpts.shape == (1, 5, 2) and np.isfinite(kpts).all()
    # predictions live in the image: the crop maps back into 178x218
    assert (kpts[..., 0] > -50).all() and (kpts[..., 0] < 228).all()


def test_figure_plots_write_png(matcher, tmp_path, synthetic_root):
    from mmengine.config import Config
    cfg = Config.fromfile(MATCH_CFG)
    cfg.test_dataloader.dataset.data_root = str(synthetic_root / 'celeba')
    pairs = figures.collect_matching(matcher, cfg, 2, batch_size=2)
    assert len(pairs) == 2 and pairs[0]['images'].shape == (3, 96, 96, 3)
    pair = pairs[0]
    sims = figures.similarity_maps(pair['desc'][0], pair['desc'][2],
                                   torch.as_tensor(pair['src']), (96, 96))
    assert sims.shape == (5, 96, 96) and float(sims.max()) <= 1 + 1e-5
    names = figures.landmark_names(None, 5)
    out = figures.save(
        figures.plot_similarity(pair['images'][0], pair['images'][2],
                                pair['src'], pair['diff'], sims.numpy(),
                                names), str(tmp_path / 's3.png'))
    worst = figures.worst_failures(pairs, 3)
    assert worst[0]['error'] >= worst[-1]['error']
    out5 = figures.save(figures.plot_failures(worst, names),
                        str(tmp_path / 's5.png'))
    for path in (out, out5):
        assert Path(path).stat().st_size > 10_000


def _run_tool(args, cwd=ROOT):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.stdout


def test_demo_match_and_descriptors(matcher_ckpt, synthetic_root, tmp_path):
    a, b = _faces(synthetic_root, 2)
    _run_tool(['tools/demo_match.py', MATCH_CFG, matcher_ckpt, a, b,
               '--points', '70,110', '110,112', '--stride', '8',
               '--out-dir', str(tmp_path / 'm')])
    result = json.loads((tmp_path / 'm/match.json').read_text())
    assert np.asarray(result['tgt_points']).shape == (2, 2)
    assert (tmp_path / 'm/match.png').stat().st_size > 5_000
    _run_tool(['tools/demo_descriptors.py', MATCH_CFG, matcher_ckpt, a, b,
               '--stride', '8', '--out-dir', str(tmp_path / 'd')])
    summary = json.loads((tmp_path / 'd/descriptors.json').read_text())
    assert summary[0]['shape'] == [64, 12, 12]
    assert np.load(summary[1]['descriptors']).shape == (64, 12, 12)


def test_demo_landmarks(synthetic_root, tmp_path):
    torch.manual_seed(0)
    model = init_detector(DET_CFG, None, cfg_options={
        'model.init_cfg': None, 'model.backbone.stride': 8})
    ckpt = tmp_path / 'det.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    img = _faces(synthetic_root, 1)[0]
    _run_tool(['tools/demo_landmarks.py', DET_CFG, str(ckpt), img,
               '--window', '0', '30', '178', '208', '--out-dir',
               str(tmp_path / 'l'), '--cfg-options', 'model.init_cfg=None',
               'model.backbone.stride=8'])
    result = json.loads((tmp_path / 'l/landmarks.json').read_text())
    assert np.asarray(result[0]['keypoints']).shape == (1, 5, 2)
    assert Path(result[0]['png']).stat().st_size > 2_000
