"""ONNX export of the landmark detector and of the descriptor extractor.

* ``landmarks``: normalised RGB crops (N, 3, S, S) -> landmarks (N, K, 2),
  (x, y) pixels of the 96-px crop (the frame mmpose's ``input_size``
  names), the head's decoding (``RegressionLabel``: normalised coordinates
  times the input size) inside the graph;
* ``descriptors``: the same crops -> descriptor maps (N, C, 96/s, 96/s) at
  the config's cover-and-stride stride s (the shifted copies are inside the
  graph: stride 2 gives (N, C, 48, 48)).

S = 96 + 2 * context, the context of the config's test pipeline (the real
pixels ``DVEFaceCrop`` / ``MatchingPairWarp`` keep around the crop, read by
cover-and-stride): so the graph sees exactly what the torch model sees
through the config. ``context=0`` exports 96-px crops (reflect padding, as
``sce_mae_mm.apis.extract_descriptors`` does in torch). The batch axis is
dynamic. The graph's metadata is described in :mod:`.metadata`.
"""
import contextlib
import importlib
import json
import os
import os.path as osp
import warnings
from typing import Dict, Iterator, Optional, Union

import torch
from mmengine.config import Config
from torch import Tensor, nn

from .metadata import model_signature, pipeline_context
from .publish import sha256_file

__all__ = ['LandmarkGraph', 'DescriptorGraph', 'export_onnx', 'graph_kind',
           'build_graph']

KINDS = ('landmarks', 'descriptors')
#: one backbone call for every shifted copy (a traced loop of chunks would
#: freeze the export batch size into the graph)
ONE_CALL = 1 << 30


def _sliced_windows(padded: Tensor, start: int, size: tuple, stride: int,
                    ratio: int) -> Tensor:
    """cover-and-stride's shifted windows by slicing: the same
    (B * ratio * ratio, 3, H, W) tensor, ordered (b, ky, kx), as
    ``Tensor.unfold`` gives, which the ONNX exporter cannot trace with a
    dynamic batch."""
    h, w = size
    parts = [padded[:, :, start + ky * stride:start + ky * stride + h,
                    start + kx * stride:start + kx * stride + w]
             for ky in range(ratio) for kx in range(ratio)]
    return torch.stack(parts, dim=1).flatten(0, 1)


@contextlib.contextmanager
def traceable_cover_and_stride() -> Iterator[None]:
    """Inside the block cover-and-stride cuts its windows by slicing
    (:func:`_sliced_windows`); restored afterwards."""
    # the module (the package re-exports its function under the same name)
    module = importlib.import_module(
        'sce_mae_mm.models.utils.cover_and_stride')
    saved = module._shifted_windows
    module._shifted_windows = _sliced_windows
    try:
        yield
    finally:
        module._shifted_windows = saved


class LandmarkGraph(nn.Module):
    """backbone -> neck -> head -> decoded landmarks of a
    ``TopdownPoseEstimator`` whose head regresses normalised coordinates
    (``RegressionLabel`` decoder)."""

    def __init__(self, model: nn.Module, where: str = 'the model') -> None:
        super().__init__()
        decoder = getattr(model.head, 'decoder', None)
        if type(decoder).__name__ != 'RegressionLabel':
            raise ValueError(
                f'{where}: the landmark export decodes RegressionLabel '
                f'heads (normalised (x, y) times the input size), got the '
                f'decoder {type(decoder).__name__}')
        if model.test_cfg.get('flip_test', False):
            raise ValueError(f'{where}: test_cfg.flip_test=True is not '
                             'exported; set model.test_cfg.flip_test=False')
        self.backbone = model.backbone
        self.neck = model.neck if getattr(model, 'with_neck', False) else None
        self.head = model.head
        w, h = decoder.input_size
        self.register_buffer('input_size', torch.tensor(
            [float(w), float(h)]), persistent=False)

    def forward(self, images: Tensor) -> Tensor:
        """(N, 3, S, S) normalised RGB -> (N, K, 2) crop pixels."""
        feats = self.backbone(images)
        if self.neck is not None:
            feats = self.neck(feats)
        coords = self.head(feats)
        return coords[..., :2] * self.input_size


class DescriptorGraph(nn.Module):
    """``LandmarkMatcher.extract_descriptors`` as a module."""

    def __init__(self, matcher: nn.Module) -> None:
        super().__init__()
        self.matcher = matcher

    def forward(self, images: Tensor) -> Tensor:
        """(N, 3, S, S) normalised RGB -> (N, C, 96/s, 96/s)."""
        return self.matcher.extract_descriptors(images)


def graph_kind(cfg: Config) -> str:
    """``descriptors`` for a ``LandmarkMatcher`` config, else
    ``landmarks``."""
    return 'descriptors' if cfg.model.type == 'LandmarkMatcher' else (
        'landmarks')


def _normalisation(cfg: Config) -> Dict[str, object]:
    """The data preprocessor's mean / std (the configs take them from
    ``configs/_base_/datasets/face_normalisation.py``); without them the
    preprocessors do not normalise: mean 0, std 1."""
    pre = cfg.model.get('data_preprocessor') or {}
    mean, std = pre.get('mean'), pre.get('std')
    return dict(mean=[float(v) for v in (mean or (0., 0., 0.))],
                std=[float(v) for v in (std or (1., 1., 1.))])


def build_graph(config: Union[str, Config], checkpoint: str,
                context: Optional[int] = None,
                cfg_options: Optional[dict] = None):
    """The torch module to export, its config, kind and input side.

    Raises:
        CheckpointError: the checkpoint does not fit (e.g. a stage-1 or
            stage-2 checkpoint for a detector: no head), naming the file.

    Returns:
        tuple: (module in eval mode, Config, kind, context, input side S).
    """
    from ..apis import init_detector, init_matcher
    from ..apis.inference import _load_config
    cfg = _load_config(config, cfg_options)
    kind = graph_kind(cfg)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        if kind == 'descriptors':
            model = init_matcher(cfg, checkpoint)
            backbone = model.backbone
            graph = DescriptorGraph(model)
        else:
            model = init_detector(cfg, checkpoint)
            backbone = model.backbone
            graph = LandmarkGraph(model, where=str(config))
            graph.dataset_meta = getattr(model, 'dataset_meta', None)
    backbone.chunk_size = ONE_CALL
    context = pipeline_context(cfg) if context is None else int(context)
    side = int(getattr(backbone, 'img_size', 96)) + 2 * context
    return graph.eval(), cfg, kind, context, side


def export_onnx(config: Union[str, Config], checkpoint: str, out: str,
                context: Optional[int] = None,
                cfg_options: Optional[dict] = None,
                opset: int = 17) -> str:
    """Export a detection or matching config's model to ONNX.

    Args:
        config: detection config (landmarks) or matching config
            (descriptors).
        checkpoint: the weights (.pth).
        out: the .onnx file to write.
        context: context pixels around the 96-px crop; default the test
            pipeline's.
        cfg_options: config overrides (kept in the metadata's model).
        opset: ONNX opset.

    Returns:
        ``out``.
    """
    import onnx
    graph, cfg, kind, context, side = build_graph(config, checkpoint,
                                                  context, cfg_options)
    dummy = torch.zeros(2, 3, side, side)
    output = 'landmarks' if kind == 'landmarks' else 'descriptors'
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    with torch.no_grad(), warnings.catch_warnings(), \
            traceable_cover_and_stride():
        warnings.simplefilter('ignore')
        reference = graph(dummy)
        torch.onnx.export(
            graph, (dummy, ), out, input_names=['images'],
            output_names=[output], opset_version=opset,
            dynamic_axes={'images': {0: 'batch'}, output: {0: 'batch'}},
            do_constant_folding=True, dynamo=False)
    backbone = graph.backbone if kind == 'landmarks' else (
        graph.matcher.backbone)
    meta = {
        'sce_mae_mm.kind': kind,
        'config': str(config) if not isinstance(config, Config) else (
            config.filename or '<Config>'),
        'model_config': json.dumps(model_signature(cfg), sort_keys=True),
        'stride': str(int(backbone.stride)),
        'crop_size': str(int(backbone.img_size)),
        'context': str(context),
        'input_size': str(side),
        'input': f'float32 (N, 3, {side}, {side}) RGB, (pixel - mean) / std',
        'output': (f'float32 (N, K, 2) (x, y) pixels of the '
                   f'{backbone.img_size}-px crop' if kind == 'landmarks' else
                   'float32 (N, C, h, w) descriptor maps, h = w = '
                   f'{backbone.img_size} / stride'),
        'output_shape': json.dumps(list(reference.shape[1:])),
        'channel_order': 'RGB',
        **{k: json.dumps(v) for k, v in _normalisation(cfg).items()},
        'checkpoint': osp.basename(checkpoint),
        'checkpoint_sha256': sha256_file(checkpoint),
        'torch_version': torch.__version__,
    }
    if kind == 'landmarks':
        from .publish import to_plain
        meta['num_keypoints'] = str(int(reference.shape[1]))
        meta['dataset_meta'] = json.dumps(
            to_plain(graph.dataset_meta or {}), default=str)
    model = onnx.load(out)
    for key, value in meta.items():
        prop = model.metadata_props.add()
        prop.key, prop.value = key, value
    model.producer_name = 'sce_mae_mm'
    onnx.checker.check_model(model)
    onnx.save(model, out)
    return out
