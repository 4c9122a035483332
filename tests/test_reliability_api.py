"""Inference API: query points the model cannot see; registry entries."""
from pathlib import Path

import numpy as np
import pytest
import torch

from sce_mae_mm.apis import init_matcher, match_points

ROOT = Path(__file__).resolve().parents[1]
MATCH_CFG = str(ROOT / 'configs/synthetic/'
                'sce_mae_deit_t_mafl_matching_synthetic.py')


@pytest.fixture(scope='module')
def matcher():
    torch.manual_seed(0)
    return init_matcher(MATCH_CFG, None, stride=8)


@pytest.fixture(scope='module')
def face(synthetic_root) -> str:
    return str(sorted(
        (synthetic_root / 'celeba/Img/img_align_celeba').glob('*.jpg'))[0])


@pytest.mark.parametrize('point, why', [
    ((-5., 100.), 'outside the image'),
    ((90., 500.), 'outside the image'),
    ((float('nan'), 100.), 'not finite'),
    # inside the 178x218 image, outside the 96-px crop of the whole image
    ((10., 100.), 'outside the crop'),
])
def test_match_points_outside_the_view(matcher, face, point, why):
    pts = np.array([[90., 120.], point])
    with pytest.raises(ValueError) as err:
        match_points(matcher, face, face, pts)
    msg = str(err.value)
    assert 'src_points' in msg and '#1' in msg and '#0' not in msg
    assert why in msg and '178x218' in msg
    with pytest.warns(UserWarning, match=why):
        out = match_points(matcher, face, face, pts, outside='warn')
    assert out.shape == (2, 2)


def test_match_points_argument_checks(matcher, face):
    with pytest.raises(ValueError, match='src_points must be'):
        match_points(matcher, face, face, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="outside must be 'error'"):
        match_points(matcher, face, face, [[90., 120.]], outside='skip')
    # a point inside the view is matched
    out = match_points(matcher, face, face, [90., 120.])
    assert out.shape == (1, 2) and np.isfinite(out).all()


def test_reliability_components_registered():
    from mmpose.registry import HOOKS, LOOPS, RUNNERS, WEIGHT_INITIALIZERS

    import sce_mae_mm.engine as engine
    for registry, name in ((HOOKS, 'NonFiniteLossHook'),
                           (HOOKS, 'WorkDirLockHook'),
                           (HOOKS, 'RNGStateHook'),
                           (LOOPS, 'ResumableEpochBasedTrainLoop'),
                           (RUNNERS, 'SCEMAERunner'),
                           (WEIGHT_INITIALIZERS, 'FittingPretrained')):
        cls = registry.get(name)
        assert cls is not None and cls.__name__ in engine.__all__, name
    # mmengine's lenient Pretrained is replaced in the mmpose scope
    strict = engine.FittingPretrainedInit
    assert WEIGHT_INITIALIZERS.get('Pretrained') is strict
