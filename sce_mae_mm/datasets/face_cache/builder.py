"""Build a face cache once: run the training pipeline's deterministic head
(decode, DVE crop) over the training set and store the uint8 crops.

:func:`build_face_cache` is ``tools/build_face_cache.py``. It writes
``PATH.partial`` (a ``.npy`` file preallocated to its full size) chunk by
chunk, with ``PATH.partial.json`` recording the rows flushed to disk, so a
killed build resumes where it stopped; at the end the array is renamed to
``PATH`` and the manifest written beside it (``manifest.py``). A stale
cache's manifest is removed before anything else, so no state of the folder
looks like a finished cache that is not one. A full disk removes the
unfinished files and names the path.
"""
import errno
import json
import multiprocessing as mp
import os
import os.path as osp
import shutil
import sys
import time
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.config import Config
from mmengine.dataset import BaseDataset
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar
from mmpose.registry import DATASETS

from ...fileio import write_text_atomic
from .head import HeadMeta, head_to_json, split_pipeline, transform_type
from .manifest import (FaceCacheError, check_manifest, check_npy,
                       make_manifest, manifest_path, npy_layout, partial_paths,
                       read_manifest, source_records)

#: images per chunk written (and recorded as done) at once
CHUNK = 256
Runs = List[List[int]]


def cache_spec(cfg: Union[str, Config], out: Optional[str] = None
               ) -> Tuple[dict, List[dict], str]:
    """The reader config, the pipeline head and the cache path of a
    training config.

    Args:
        cfg: a config (path) whose ``train_dataloader.dataset`` is a reader
            with a ``LoadImage``, ``DVEFaceCrop`` ... pipeline, or a
            ``CachedFaceDataset`` (its ``dataset``, ``head`` and ``cache``).
        out: the cache path (needed for a reader config; overrides
            ``cache``).

    Returns:
        tuple: reader config (pipeline removed), head, cache path.
    """
    source = cfg if isinstance(cfg, str) else (cfg.filename or 'the config')
    if isinstance(cfg, str):
        cfg = Config.fromfile(cfg)
    try:
        ds = dict(cfg.train_dataloader.dataset)
    except AttributeError:
        raise FaceCacheError(f'{source}: expected a train_dataloader.dataset '
                             'to cache') from None
    if transform_type(ds) == 'CachedFaceDataset':
        reader, head = dict(ds['dataset']), list(ds['head'])
        split_pipeline(head, f'{source}: CachedFaceDataset.head')
        out = out or ds['cache']
    else:
        reader = ds
        head, _ = split_pipeline(reader.get('pipeline', []),
                                 f'{source}: train_dataloader.dataset.'
                                 'pipeline')
        if out is None:
            raise FaceCacheError(f'{source} reads JPEGs: pass --out PATH '
                                 '(where to write the cache)')
    reader.pop('pipeline', None)
    return reader, head, osp.abspath(out)


def build_reader(reader: dict, head: Sequence[dict]) -> BaseDataset:
    """The reader with the head as its pipeline (mmpose scope)."""
    init_default_scope('mmpose')
    return DATASETS.build(dict(reader, pipeline=list(head)))


def data_list(dataset: BaseDataset) -> List[dict]:
    """The reader's samples without the metainfo copies."""
    return [BaseDataset.get_data_info(dataset, i)
            for i in range(len(dataset))]


# ----------------------------------------------------------- the head run
_WORKER: Dict[str, object] = {}


def _init_worker(reader: dict, head: List[dict], side: int) -> None:
    """Pool initializer: this worker's reader, single-threaded cv2."""
    import cv2
    cv2.setNumThreads(1)
    _WORKER.update(dataset=build_reader(reader, head), side=side)


def _run_chunk(span: Tuple[int, int]) -> Tuple[int, np.ndarray, Runs]:
    """Crops of samples ``span[0]:span[1]`` and their decoded (h, w) runs."""
    dataset, side = _WORKER['dataset'], _WORKER['side']
    start, stop = span
    out = np.empty((stop - start, side, side, 3), np.uint8)
    runs: Runs = []
    for k in range(start, stop):
        results = dataset.prepare_data(k)
        img = results['img']
        if img.dtype != np.uint8 or img.shape != (side, side, 3):
            raise FaceCacheError(
                f'the pipeline head gives a {img.dtype} {img.shape} image '
                f'for {results.get("img_path")}; the face cache stores '
                f'uint8 ({side}, {side}, 3) (LoadImage with its defaults)')
        out[k - start] = img
        add_run(runs, results['ori_shape'][:2])
    return start, out, runs


def add_run(runs: Runs, hw: Sequence[int], count: int = 1) -> None:
    """Append ``count`` images of size ``hw`` to run-length (n, h, w)."""
    h, w = int(hw[0]), int(hw[1])
    if runs and runs[-1][1:] == [h, w]:
        runs[-1][0] += count
    else:
        runs.append([count, h, w])


def _chunks(done: int, total: int, size: int) -> List[Tuple[int, int]]:
    return [(s, min(s + size, total)) for s in range(done, total, size)]


def _results(spans, workers: int, reader: dict, head: List[dict],
             side: int, dataset: BaseDataset) -> Iterator:
    """Chunk results in order, in this process or a worker pool."""
    if workers <= 1:
        _WORKER.update(dataset=dataset, side=side)
        yield from map(_run_chunk, spans)
        return
    # spawn: a fork of a process running torch/cv2 threads can hang
    ctx = mp.get_context('spawn')
    with ctx.Pool(workers, _init_worker, (reader, head, side)) as pool:
        yield from pool.imap(_run_chunk, spans)


# ----------------------------------------------------------- the files
def _disk_error(path: str, err: OSError, need: int) -> OSError:
    """An ``OSError`` naming ``path``; for a full disk, how much is free."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        free = shutil.disk_usage(osp.dirname(path)).free
        return OSError(err.errno, (
            f'no space left on the device writing the face cache {path} '
            f'({need / 1e9:.2f} GB needed, {free / 1e9:.2f} GB free); the '
            'unfinished cache was removed: free space or pass --out on '
            'another disk'))
    return OSError(err.errno, f'cannot write the face cache {path}: '
                   f'{err.strerror or err}')


def _remove(*paths: str) -> None:
    for p in paths:
        if osp.lexists(p):
            os.remove(p)


def _open_partial(path: str, shape: Tuple[int, ...], resume: bool) -> int:
    """Open (or create, preallocated) the unfinished array; its fd."""
    header, size = npy_layout(shape)
    if resume:
        return os.open(path, os.O_RDWR)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        try:
            os.posix_fallocate(fd, 0, size)  # a full disk fails here
        except (AttributeError, OSError) as err:
            if isinstance(err, OSError) and err.errno not in (
                    errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                raise
            os.ftruncate(fd, size)
        write_at(fd, header, 0)
    except OSError:
        os.close(fd)
        raise
    return fd


def write_at(fd: int, data: Union[bytes, memoryview], offset: int) -> None:
    """``os.pwrite`` until every byte is written."""
    view = memoryview(data).cast('B')
    while view:
        n = os.pwrite(fd, view, offset)
        view, offset = view[n:], offset + n


def _load_progress(progress: str, partial: str, plan: Dict) -> Optional[
        Dict]:
    """The progress record of an unfinished build of the same plan."""
    if not (osp.isfile(progress) and osp.isfile(partial)):
        return None
    try:
        with open(progress) as f:
            state = json.load(f)
    except (OSError, ValueError):
        return None
    same = all(state.get(k) == v for k, v in plan.items())
    _, size = npy_layout(plan['shape'])
    if not same or os.path.getsize(partial) != size:
        return None
    return state


# ----------------------------------------------------------- the build
def build_face_cache(config: Union[str, Config], out: Optional[str] = None,
                     workers: int = 0, chunk: int = CHUNK,
                     progress: bool = True) -> Dict:
    """Build (or resume, or confirm) the face cache of a training config.

    Args:
        config: see :func:`cache_spec`.
        out: the cache path (default: the config's ``cache``).
        workers: decoding processes (0 or 1: this process).
        chunk: images written and recorded per step.
        progress: show a progress bar.

    Raises:
        ImageReadError: an image cannot be decoded (names it and its
            list-file line); the rows done so far stay for a resume.
        FaceCacheError: the head does not give uint8 crops.
        OSError: a write failed; names the path (full disk: how much is
            needed and free, the unfinished files are removed).

    Returns:
        dict: ``cache``, ``manifest``, ``count``, ``bytes``, ``seconds``,
        ``resumed_from`` (rows found done) and ``up_to_date``.
    """
    start_time = time.perf_counter()
    reader, head, cache = cache_spec(config, out)
    os.makedirs(osp.dirname(cache), exist_ok=True)
    dataset = build_reader(reader, head)
    sources = source_records(data_list(dataset), dataset.data_root)
    head_json = head_to_json(head)
    side = HeadMeta(head).side
    shape = (len(dataset), side, side, 3)
    _, total_bytes = npy_layout(shape)
    man_path = manifest_path(cache)
    summary = dict(cache=cache, manifest=man_path, count=shape[0],
                   bytes=total_bytes, resumed_from=0, up_to_date=False)
    if _finished(cache, man_path, sources, head_json, shape):
        summary.update(up_to_date=True,
                       seconds=time.perf_counter() - start_time)
        return summary
    _remove(man_path)  # a stale cache never keeps a manifest
    partial, prog_path = partial_paths(cache)
    plan = dict(images_sha256=sources['images_sha256'],
                list_files=sources['list_files'],
                head=json.loads(head_json), shape=list(shape))
    state = _load_progress(prog_path, partial, plan)
    if state is None:
        _remove(partial, prog_path)
        state = dict(plan, done=0, hw_runs=[])
    done = summary['resumed_from'] = int(state['done'])
    if progress and done:
        print(f'resuming the face cache at {done}/{shape[0]} images '
              f'({partial})', flush=True)
    try:
        fd = _open_partial(partial, shape, resume=done > 0)
    except OSError as err:
        _remove(partial, prog_path)
        raise _disk_error(partial, err, total_bytes) from err
    header_len = total_bytes - int(np.prod(shape))
    row = side * side * 3
    bar = ProgressBar(shape[0] - done, start=True) if progress and (
        done < shape[0]) else None
    try:
        for first, crops, runs in _results(
                _chunks(done, shape[0], chunk), workers, reader, head, side,
                dataset):
            write_at(fd, crops, header_len + first * row)
            os.fdatasync(fd)
            for n, h, w in runs:
                add_run(state['hw_runs'], (h, w), n)
            state['done'] = first + len(crops)
            write_text_atomic(prog_path, json.dumps(state))
            if bar is not None:
                bar.update(len(crops))
        os.fsync(fd)
    except OSError as err:
        if err.errno in (errno.ENOSPC, errno.EDQUOT):
            os.close(fd)
            fd = None
            _remove(partial, prog_path)
            raise _disk_error(partial, err, total_bytes) from err
        raise
    finally:
        if fd is not None:
            os.close(fd)
        if bar is not None:
            sys.stdout.write('\n')
    _finish(partial, prog_path, cache, man_path, state, sources, head_json,
            reader, dataset.data_root, total_bytes, start_time)
    summary['seconds'] = time.perf_counter() - start_time
    return summary


def _finished(cache: str, man_path: str, sources: Dict, head_json: str,
              shape: Tuple[int, ...]) -> bool:
    """A complete cache that matches the sources exists already."""
    if not (osp.isfile(cache) and osp.isfile(man_path)):
        return False
    try:
        manifest = read_manifest(man_path)
        check_manifest(manifest, sources, shape[0], head_json, man_path)
        check_npy(cache, shape)
    except FaceCacheError:
        return False
    return bool(manifest.get('complete'))


def _finish(partial: str, prog_path: str, cache: str, man_path: str,
            state: Dict, sources: Dict, head_json: str, reader: dict,
            data_root: str, total_bytes: int, start_time: float) -> None:
    """Rename the array into place, then write the manifest."""
    manifest = make_manifest(sources, state['shape'], head_json, reader,
                             data_root)
    manifest.update(complete=True, file=osp.basename(cache),
                    nbytes=total_bytes, hw_runs=state['hw_runs'],
                    build_seconds=round(time.perf_counter() - start_time,
                                        1))
    try:
        os.replace(partial, cache)
        write_text_atomic(man_path, json.dumps(manifest))
    except OSError as err:
        raise _disk_error(cache, err, total_bytes) from err
    _remove(prog_path)
