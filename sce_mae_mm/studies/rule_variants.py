"""Several matching rules scored on one pass of descriptors.

DVE's scoring rule differs from ours in three ways (SPEC §4): the argmax
(``grid`` cells against ``pixel``), the similarity (raw ``dot`` product
against ``cosine``) and the source image (resampled ``twice`` through its
two warps against ``once`` through their composition). The first two only
change how the same descriptors are compared. The third changes the source
image alone: ``MatchingPairWarp`` warps the same- and different-identity
targets through one warp each, so they are the same images under both
resamplings.

:func:`score_rules` therefore runs the matcher's descriptors once per pair
on four images, [source once, source twice, same, diff] (4 image passes
where one ``tools/test.py`` run per rule takes 3 per rule), and scores every
rule with its own ``MAFLMatchingMetric`` built from the config's test
evaluator, so each rule's keys, intervals and per-pair files are those
``tools/test.py`` writes with that rule (a test holds it).
"""
import copy
import json
import os
import os.path as osp
from contextlib import nullcontext
from typing import Callable, Dict, List, Optional

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, METRICS
from torch.utils.data import DataLoader

from ..apis import init_matcher
from ..evaluation.functional.matching import match_landmarks
from ..evaluation.functional.matching_rules import DVE_RULE, MatchingRule
from ..fileio import write_text_atomic
from ..models.pose_estimators.matcher import GROUPS

#: DVE's three differences one at a time and all together
RULES = {
    'ours': MatchingRule(),
    'grid': MatchingRule(argmax='grid'),
    'dot': MatchingRule(similarity='dot'),
    'twice': MatchingRule(source_resample='twice'),
    'dve': DVE_RULE,
}


def _dataset(cfg: Config, resample: str):
    """The config's test dataset with the pipeline resampling the source
    ``resample``."""
    ds_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
    warp = ds_cfg.pipeline[0]
    if warp.get('type') != 'MatchingPairWarp':
        raise ValueError(f'{cfg.filename}: the test pipeline should start '
                         f'with MatchingPairWarp, got {warp.get("type")!r}')
    warp['source_resample'] = resample
    warp.pop('protocol', None)
    return DATASETS.build(ds_cfg)


def _metric(cfg: Config, meta: dict, out_dir: str,
            reference: Optional[str]):
    """The config's matching metric for one rule: its own rule only
    (no ``report_dve``), per-pair errors in ``out_dir``, compared with the
    ``reference`` per-pair file (the ``ours`` rule's) when given."""
    evaluators = cfg.test_evaluator
    if isinstance(evaluators, dict):
        evaluators = [evaluators]
    m_cfg = copy.deepcopy(evaluators[0])
    m_cfg.update(report_dve=False,
                 per_pair_file=osp.join(out_dir, 'per_pair_errors.npz'))
    if reference is not None:
        m_cfg.update(reference_file=reference, reference_name='ours')
    metric = METRICS.build(m_cfg)
    metric.dataset_meta = copy.deepcopy(meta)  # as the Runner sets it
    return metric


def score_rules(config: str, checkpoint: str, data_root: str, out_root: str,
                rules: Optional[List[str]] = None, batch_size: int = 8,
                amp: bool = False, cfg_options: Optional[dict] = None,
                echo: Callable[[str], None] = print) -> Dict[str, Dict]:
    """Score ``rules`` (default all of :data:`RULES`) on one pass.

    Args:
        config: a matching config (its model, test dataset and evaluator).
        checkpoint: the stage-2 checkpoint it reads.
        data_root: the CelebA-layout root of the MAFL test images.
        out_root: ``{out_root}/{rule}/`` gets ``metrics.json`` and
            ``per_pair_errors.npz``.
        rules: names in :data:`RULES`; ``'ours'`` is always scored first
            (the others' ``{key}_minus_ours`` read its per-pair file).
        batch_size: pairs per batch.
        amp: bf16 autocast on the CPU (``tools/test.py --amp``).
        cfg_options: other overrides of the config.
        echo: where the progress lines go.

    Returns:
        dict: rule -> its metrics (the keys ``tools/test.py`` writes).
    """
    rules = ['ours'] + [r for r in (rules or list(RULES)) if r != 'ours']
    unknown = sorted(set(rules) - set(RULES))
    if unknown:
        raise ValueError(f'score_rules: unknown rules {unknown}; expected '
                         f'some of {list(RULES)}')
    options = dict(cfg_options or {})
    options['test_dataloader.dataset.data_root'] = data_root
    model = init_matcher(config, checkpoint, cfg_options=options)
    cfg = model.cfg
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    once, twice = _dataset(cfg, 'once'), _dataset(cfg, 'twice')
    dirs = {r: osp.join(out_root, r) for r in rules}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    metrics = {r: _metric(cfg, once.metainfo, dirs[r], None if r == 'ours' else
                          osp.join(dirs['ours'], 'per_pair_errors.npz'))
               for r in rules}
    loaders = [DataLoader(ds, batch_size=batch_size, shuffle=False,
                          collate_fn=pseudo_collate) for ds in (once, twice)]
    autocast = (torch.autocast('cpu', dtype=torch.bfloat16) if amp else
                nullcontext())
    done = 0
    with torch.no_grad():
        for batch_once, batch_twice in zip(*loaders):
            data = model.data_preprocessor(batch_once, False)
            inputs, samples = data['inputs'], data['data_samples']
            src_twice = model.data_preprocessor(
                batch_twice, False)['inputs'][:, 0]
            with autocast:
                desc = model(inputs, mode='tensor')  # (B, 3, D, h, w)
                desc_twice = model.extract_descriptors(src_twice)
            src = dict(once=desc[:, 0], twice=desc_twice)
            src_kpts = model._keypoints(samples, 'src_keypoints')
            image_size = model._image_size(inputs, samples)
            for name in rules:
                rule = RULES[name]
                scored = [s.clone() for s in samples]
                for index, group in enumerate(GROUPS, start=1):
                    pred = match_landmarks(
                        src[rule.source_resample], desc[:, index], src_kpts,
                        image_size, model.chunk_size, argmax=rule.argmax,
                        similarity=rule.similarity).cpu().numpy()
                    for i, sample in enumerate(scored):
                        sample.set_field(pred[i], f'pred_{group}_keypoints')
                metrics[name].process({}, [s.to_dict() for s in scored])
            done += len(samples)
            echo(f'score_rules: {done}/{len(once)} pairs')
    out = {}
    for name in rules:  # 'ours' first: the others read its per-pair file
        values = metrics[name].evaluate(len(once))
        out[name] = {k: float(v) if hasattr(v, '__float__') else v
                     for k, v in values.items()}  # as tools/test.py --out
        write_text_atomic(osp.join(dirs[name], 'metrics.json'),
                          json.dumps(out[name], indent=4))
    return out
