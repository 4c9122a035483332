"""Checkpoints that do not fit are refused, naming the file and the parts."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

from sce_mae_mm.apis import init_detector, init_matcher
from sce_mae_mm.checkpoint import CheckpointError, read_checkpoint
from sce_mae_mm.engine import build_tool_runner
from sce_mae_mm.models.backbones import SCEViT

ROOT = Path(__file__).resolve().parents[1]
SYN = ROOT / 'configs' / 'synthetic'
MATCH_CFG = SYN / 'sce_mae_deit_t_mafl_matching_synthetic.py'
MAFL_CFG = SYN / 'sce_mae_deit_t_mafl_synthetic.py'


def _build(config: Path, **model_overrides) -> torch.nn.Module:
    cfg = Config.fromfile(str(config))
    for key, value in model_overrides.items():
        node = cfg.model
        *parents, last = key.split('.')
        for p in parents:
            node = node[p]
        node[last] = value
    init_default_scope('mmpose')
    torch.manual_seed(0)
    return MODELS.build(cfg.model)


def _save(model: torch.nn.Module, path: Path) -> Path:
    torch.save(dict(meta=dict(epoch=1), state_dict=model.state_dict()), path)
    return path


@pytest.fixture(scope='module')
def ckpts(tmp_path_factory) -> dict:
    """Stage-1 (DeiT-T MAE), stage-2 (DeiT-T, DeiT-S) and 300W detection
    checkpoints of freshly built models, and a truncated copy."""
    out = tmp_path_factory.mktemp('ckpts')
    paths = dict(
        stage1=_save(_build(SYN / 'sce_mae_deit_t_stage1_synthetic.py'),
                     out / 'stage1.pth'),
        stage2=_save(_build(SYN / 'sce_mae_deit_t_stage2_synthetic.py',
                            **{'backbone.checkpoint': None}),
                     out / 'stage2_t.pth'),
        stage2_s=_save(_build(ROOT / 'configs' / 'sce_mae_deit_s_stage2.py',
                              **{'backbone.checkpoint': None}),
                       out / 'stage2_s.pth'),
        det300w=_save(_build(SYN / 'sce_mae_deit_t_300w_synthetic.py',
                             init_cfg=None), out / 'det_300w.pth'),
    )
    data = paths['stage2'].read_bytes()
    paths['truncated'] = out / 'truncated.pth'
    paths['truncated'].write_bytes(data[:len(data) // 2])
    return paths


def _lines_naming(msg: str, path: Path, *texts: str) -> None:
    """Each of ``texts`` is on a line of ``msg`` that names ``path`` (a
    reader may see only that line)."""
    for text in texts:
        lines = [ln for ln in msg.splitlines() if text in ln]
        assert lines, f'{text!r} not in {msg}'
        assert all(str(path) in ln for ln in lines), (text, lines)


STAGE1_LINES = ('expected a stage-2 checkpoint',
                'looks like a stage-1 (MAE) checkpoint')


def _runner(config: Path, work_dir: Path, data_root: Path, **cfg_options):
    cfg = Config.fromfile(str(config))
    cfg.work_dir = str(work_dir)
    cfg.test_dataloader.dataset.data_root = str(data_root)
    cfg.test_dataloader.num_workers = 0
    cfg.test_dataloader.persistent_workers = False
    cfg.merge_from_dict(cfg_options)
    return build_tool_runner(cfg)


def test_matching_test_refuses_stage1(ckpts, synthetic_root, tmp_path):
    runner = _runner(MATCH_CFG, tmp_path, synthetic_root / 'celeba',
                     load_from=str(ckpts['stage1']))
    with pytest.raises(CheckpointError) as err:
        runner.test()
    msg = str(err.value)
    assert str(ckpts['stage1']) in msg and str(MATCH_CFG) in msg
    assert "arch 'deit-t'" in msg and 'neck.projector' in msg
    _lines_naming(msg, ckpts['stage1'], *STAGE1_LINES)


def test_tools_test_refuses_stage1(ckpts, synthetic_root, tmp_path):
    """tools/test.py exits non-zero with the message (no random weights)."""
    proc = subprocess.run(
        [sys.executable, 'tools/test.py', str(MATCH_CFG),
         str(ckpts['stage1']), '--work-dir', str(tmp_path), '--cfg-options',
         f'test_dataloader.dataset.data_root={synthetic_root / "celeba"}',
         'test_dataloader.num_workers=0'],
        cwd=ROOT, env=dict(os.environ, OMP_NUM_THREADS='1'),
        capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert str(ckpts['stage1']) in proc.stderr
    _lines_naming(proc.stderr, ckpts['stage1'], *STAGE1_LINES)
    assert 'matching/same' not in proc.stdout + proc.stderr


def test_raw_mae_matching_needs_only_the_backbone(ckpts):
    """descriptor='backbone' does not need the projector: a stage-2
    checkpoint loads, and its neck is not required."""
    model = init_matcher(MATCH_CFG, str(ckpts['stage2']),
                         descriptor='backbone')
    assert model.checkpoint_parts() == ('backbone.', )
    model = init_matcher(MATCH_CFG, str(ckpts['stage2']))
    assert model.checkpoint_parts() == ('backbone.', 'neck.')
    with pytest.raises(CheckpointError, match='expected a stage-2'):
        init_matcher(MATCH_CFG, str(ckpts['stage1']))


def test_deit_s_checkpoint_in_deit_t_config(ckpts, synthetic_root,
                                            tmp_path):
    runner = _runner(MATCH_CFG, tmp_path, synthetic_root / 'celeba',
                     load_from=str(ckpts['stage2_s']))
    with pytest.raises(CheckpointError) as err:
        runner.test()
    msg = str(err.value)
    assert str(ckpts['stage2_s']) in msg and "arch 'deit-t'" in msg
    assert 'size mismatch' in msg
    assert 'backbone.vit.cls_token: checkpoint (1, 1, 384), model ' \
        '(1, 1, 192)' in msg
    # the backbone's own `checkpoint`
    with pytest.raises(CheckpointError) as err:
        SCEViT(arch='deit-t', checkpoint=str(ckpts['stage2_s']))
    msg = str(err.value)
    assert str(ckpts['stage2_s']) in msg and "'deit-t'" in msg
    assert 'size mismatch' in msg and 'cls_token' in msg


def test_300w_head_in_mafl_config(ckpts, synthetic_root, tmp_path):
    runner = _runner(MAFL_CFG, tmp_path, synthetic_root / 'celeba',
                     load_from=str(ckpts['det300w']))
    with pytest.raises(CheckpointError) as err:
        runner.test()
    msg = str(err.value)
    assert str(ckpts['det300w']) in msg and 'size mismatch' in msg
    assert 'head.' in msg and '68' in msg
    with pytest.raises(CheckpointError, match='size mismatch .*head'):
        init_detector(MAFL_CFG, str(ckpts['det300w']))


def test_init_detector_refuses_stage2(ckpts):
    with pytest.raises(CheckpointError) as err:
        init_detector(MAFL_CFG, str(ckpts['stage2']))
    msg = str(err.value)
    assert str(ckpts['stage2']) in msg and str(MAFL_CFG) in msg
    assert "no 'head.' keys" in msg and 'detection checkpoint' in msg


def test_detection_pretrained_init(ckpts):
    """model.init_cfg Pretrained: a stage-2 checkpoint fills backbone and
    neck (the head trains from scratch); a stage-1 or DeiT-S one is
    refused."""
    model = _build(MAFL_CFG, **{'init_cfg.checkpoint': str(ckpts['stage2'])})
    model.init_weights()
    stage2 = torch.load(ckpts['stage2'])['state_dict']
    for key, value in model.state_dict().items():
        if key.startswith(('backbone.', 'neck.')):
            assert torch.equal(value, stage2[key]), key
    for name, match in (('stage1', r"(?s)backbone\.vit.*expected a stage-2"
                                   r'.*looks like a stage-1'),
                        ('stage2_s', r"(?s)arch 'deit-t'.*size mismatch")):
        model = _build(MAFL_CFG, **{'init_cfg.checkpoint': str(ckpts[name])})
        with pytest.raises(CheckpointError, match=match) as err:
            model.init_weights()
        assert str(ckpts[name]) in str(err.value)
        assert 'init_cfg Pretrained' in str(err.value)
        if name == 'stage1':
            _lines_naming(str(err.value), ckpts[name], *STAGE1_LINES)


def test_truncated_checkpoint_named(ckpts, synthetic_root, tmp_path):
    bad = str(ckpts['truncated'])
    with pytest.raises(CheckpointError, match=f'checkpoint {bad}: cannot be '
                       'read .*truncated'):
        read_checkpoint(bad)
    with pytest.raises(CheckpointError, match=bad):
        SCEViT(arch='deit-t', checkpoint=bad)
    runner = _runner(MATCH_CFG, tmp_path, synthetic_root / 'celeba',
                     load_from=bad)
    with pytest.raises(CheckpointError, match=bad):
        runner.test()
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        read_checkpoint(str(tmp_path / 'nope.pth'))
    # --resume PATH (the toy runner config)
    cfg = Config.fromfile(str(ROOT / 'tests' / 'configs_toy_runner.py'))
    cfg.work_dir = str(tmp_path / 'resume')
    cfg.merge_from_dict(dict(resume=True, load_from=bad))
    with pytest.raises(CheckpointError, match=f'checkpoint {bad}: cannot'):
        build_tool_runner(cfg).train()
