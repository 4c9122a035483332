"""Same command, same numbers: the quick start run twice with one seed on
one machine prints the same tables, with bf16 autocast and in fp32."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STAGE1 = ROOT / 'configs' / 'synthetic' / 'sce_mae_deit_t_stage1_synthetic.py'


def _tiny_stage1(tmp_path: Path) -> str:
    """The quick start's stage 1, shrunk: 16 faces, batch 4, 2 epochs."""
    path = tmp_path / 'stage1_tiny.py'
    path.write_text(
        f"_base_ = ['{STAGE1}']\n"
        "train_dataloader = dict(batch_size=4, num_workers=1,\n"
        "                        dataset=dict(indices=16))\n"
        "train_cfg = dict(max_epochs=2)\n"
        "default_hooks = dict(checkpoint=dict(interval=1,\n"
        "    curve_epochs=[2], images_per_epoch=16))\n")
    return str(path)


def _tables(data: Path, work: Path, config: str, fp32: bool) -> str:
    """The tables a whole quick start (MAFL head only) prints, without
    the lines that hold seconds."""
    env = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='',
               PYTHONPATH=str(ROOT))
    cmd = [sys.executable, 'tools/quickstart.py', '--data', str(data),
           '--work-dir', str(work), '--datasets', 'mafl',
           '--stage1-config', config]
    proc = subprocess.run(cmd + (['--fp32'] if fp32 else []), cwd=ROOT,
                          env=env, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    text = (work / 'results.md').read_text()
    tables = text.split('**Where the time went**')[0]
    return re.sub(r'[\d.]+ min\.', 'N min.', tables)


@pytest.mark.parametrize('fp32', [False, True], ids=['bf16', 'fp32'])
def test_same_seed_twice_prints_the_same_tables(synthetic_root, tmp_path,
                                                fp32):
    from sce_mae_mm.engine import cpu_bf16_flags
    if not fp32 and not cpu_bf16_flags():
        fp32 = True  # this CPU has no bf16: the fp32 case twice
    config = _tiny_stage1(tmp_path)
    first = _tables(synthetic_root, tmp_path / 'a', config, fp32)
    second = _tables(synthetic_root, tmp_path / 'b', config, fp32)
    assert '| SCE-MAE (stage 2 projector) |' in first
    numbers = re.findall(r'\d+\.\d+', first)
    assert len(numbers) > 20
    assert first == second
