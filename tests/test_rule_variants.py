"""One pass of descriptors scores every rule as tools/test.py's path does
with that rule (``sce_mae_mm/studies/rule_variants.py``).

The matcher's descriptors are replaced by a per-image function of the
pixels (float64 average pooling), so they do not depend on how images are
batched: the comparison below is then exact by construction, and what it
tests is the one-pass pipeline, rule and metric handling, not the ViT.
"""
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
CONFIG = str(ROOT / 'configs' / 'synthetic' /
             'sce_mae_deit_t_mafl_matching_synthetic.py')
TINY = dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)
OPTIONS = {'model.backbone.arch': dict(TINY, _delete_=True),
           'model.backbone.layer_index': 0,
           'model.neck.in_channels': 32, 'model.neck.out_channels': 16}
#: rule -> what tools/test.py is given for it
RUNNER_OPTIONS = {
    'ours': {},
    'grid': {'model.argmax': 'grid'},
    'dot': {'model.similarity': 'dot'},
    'twice': {'model.source_resample': 'twice',
              'test_dataloader.dataset.pipeline.0.source_resample': 'twice'},
    'dve': {'model.protocol': 'dve',
            'test_dataloader.dataset.pipeline.0.protocol': 'dve'},
}


def _pooled(self, images):
    """(N, 3, 12, 12) float64: the 96-px crop of each image, 8-px means."""
    ctx = (images.shape[-1] - 96) // 2
    crop = images[..., ctx:ctx + 96, ctx:ctx + 96]
    return F.avg_pool2d(crop.double(), 8)


@pytest.fixture
def stage2_checkpoint(tmp_path):
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    stage2 = MODELS.build(dict(
        type='SCEMAEStage2',
        backbone=dict(type='SCEViT', arch=TINY, layer_index=0),
        neck=dict(type='CARB', in_channels=32, out_channels=16,
                  projector=dict(type='SpatialProjector'))))
    ckpt = tmp_path / 'stage2.pth'
    torch.save(dict(meta=dict(), state_dict=stage2.state_dict()), ckpt)
    return str(ckpt)


def _runner_metrics(data_root, ckpt, work_dir, options):
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(CONFIG)
    cfg.merge_from_dict({**OPTIONS, **options})
    cfg.test_dataloader.update(batch_size=4, num_workers=0,
                               persistent_workers=False)
    cfg.test_dataloader.dataset.data_root = data_root
    cfg.load_from = ckpt
    cfg.work_dir = str(work_dir)
    cfg.log_level = 'WARNING'
    return Runner.from_cfg(cfg).test()


def test_one_pass_equals_one_run_per_rule(synthetic_root, stage2_checkpoint,
                                          tmp_path, monkeypatch):
    from sce_mae_mm.models.pose_estimators.matcher import LandmarkMatcher
    from sce_mae_mm.studies.rule_variants import RULES, score_rules
    monkeypatch.setattr(LandmarkMatcher, 'extract_descriptors', _pooled)
    data_root = str(synthetic_root / 'celeba')
    lines = []
    ours = score_rules(CONFIG, stage2_checkpoint, data_root,
                       str(tmp_path / 'rules'), batch_size=3,
                       cfg_options=OPTIONS, echo=lines.append)
    assert list(ours) == list(RULES) and lines[-1].startswith(
        'score_rules: ')
    for rule in RULES:
        assert (tmp_path / 'rules' / rule / 'metrics.json').is_file()
        assert (tmp_path / 'rules' / rule / 'per_pair_errors.npz').is_file()
        want = _runner_metrics(data_root, stage2_checkpoint,
                               tmp_path / f'run_{rule}', RUNNER_OPTIONS[rule])
        got = ours[rule]
        shared = [k for k in got if '_minus_ours' not in k]
        assert shared and set(shared) <= set(want), rule
        for key in shared:
            assert math.isclose(got[key], want[key], rel_tol=0,
                                abs_tol=1e-9), (rule, key)
        if rule != 'ours':  # the paired difference to ours, on its pairs
            diff = got['matching/diff'] - ours['ours']['matching/diff']
            assert math.isclose(got['matching/diff_minus_ours'], diff,
                                abs_tol=1e-9)


def test_unknown_rule_is_named(stage2_checkpoint, tmp_path):
    from sce_mae_mm.studies.rule_variants import score_rules
    with pytest.raises(ValueError, match=r"unknown rules \['cosine'\]"):
        score_rules(CONFIG, stage2_checkpoint, str(tmp_path), str(tmp_path),
                    rules=['cosine'])
