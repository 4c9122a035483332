"""The stage-1 recipe study: arm configs, reuse of a stage 1, its table."""
import json
from pathlib import Path

import pytest
from mmengine.config import Config

from sce_mae_mm.studies import stage1_recipe as study

ROOT = Path(__file__).resolve().parents[1]


def test_arm_config_ends_its_schedule_at_its_epochs(tmp_path):
    arm = study.arm_by_name('dec4x256')
    path = tmp_path / 'c.py'
    study.write_arm_config(str(path), str(ROOT), arm, 7, 1184)
    cfg = Config.fromfile(str(path))
    assert cfg.train_cfg.max_epochs == 7
    assert cfg.param_scheduler[1].end == 7
    assert cfg.param_scheduler[1].T_max == 6
    assert cfg.model.neck.decoder_embed_dim == 256
    assert cfg.model.neck.decoder_depth == 4
    assert cfg.default_hooks.checkpoint.curve_epochs == [7]


def test_noflip_arm_has_no_flip(tmp_path):
    path = tmp_path / 'c.py'
    study.write_arm_config(str(path), str(ROOT), study.arm_by_name('noflip'),
                           3, 1184)
    types = [t['type'] for t in
             Config.fromfile(str(path)).train_dataloader.dataset.pipeline]
    assert not any('Flip' in t for t in types) and len(types) == 3


def test_every_arm_has_a_reason_and_unknown_arms_fail():
    assert len({a.name for a in study.ARMS}) == len(study.ARMS) >= 8
    assert all(len(a.reason) > 20 for a in study.ARMS)
    with pytest.raises(KeyError, match='no arm'):
        study.arm_by_name('nope')


def test_reuse_needs_a_finished_stage1(tmp_path):
    arm = study.arm_by_name('base_s2x8')
    (tmp_path / 'seed5' / 'base').mkdir(parents=True)
    (tmp_path / 'seed5' / 'base_s2x8').mkdir(parents=True)
    with pytest.raises(RuntimeError, match="stage 1 of 'base'"):
        study.reuse_stage1(str(tmp_path), 'seed5', arm)
    src = tmp_path / 'seed5' / 'base'
    (src / 'stage1').mkdir()
    (src / 'plan.json').write_text('{}')
    (src / 'stage1_config.py').write_text('x = 1\n')
    (src / 'study.json').write_text(json.dumps(
        dict(stage1_cpu_s=10., stage1_wall_s=6., stage1_done=True)))
    state = study.reuse_stage1(str(tmp_path), 'seed5', arm)
    assert state['stage1_of'] == 'base' and state['stage1_cpu_s'] == 10.
    assert (tmp_path / 'seed5' / 'base_s2x8' / 'stage1').is_symlink()


def test_table_rows_put_each_number_beside_its_baseline(tmp_path):
    wd = tmp_path / 'seed5' / 'base'
    for sub in ('matching', 'matching_raw', 'det_mafl/test'):
        (wd / sub).mkdir(parents=True)
    sce = {'matching/same': 1., 'matching/diff': 12.,
           'matching/same_baseline': 3., 'matching/diff_baseline': 8.,
           'matching/diff_dve': 13., 'matching/diff_within_3px': .3,
           'matching/diff_baseline_within_3px': .1}
    (wd / 'matching' / 'metrics.json').write_text(json.dumps(sce))
    (wd / 'matching_raw' / 'metrics.json').write_text(
        json.dumps({'matching/diff': 20.}))
    (wd / 'det_mafl' / 'test' / 'metrics.json').write_text(
        json.dumps({'NME': 9., 'NME_mean_shape': 15.}))
    (wd / 'timings.json').write_text('{}')
    (wd / 'plan.json').write_text(json.dumps(
        dict(images_seen=1000, probe_cpu_s_per_step=.3)))
    (wd / 'study.json').write_text(json.dumps(
        dict(stage1_cpu_s=None, stage1_wall_s=60.)))
    rows = study.study_rows(str(tmp_path), '.', 5,
                            [study.arm_by_name('base'),
                             study.arm_by_name('noflip')])
    assert '| base | 1,000 | – (60) | 0.300 / – | 1.00 / **12.00** ' \
        '(3.00 / 8.00) | 1.50 | 13.00 | 20.00 | 0.300 (0.100) |' in rows[2]
    assert rows[2].endswith('| 9.00 (15.00) |')
    assert rows[3].startswith('| noflip | not finished |')


def test_probe_times_a_training_step(tmp_path):
    path = tmp_path / 'c.py'
    study.write_arm_config(str(path), str(ROOT), study.arm_by_name('base'),
                           2, 1184)
    for bf16 in (False, True):
        secs = study.probe_step_seconds(str(path), steps=1, warmup=1,
                                        bf16=bf16)
        assert 0 < secs < 60
