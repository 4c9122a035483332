"""mmpose's own inference on our detectors, in a fresh process whose only
project line is ``import sce_mae_mm``: a checkpoint published by
tools/publish_model.py loads under torch's default ``weights_only=True``,
and ``init_model`` + ``inference_topdown`` (with and without face boxes)
and ``MMPoseInferencer`` (an image, a folder, a video) give the landmarks
of ``sce_mae_mm.apis.predict_landmarks``."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer

from sce_mae_mm.apis import init_detector, predict_landmarks

ROOT = Path(__file__).resolve().parents[1]
DET_CFG = str(ROOT / 'configs/synthetic/sce_mae_deit_t_mafl_synthetic.py')
TOL = 0.01  # px
#: the pre-crop window of a CelebA face (the MAFL readers' bbox)
WINDOW = (0., 30., 178., 208.)
#: where two faces are pasted into a larger, non-crop image
OFFSETS = ((20, 10), (230, 60))

SCRIPT = r'''
import json, pickle, sys
import numpy as np
import torch
import sce_mae_mm  # noqa: F401
from mmpose.apis import MMPoseInferencer, inference_topdown, init_model

cfg, ckpt, raw, img, scene, boxes, folder, video, out = sys.argv[1:]
res = {}
try:
    torch.load(raw, map_location='cpu')
    res['raw_loads'] = 'yes'
except pickle.UnpicklingError as err:
    res['raw_loads'] = type(err).__name__
res['published_keys'] = sorted(torch.load(ckpt, map_location='cpu'))

def kpts(samples):
    return [s.pred_instances.keypoints.tolist() for s in samples]

model = init_model(cfg, ckpt, device='cpu')
res['topdown'] = kpts(inference_topdown(model, img))
res['topdown_bboxes'] = kpts(inference_topdown(
    model, scene, bboxes=np.array(json.loads(boxes)), bbox_format='xyxy'))
inferencer = MMPoseInferencer(pose2d=cfg, pose2d_weights=ckpt, device='cpu')

def run(inputs, **kwargs):
    return [[inst['keypoints'] for inst in r['predictions'][0]]
            for r in inferencer(inputs, **kwargs)]

res['inferencer_image'] = run(img, vis_out_dir=out + '/vis')
res['inferencer_folder'] = run(folder)
res['inferencer_video'] = run(video)
with open(out + '/result.json', 'w') as f:
    json.dump(res, f)
'''


def _faces(root: Path, num: int):
    files = sorted((root / 'celeba/Img/img_align_celeba').glob('*.jpg'))
    return [str(f) for f in files[:num]]


def _run(args, cwd):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout


@pytest.fixture(scope='module')
def detector():
    torch.manual_seed(0)
    return init_detector(DET_CFG, None, cfg_options={'model.init_cfg': None})


@pytest.fixture(scope='module')
def inputs(synthetic_root, tmp_path_factory):
    """An image, a two-face scene with its boxes, a folder, a video."""
    tmp = tmp_path_factory.mktemp('mmpose_inputs')
    faces = _faces(synthetic_root, 4)
    folder = tmp / 'folder'
    folder.mkdir()
    for i, face in enumerate(faces[:3]):
        (folder / f'face_{i}.jpg').write_bytes(Path(face).read_bytes())
    scene = np.full((320, 440, 3), 90, np.uint8)
    boxes = []
    for face, (x, y) in zip(faces[1:3], OFFSETS):
        img = cv2.imread(face)
        scene[y:y + img.shape[0], x:x + img.shape[1]] = img
        boxes.append([WINDOW[0] + x, WINDOW[1] + y, WINDOW[2] + x,
                      WINDOW[3] + y])
    cv2.imwrite(str(tmp / 'scene.png'), scene)
    video = tmp / 'faces.avi'
    first = cv2.imread(faces[0])
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'MJPG'),
                             5, (first.shape[1], first.shape[0]))
    assert writer.isOpened(), 'OpenCV cannot write MJPG .avi here'
    for face in faces:
        writer.write(cv2.imread(face))
    writer.release()
    return dict(img=faces[0], faces=faces, scene=str(tmp / 'scene.png'),
                boxes=boxes, folder=str(folder), video=str(video))


@pytest.fixture(scope='module')
def published(detector, tmp_path_factory):
    """A runner-style checkpoint (optimiser, message hub, numpy meta), then
    tools/publish_model.py on it."""
    tmp = tmp_path_factory.mktemp('publish')
    raw = tmp / 'epoch_6.pth'
    torch.save(dict(
        meta=dict(dataset_meta=detector.dataset_meta, epoch=6,
                  seed=np.int64(0), cfg=Config.fromfile(DET_CFG).pretty_text),
        state_dict=detector.state_dict(),
        optimizer=dict(state={}, param_groups=[dict(lr=np.float64(1e-3))]),
        message_hub=dict(log_scalars={
            'train/loss': HistoryBuffer([0.5], [1])}),
        rng_state=dict(numpy=np.random.get_state())), raw)
    out = _run(['tools/publish_model.py', str(raw), str(tmp / 'det.pth')],
               ROOT).strip().splitlines()[-1]
    return raw, Path(out)


@pytest.fixture(scope='module')
def fresh(published, inputs, tmp_path_factory):
    """Every mmpose entry point, in one fresh process."""
    raw, ckpt = published
    out = tmp_path_factory.mktemp('fresh')
    _run(['-c', SCRIPT, DET_CFG, str(ckpt), str(raw), inputs['img'],
          inputs['scene'], json.dumps(inputs['boxes']), inputs['folder'],
          inputs['video'], str(out)], out)
    return json.loads((out / 'result.json').read_text()), out


@pytest.fixture(scope='module')
def ours(published):
    return init_detector(DET_CFG, str(published[1]))


def _close(got, want):
    got = np.asarray(got, np.float64).reshape(np.shape(want))
    assert np.abs(got - want).max() <= TOL, np.abs(got - want).max()


def test_published_name_and_plain_contents(published, fresh):
    raw, ckpt = published
    digest = __import__('hashlib').sha256(ckpt.read_bytes()).hexdigest()
    assert re.fullmatch(r'det-[0-9a-f]{8}\.pth', ckpt.name)
    assert ckpt.name == f'det-{digest[:8]}.pth'
    result, _ = fresh
    # the runner checkpoint needs the allow-list, the published one not
    assert result['raw_loads'] == 'UnpicklingError'
    assert result['published_keys'] == ['meta', 'state_dict']


def test_init_model_and_inference_topdown(fresh, ours, inputs):
    result, _ = fresh
    _close(result['topdown'], predict_landmarks(ours, inputs['img']))


def test_inference_topdown_with_face_boxes(fresh, ours, inputs):
    result, _ = fresh
    want = predict_landmarks(ours, inputs['scene'], np.array(inputs['boxes']))
    assert want.shape == (2, 5, 2)
    _close(result['topdown_bboxes'], want)
    # a box around a pasted face sees the face as in its own image
    face = cv2.imread(inputs['faces'][1])
    alone = predict_landmarks(ours, face, np.array([WINDOW]))[0]
    _close(want[0] - np.array(OFFSETS[0]), alone)


def test_inferencer_on_an_image(fresh, ours, inputs):
    result, out = fresh
    _close(result['inferencer_image'], predict_landmarks(ours, inputs['img']))
    drawn = list((out / 'vis').iterdir())
    assert len(drawn) == 1 and cv2.imread(str(drawn[0])) is not None


def test_inferencer_on_a_folder(fresh, ours, inputs):
    result, _ = fresh
    files = sorted(Path(inputs['folder']).glob('*.jpg'))
    assert len(result['inferencer_folder']) == len(files) == 3
    for got, path in zip(result['inferencer_folder'], files):
        _close(got, predict_landmarks(ours, str(path)))


def test_inferencer_on_a_video(fresh, ours, inputs):
    result, _ = fresh
    cap = cv2.VideoCapture(inputs['video'])
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    assert len(result['inferencer_video']) == len(frames) == 4
    for got, frame in zip(result['inferencer_video'], frames):
        _close(got, predict_landmarks(ours, frame))


def test_published_weights_are_the_trained_ones(published, detector, ours):
    for key, value in detector.state_dict().items():
        assert torch.equal(ours.state_dict()[key], value), key
