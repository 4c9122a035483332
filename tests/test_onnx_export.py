"""ONNX export and the onnxruntime backend: graphs that pass onnx.checker
with their metadata, dynamic batch, parity with torch (landmarks within
0.01 px, descriptors at cosine >= 0.9999 everywhere, NME and matching error
to 0.01) and the errors for bad inputs."""
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
import torch.nn.functional as F

from sce_mae_mm.apis import (extract_descriptors, init_detector, init_matcher,
                             predict_landmarks)
from sce_mae_mm.checkpoint import CheckpointError
from sce_mae_mm.deploy.evaluate import evaluate
from sce_mae_mm.deploy.export import export_onnx
from sce_mae_mm.deploy.ort_backend import OnnxGraph
from sce_mae_mm.deploy.publish import sha256_file

ROOT = Path(__file__).resolve().parents[1]
SYN = ROOT / 'configs/synthetic'
DET_CFG = str(SYN / 'sce_mae_deit_t_mafl_synthetic.py')
DET_300W = str(SYN / 'sce_mae_deit_t_300w_synthetic.py')
MATCH_CFG = str(SYN / 'sce_mae_deit_t_mafl_matching_synthetic.py')
NO_INIT = {'model.init_cfg': None}


def _faces(root: Path, num: int):
    files = sorted((root / 'celeba/Img/img_align_celeba').glob('*.jpg'))
    return [str(f) for f in files[:num]]


def _data(cfg_path: str, root: Path, kind: str) -> dict:
    """cfg_options pointing the test (and train) split at the synthetic
    set of the session."""
    celeba = str(root / 'celeba')
    opts = {'test_dataloader.dataset.data_root': celeba,
            'test_dataloader.num_workers': 0,
            'test_dataloader.persistent_workers': False}
    if kind == 'landmarks':
        opts.update({'train_dataloader.dataset.data_root': celeba,
                     **NO_INIT})
    return opts


@pytest.fixture(scope='module')
def det_files(tmp_path_factory):
    """A detector checkpoint (random head) and its landmark graph."""
    tmp = tmp_path_factory.mktemp('det_onnx')
    torch.manual_seed(0)
    model = init_detector(DET_CFG, None, cfg_options=NO_INIT)
    ckpt = tmp / 'det.pth'
    torch.save({'state_dict': model.state_dict(),
                'meta': {'dataset_meta': model.dataset_meta}}, ckpt)
    out = export_onnx(DET_CFG, str(ckpt), str(tmp / 'det.onnx'),
                      cfg_options=NO_INIT)
    return str(ckpt), out


@pytest.fixture(scope='module')
def match_files(tmp_path_factory):
    """A matcher checkpoint and its stride-2 descriptor graph (context 4,
    the matching pipeline's)."""
    tmp = tmp_path_factory.mktemp('match_onnx')
    torch.manual_seed(1)
    matcher = init_matcher(MATCH_CFG, None, stride=2)
    ckpt = tmp / 'matcher.pth'
    torch.save({'state_dict': matcher.state_dict()}, ckpt)
    out = export_onnx(MATCH_CFG, str(ckpt), str(tmp / 'match.onnx'))
    return str(ckpt), out


def test_landmark_graph_checks_and_metadata(det_files):
    ckpt, path = det_files
    model = onnx.load(path)
    onnx.checker.check_model(model)
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta['sce_mae_mm.kind'] == 'landmarks'
    assert meta['config'] == DET_CFG
    assert meta['stride'] == '8' and meta['context'] == '4'
    assert meta['input_size'] == '104' and meta['crop_size'] == '96'
    assert json.loads(meta['mean'])[0] == pytest.approx(0.5084 * 255)
    assert meta['checkpoint_sha256'] == sha256_file(ckpt)
    assert meta['num_keypoints'] == '5'
    assert 'left_eye' in meta['dataset_meta']


def test_landmark_graph_dynamic_batch_and_parity(det_files):
    ckpt, path = det_files
    torch_model = init_detector(DET_CFG, ckpt, cfg_options=NO_INIT)
    from sce_mae_mm.deploy.export import LandmarkGraph
    graph = LandmarkGraph(torch_model).eval()
    ort = OnnxGraph(path)
    for batch in (1, 3):
        x = torch.randn(batch, 3, 104, 104, generator=torch.Generator()
                        .manual_seed(batch))
        got = ort(x)
        with torch.no_grad():
            want = graph(x).numpy()
        assert got.shape == (batch, 5, 2)
        assert np.abs(got - want).max() <= 0.01


def test_predict_landmarks_through_onnxruntime(det_files, synthetic_root):
    ckpt, path = det_files
    torch_model = init_detector(DET_CFG, ckpt, cfg_options=NO_INIT)
    ort_model = init_detector(DET_CFG, path, cfg_options=NO_INIT)
    assert ort_model.dataset_meta['num_keypoints'] == 5
    for img in _faces(synthetic_root, 3):
        windows = np.array([[0, 30, 178, 208], [10, 40, 170, 200]])
        want = predict_landmarks(torch_model, img, windows)
        got = predict_landmarks(ort_model, img, windows)
        assert got.shape == want.shape == (2, 5, 2)
        assert np.abs(got - want).max() <= 0.01


def test_detection_nme_through_onnxruntime(det_files, synthetic_root,
                                           tmp_path):
    ckpt, path = det_files
    opts = _data(DET_CFG, synthetic_root, 'landmarks')
    torch_metrics = evaluate(init_detector(DET_CFG, ckpt, cfg_options=opts),
                             str(tmp_path / 'torch'))
    ort_metrics = evaluate(init_detector(DET_CFG, path, cfg_options=opts),
                           str(tmp_path / 'ort'))
    for key in ('NME', 'NME_original', 'NME_mean_shape'):
        assert math.isfinite(torch_metrics[key]), key
        assert abs(ort_metrics[key] - torch_metrics[key]) <= 0.01, key


def test_descriptor_graph_stride_2(match_files):
    ckpt, path = match_files
    meta = {p.key: p.value for p in onnx.load(path).metadata_props}
    assert (meta['sce_mae_mm.kind'], meta['stride'], meta['input_size']) == (
        'descriptors', '2', '104')
    matcher = init_matcher(MATCH_CFG, ckpt, stride=2)
    ort = OnnxGraph(path)
    x = torch.randn(2, 3, 104, 104, generator=torch.Generator().manual_seed(0))
    got = torch.from_numpy(ort(x))
    with torch.no_grad():
        want = matcher.extract_descriptors(x)
    assert got.shape == want.shape == (2, 64, 48, 48)
    cos = F.cosine_similarity(got, want, dim=1)
    assert float(cos.min()) >= 0.9999


def test_matching_error_through_onnxruntime(match_files, synthetic_root,
                                            tmp_path):
    ckpt, path = match_files
    opts = _data(MATCH_CFG, synthetic_root, 'descriptors')
    want = evaluate(init_matcher(MATCH_CFG, ckpt, stride=2, cfg_options=opts),
                    str(tmp_path / 'torch'))
    got = evaluate(init_matcher(MATCH_CFG, path, stride=2, cfg_options=opts),
                   str(tmp_path / 'ort'))
    for key in ('matching/same', 'matching/diff', 'matching/same_baseline'):
        assert math.isfinite(want[key]), key
        assert abs(got[key] - want[key]) <= 0.01, key


def test_extract_descriptors_api_through_onnxruntime(synthetic_root,
                                                     tmp_path):
    torch.manual_seed(2)
    matcher = init_matcher(MATCH_CFG, None, stride=8)
    ckpt = tmp_path / 'm8.pth'
    torch.save({'state_dict': matcher.state_dict()}, ckpt)
    path = export_onnx(MATCH_CFG, str(ckpt), str(tmp_path / 'm8.onnx'),
                       cfg_options={'model.stride': 8})
    ort = init_matcher(MATCH_CFG, path, stride=8)
    imgs = _faces(synthetic_root, 2)
    want, m_want = extract_descriptors(matcher, imgs)
    got, m_got = extract_descriptors(ort, imgs)
    assert got.shape == want.shape == (2, 64, 12, 12)
    assert float(F.cosine_similarity(got, want, dim=1).min()) >= 0.9999
    np.testing.assert_allclose(m_got[0], m_want[0])


def test_bad_inputs_name_the_file(det_files):
    _, path = det_files
    ort = OnnxGraph(path)
    good = np.zeros((1, 3, 104, 104), np.float32)
    with pytest.raises(ValueError, match=r'det\.onnx.*\(1, 3, 96, 96\).*'
                       r'\(N, 3, 104, 104\)'):
        ort(good[..., :96, :96])
    with pytest.raises(ValueError, match=r'det\.onnx.*\(1, 1, 104, 104\)'):
        ort(good[:, :1])
    with pytest.raises(TypeError, match=r'det\.onnx.*uint8.*float32'):
        ort(good.astype(np.uint8))


def test_graph_of_another_config_is_refused(det_files):
    _, path = det_files
    with pytest.raises(ValueError, match=r'det\.onnx.*exported from .*'
                       r'sce_mae_deit_t_mafl_synthetic\.py.*num_keypoints: '
                       r'5 in the graph, 68 in the config'):
        init_detector(DET_300W, path, cfg_options=NO_INIT)
    with pytest.raises(ValueError, match=r'det\.onnx: a landmarks graph.*'
                       r'expected a descriptors graph'):
        init_matcher(MATCH_CFG, path)


def test_stage1_checkpoint_to_the_landmark_export(tmp_path):
    ckpt = tmp_path / 'stage1.pth'
    torch.save({'state_dict': {
        'backbone.cls_token': torch.zeros(1, 1, 192),
        'neck.decoder_embed.weight': torch.zeros(128, 192)}}, ckpt)
    with pytest.raises(CheckpointError, match=r'stage1\.pth') as err:
        export_onnx(DET_CFG, str(ckpt), str(tmp_path / 'x.onnx'),
                    cfg_options=NO_INIT)
    assert 'stage-1 (MAE) checkpoint' in str(err.value)
    assert 'expected a detection checkpoint' in str(err.value)
    assert not (tmp_path / 'x.onnx').exists()


def test_export_tool(det_files, tmp_path):
    ckpt, _ = det_files
    env = dict(os.environ, OMP_NUM_THREADS='1')
    out = tmp_path / 'tool.onnx'
    proc = subprocess.run(
        [sys.executable, 'tools/deployment/export_onnx.py', DET_CFG, ckpt,
         '--out', str(out), '--cfg-options', 'model.init_cfg=None'],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    meta = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert meta['checkpoint_sha256'] == sha256_file(ckpt)
    assert meta['sce_mae_mm.kind'] == 'landmarks'
