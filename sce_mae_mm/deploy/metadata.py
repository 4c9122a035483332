"""What an exported graph says about itself (ONNX ``metadata_props``) and
the check that a graph belongs to a config.

Every graph written by :func:`sce_mae_mm.deploy.export.export_onnx` carries
``sce_mae_mm.kind`` (``landmarks`` / ``descriptors``), ``config`` (the path
given), ``model_config`` (the inference-relevant part of ``cfg.model`` as
JSON, :func:`model_signature`), ``stride``, ``input_size`` / ``crop_size`` /
``context``, ``mean`` / ``std`` / ``channel_order`` (the normalisation the
input must already have), ``checkpoint`` and ``checkpoint_sha256``; a
landmark graph also ``num_keypoints`` and ``dataset_meta``.
"""
import json
from typing import Any, Dict, List, Optional

from mmengine.config import Config

__all__ = ['IGNORED_MODEL_KEYS', 'model_signature', 'pipeline_context',
           'signature_differences', 'read_metadata', 'check_graph_fits']

#: cfg.model keys that do not change what the graph computes
IGNORED_MODEL_KEYS = frozenset({
    'init_cfg', 'checkpoint', 'chunk_size', 'cache_features', 'cache_dtype',
    'max_cache_gb', 'loss', 'train_cfg', 'report_dve', 'protocol', 'argmax',
    'similarity', 'source_resample', 'image_size', 'frozen'
})


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in sorted(value.items())
                if k not in IGNORED_MODEL_KEYS}
    if isinstance(value, (list, tuple)):
        return [_strip(v) for v in value]
    return value


def model_signature(cfg: Config) -> Dict[str, Any]:
    """The inference-relevant part of ``cfg.model`` (JSON-able dict)."""
    model = cfg.model.to_dict() if hasattr(cfg.model, 'to_dict') else dict(
        cfg.model)
    return json.loads(json.dumps(_strip(model), default=str))


def pipeline_context(cfg: Config) -> int:
    """The ``context`` of the config's test pipeline (the first transform
    that has one: ``DVEFaceCrop`` / ``MatchingPairWarp``), else 0."""
    pipeline = cfg.test_dataloader.dataset.get('pipeline', [])
    for step in pipeline:
        if 'context' in step:
            return int(step['context'])
    return 0


def signature_differences(exported: Any, given: Any,
                          path: str = 'model') -> List[str]:
    """``path: exported vs given`` for every leaf that differs."""
    if isinstance(exported, dict) and isinstance(given, dict):
        out = []
        for key in sorted(set(exported) | set(given)):
            out += signature_differences(exported.get(key), given.get(key),
                                         f'{path}.{key}')
        return out
    if exported != given:
        return [f'{path}: {exported!r} in the graph, {given!r} in the config']
    return []


def read_metadata(path: str) -> Dict[str, str]:
    """``metadata_props`` of an ONNX file (without loading its weights).

    Raises:
        FileNotFoundError / ValueError: naming the file.
    """
    import onnx
    try:
        model = onnx.load(path, load_external_data=False)
    except FileNotFoundError:
        raise FileNotFoundError(f'{path}: ONNX file not found') from None
    except Exception as err:  # protobuf DecodeError, ...
        raise ValueError(f'{path}: not a readable ONNX file ({err})') from err
    meta = {p.key: p.value for p in model.metadata_props}
    if 'sce_mae_mm.kind' not in meta:
        raise ValueError(f'{path}: no sce_mae_mm metadata; expected a graph '
                         'written by tools/deployment/export_onnx.py')
    return meta


def check_graph_fits(path: str, meta: Dict[str, str], cfg: Config,
                     kind: str, config_name: Optional[str] = None) -> None:
    """Raise unless the graph at ``path`` was exported from a config with
    ``cfg``'s model, for ``kind``.

    Raises:
        ValueError: naming the file, the config it was exported from and
            each difference.
    """
    if meta['sce_mae_mm.kind'] != kind:
        raise ValueError(
            f'{path}: a {meta["sce_mae_mm.kind"]} graph (from '
            f'{meta.get("config")}); expected a {kind} graph for '
            f'{config_name or "this config"}')
    diffs = signature_differences(json.loads(meta['model_config']),
                                  model_signature(cfg))
    if diffs:
        raise ValueError(
            f'{path} was exported from {meta.get("config")}, whose model '
            f'differs from {config_name or "the given config"}: ' +
            '; '.join(diffs[:6]) + (' ...' if len(diffs) > 6 else '') +
            '; expected a graph exported from this config '
            '(tools/deployment/export_onnx.py CONFIG CHECKPOINT)')
