"""The face-cache benchmarks run on a CPU (tiny sizes): the loader rates
(``tools/benchmarks/bench_data.py``) and the training loop with each data
source (``tools/benchmarks/bench_stage1.py --data``)."""
from pathlib import Path

from sce_mae_mm.benchmark.data_loading import TARGETS, bench_data
from sce_mae_mm.benchmark.training_loop import bench_training_loop

ROOT = Path(__file__).resolve().parents[1]
CONFIG = str(ROOT / 'configs' / 'synthetic' /
             'sce_mae_deit_t_stage1_synthetic.py')


def test_bench_data_and_training_loop(synthetic_root, tmp_path):
    lines = []
    cache = str(tmp_path / 'c.npy')
    out = bench_data(CONFIG, str(synthetic_root / 'celeba'), cache,
                     batch=8, reps=2, worker_steps=1, echo=lines.append)
    for name in ('jpeg', 'cache'):
        assert out[name]['per_core'] > 0
        assert min(out[name]['one_worker'].values()) > 0
        assert set(out[name]['workers']) == set(TARGETS)
    assert out['ratio'] > 1  # a gather beats a decode
    assert any(line.startswith('[ratio] cache / JPEG per core') for line in
               lines)
    assert (tmp_path / 'c.manifest.json').is_file()  # built on the way

    lines.clear()
    out = bench_training_loop(CONFIG, str(synthetic_root / 'celeba'), cache,
                              batch=2, steps=2, warmup=0, workers=0,
                              echo=lines.append)
    for mode in ('tensor', 'jpeg', 'cache'):
        assert out[mode] > 0
    assert {'jpeg/tensor', 'cache/tensor', 'jpeg/cache', 'jpeg/cache_cpu',
            'cache/cpu_s'} <= set(out)
    assert sum(line.startswith('[loop]') for line in lines) == 5
