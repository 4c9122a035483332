"""onnxruntime backend: exported graphs behind the models' interfaces.

:class:`OnnxGraph` runs one graph and checks its input (size, channels,
dtype: every error names the file and what it expects).
:class:`OnnxPoseEstimator` and :class:`OnnxLandmarkMatcher` are the
``test_step`` / ``extract_descriptors`` side of mmpose's
``TopdownPoseEstimator`` and of :class:`LandmarkMatcher`, with the graph in
place of the torch modules, so ``sce_mae_mm.apis``, mmpose's
``inference_topdown`` and an mmengine test loop
(:func:`sce_mae_mm.deploy.evaluate.evaluate`) run them unchanged.
"""
import json
from typing import Dict, List, Optional, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS
from torch import Tensor

from ..models.pose_estimators.matcher import LandmarkMatcher
from .metadata import check_graph_fits, pipeline_context, read_metadata

__all__ = ['OnnxGraph', 'OnnxPoseEstimator', 'OnnxLandmarkMatcher']


def _onnxruntime():
    try:
        import onnxruntime
    except ImportError as err:
        raise ImportError(
            'running an .onnx model needs onnxruntime: pip install '
            '"sce_mae_mm[deploy]" (or pip install onnxruntime)') from err
    return onnxruntime


class OnnxGraph:
    """One exported graph in an onnxruntime CPU session.

    Args:
        path: the .onnx file (written by ``export_onnx``).
        num_threads: intra-op threads; default torch's thread count.
    """

    def __init__(self, path: str, num_threads: Optional[int] = None) -> None:
        ort = _onnxruntime()
        self.path = str(path)
        self.meta = read_metadata(self.path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(num_threads
                                           or torch.get_num_threads())
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            self.path, options, providers=['CPUExecutionProvider'])
        self.kind = self.meta['sce_mae_mm.kind']
        self.side = int(self.meta['input_size'])
        self.context = int(self.meta['context'])
        self.stride = int(self.meta['stride'])
        self.input_name = self.session.get_inputs()[0].name

    def expected(self) -> str:
        """What the graph takes, for the messages."""
        return (f'float32 normalised RGB images (N, 3, {self.side}, '
                f'{self.side}) (mean {self.meta["mean"]}, std '
                f'{self.meta["std"]})')

    def __call__(self, images: Union[np.ndarray, Tensor]) -> np.ndarray:
        """Run the graph.

        Raises:
            TypeError: not float32 (names the file and the input).
            ValueError: another shape (names the file and the input).
        """
        if isinstance(images, Tensor):
            if images.dtype != torch.float32:
                raise TypeError(f'{self.path}: input dtype {images.dtype}; '
                                f'expected {self.expected()}')
            images = images.detach().cpu().numpy()
        if not isinstance(images, np.ndarray):
            raise TypeError(f'{self.path}: input of type '
                            f'{type(images).__name__}; expected a numpy '
                            f'array or tensor of {self.expected()}')
        if images.dtype != np.float32:
            raise TypeError(f'{self.path}: input dtype {images.dtype}; '
                            f'expected {self.expected()}')
        if images.ndim != 4 or images.shape[1] != 3 or images.shape[
                2:] != (self.side, self.side):
            raise ValueError(f'{self.path}: input of shape '
                             f'{tuple(images.shape)}; expected '
                             f'{self.expected()}')
        out = self.session.run(None, {self.input_name: images})[0]
        return out


def _open(config: Union[str, Config], path: str, kind: str,
          num_threads: Optional[int]):
    cfg = config if isinstance(config, Config) else Config.fromfile(
        str(config))
    name = cfg.filename if isinstance(config, Config) else str(config)
    meta = read_metadata(str(path))
    check_graph_fits(str(path), meta, cfg, kind, name)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    return cfg, OnnxGraph(path, num_threads)


def _set_pipeline_context(cfg: Config, context: int) -> None:
    """Make the test pipeline crop with the graph's context."""
    for step in cfg.test_dataloader.dataset.get('pipeline', []):
        if 'context' in step:
            step['context'] = context
            return


class OnnxPoseEstimator(BaseModel):
    """A landmark graph with mmpose's top-down ``test_step``.

    Args:
        config: the detection config (its test pipeline, data
            preprocessor and dataset meta are used).
        path: the .onnx file exported from it.
        num_threads: onnxruntime intra-op threads.

    Raises:
        ValueError: the graph was exported from another model or is not a
            landmark graph (names the file and the differences).
    """

    def __init__(self, config: Union[str, Config], path: str,
                 num_threads: Optional[int] = None) -> None:
        cfg, graph = _open(config, path, 'landmarks', num_threads)
        super().__init__(data_preprocessor=MODELS.build(
            cfg.model.data_preprocessor))
        self.graph = graph
        self.onnx_file = graph.path
        if pipeline_context(cfg) != graph.context:
            _set_pipeline_context(cfg, graph.context)
        self.cfg = cfg
        self.test_cfg = dict(cfg.model.get('test_cfg') or {})
        self.metainfo = None
        stored = json.loads(graph.meta.get('dataset_meta') or '{}')
        self.dataset_meta: Optional[Dict] = stored or None

    def forward(self, inputs: Union[Tensor, List[Tensor]],
                data_samples: Optional[list] = None,
                mode: str = 'predict'):
        """``tensor``: (N, K, 2) crop pixels; ``predict``: the samples
        with ``pred_instances`` in image pixels (as mmpose's)."""
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack(list(inputs))
        coords = torch.from_numpy(self.graph(inputs))
        if mode == 'tensor':
            return coords
        if mode != 'predict':
            raise ValueError(f'{self.onnx_file}: mode must be "tensor" or '
                             f'"predict", got {mode!r}')
        preds = [
            InstanceData(
                keypoints=c[None].numpy().astype(np.float64),
                keypoint_scores=np.ones((1, c.shape[0]), np.float32))
            for c in coords
        ]
        return TopdownPoseEstimator.add_pred_to_datasample(
            self, preds, None, data_samples)


class OnnxLandmarkMatcher(LandmarkMatcher):
    """A descriptor graph behind :class:`LandmarkMatcher`'s matching
    (same scoring rule options, ``predict`` and data preprocessing).

    Args:
        config: the matching config.
        path: the .onnx file exported from it.
        num_threads: onnxruntime intra-op threads.
    """

    def __init__(self, config: Union[str, Config], path: str,
                 num_threads: Optional[int] = None) -> None:
        cfg, graph = _open(config, path, 'descriptors', num_threads)
        model = cfg.model.to_dict()
        from ..evaluation.functional.matching_rules import \
            resolve_matching_rule
        pre = model.get('data_preprocessor') or dict(
            type='MatchingDataPreprocessor')
        BaseModel.__init__(self, data_preprocessor=MODELS.build(pre))
        self.rule = resolve_matching_rule(
            model.get('protocol'), model.get('argmax'),
            model.get('similarity'), model.get('source_resample'),
            where=graph.path)
        self.graph = graph
        self.onnx_file = graph.path
        self.backbone = self.neck = None
        self.descriptor = model.get('descriptor', 'projector')
        self.image_size = model.get('image_size')
        self.chunk_size = model.get('chunk_size', 8)
        self.report_dve = bool(model.get('report_dve', False))
        self.input_context = graph.context
        if pipeline_context(cfg) != graph.context:
            _set_pipeline_context(cfg, graph.context)
        self.cfg = cfg

    def freeze(self) -> None:
        """Nothing to freeze (no torch weights)."""

    def checkpoint_parts(self) -> tuple:
        """No torch checkpoint is loaded."""
        return ()

    def extract_descriptors(self, images: Tensor) -> Tensor:
        """(N, 3, S, S) normalised images -> (N, D, h, w) through the
        graph."""
        return torch.from_numpy(self.graph(images.float()))
