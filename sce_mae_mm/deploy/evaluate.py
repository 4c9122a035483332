"""``tools/test.py`` for a model instance: the config's test loop, metrics
and hooks (e.g. the mean-shape baseline) around any model with a
``test_step``, a torch model or an onnxruntime one
(:mod:`.ort_backend`)."""
import copy
from typing import Dict

from mmengine.config import Config
from torch import nn

__all__ = ['evaluate']


def evaluate(model: nn.Module, work_dir: str) -> Dict[str, float]:
    """Run the test split of ``model.cfg`` through ``model``.

    Args:
        model: from ``sce_mae_mm.apis.init_detector`` / ``init_matcher``
            (``.pth`` or ``.onnx``); its ``cfg`` gives the data, the
            evaluator and the hooks.
        work_dir: where the runner writes its log.

    Returns:
        the metrics, as ``tools/test.py`` prints them.
    """
    from mmpose.registry import RUNNERS
    cfg: Config = copy.deepcopy(model.cfg)
    cfg.work_dir = work_dir
    kind = cfg.get('runner_type', 'SCEMAERunner')
    runner_cls = RUNNERS.get(kind) if isinstance(kind, str) else kind
    runner = runner_cls(
        model=model,
        work_dir=work_dir,
        train_dataloader=None,
        test_dataloader=cfg.test_dataloader,
        test_cfg=cfg.get('test_cfg') or {},
        test_evaluator=cfg.test_evaluator,
        default_hooks=cfg.get('default_hooks'),
        custom_hooks=cfg.get('custom_hooks'),
        env_cfg=cfg.get('env_cfg', dict(dist_cfg=dict(backend='nccl'))),
        log_processor=cfg.get('log_processor'),
        log_level=cfg.get('log_level', 'INFO'),
        visualizer=cfg.get('visualizer'),
        default_scope=cfg.get('default_scope', 'mmpose'),
        randomness=cfg.get('randomness', dict(seed=None)),
        experiment_name=cfg.get('experiment_name'),
        cfg=cfg)
    return runner.test()
