"""The face cache's files, its manifest, and the checks that refuse a cache
which no longer matches its source.

A cache ``PATH`` (e.g. ``data/celeba/face_cache/train_dve96.npy``) is:

* ``PATH``: a standard ``.npy`` file, uint8 (N, S, S, 3) BGR crops in the
  reader's order (``np.load(PATH, mmap_mode='r')`` reads it);
* ``PATH`` without ``.npy`` + ``.manifest.json``: what it was built from
  (:func:`make_manifest`); written last, so a cache without it is not a
  finished one;
* while building: ``PATH.partial`` and ``PATH.partial.json`` (the rows
  written so far), renamed or removed at the end.

:func:`check_manifest` compares a manifest with the sources as they are now
and says what changed (the count, a list file, an image's size or mtime, the
pipeline head); :func:`check_npy` refuses a truncated or foreign ``.npy``.
"""
import datetime
import hashlib
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ...version import __version__

#: the manifest's ``format`` value
FORMAT = 'sce_mae_mm face cache'
FORMAT_VERSION = 1


class FaceCacheError(ValueError):
    """A face cache is missing, unfinished, truncated, foreign or stale."""


def manifest_path(cache: str) -> str:
    """``train_dve96.npy`` -> ``train_dve96.manifest.json``."""
    stem = cache[:-4] if cache.endswith('.npy') else cache
    return stem + '.manifest.json'


def partial_paths(cache: str) -> Tuple[str, str]:
    """The unfinished cache and its progress record."""
    return cache + '.partial', cache + '.partial.json'


def _rel(path: str, root: str) -> str:
    """``path`` relative to ``root`` when inside it, else absolute."""
    path, root = osp.abspath(path), osp.abspath(root)
    rel = osp.relpath(path, root)
    return path if rel.startswith('..') else rel


def file_record(path: str) -> List[int]:
    """[size in bytes, mtime in ns] of a file."""
    st = os.stat(path)
    return [int(st.st_size), int(st.st_mtime_ns)]


def sha256_file(path: str) -> str:
    """Hex digest of a (list) file."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def source_records(data_list: Sequence[dict], data_root: str) -> Dict:
    """The sources of a reader's samples as they are on disk now.

    Args:
        data_list: the reader's samples (``img_path``, ``list_file``,
            ``ann_file``).
        data_root: the reader's root (paths are stored relative to it).

    Returns:
        dict: ``images`` (one [relative path, size, mtime_ns] per sample),
        ``list_files`` (relative path -> [size, mtime_ns, sha256]) and
        ``images_sha256`` (a digest of the image table).
    """
    images, lists = [], set()
    for info in data_list:
        images.append([_rel(info['img_path'], data_root),
                       *file_record(info['img_path'])])
        for key in ('list_file', 'ann_file'):
            if info.get(key):
                lists.add(info[key])
    list_files = {_rel(p, data_root): [*file_record(p), sha256_file(p)]
                  for p in sorted(lists)}
    return dict(images=images, list_files=list_files,
                images_sha256=table_digest(images))


def table_digest(images: Sequence[Sequence]) -> str:
    """sha256 of the image table (path, size, mtime per line)."""
    digest = hashlib.sha256()
    for row in images:
        digest.update(('\t'.join(str(v) for v in row) + '\n').encode())
    return digest.hexdigest()


def make_manifest(sources: Dict, shape: Sequence[int], head_json: str,
                  dataset_cfg: dict, data_root: str) -> Dict:
    """The manifest of a cache (``complete`` is set when it is finished).

    Args:
        sources: from :func:`source_records`.
        shape: the cache array's (N, S, S, 3).
        head_json: from :func:`head.head_to_json`.
        dataset_cfg: the reader's config (recorded, not compared).
        data_root: the reader's root.
    """
    return dict(
        format=FORMAT, format_version=FORMAT_VERSION, complete=False,
        count=int(shape[0]), shape=[int(s) for s in shape], dtype='uint8',
        head=json.loads(head_json), dataset=_jsonable(dataset_cfg),
        data_root=osp.abspath(data_root), package_version=__version__,
        created=datetime.datetime.now().isoformat(timespec='seconds'),
        **sources)


def _jsonable(cfg) -> Dict:
    """A config as plain JSON values (others as their repr)."""
    return json.loads(json.dumps(dict(cfg), default=repr))


def read_manifest(path: str) -> Dict:
    """Load a manifest, refusing what is not one."""
    try:
        with open(path) as f:
            manifest = json.load(f)
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as err:
        raise FaceCacheError(f'cannot read the face-cache manifest {path}: '
                             f'{err}') from err
    if not isinstance(manifest, dict) or manifest.get('format') != FORMAT:
        raise FaceCacheError(f'{path} is not a face-cache manifest (expected '
                             f'"format": "{FORMAT}")')
    return manifest


def check_manifest(manifest: Dict, sources: Dict, count: int,
                   head_json: str, where: str,
                   check_files: bool = True) -> None:
    """Raise :class:`FaceCacheError` saying what changed since the build.

    Args:
        manifest: the cache's manifest.
        sources: :func:`source_records` now (may be None when
            ``check_files`` is False).
        count: the reader's number of samples now.
        head_json: the config's head now.
        where: the manifest path, named in the message.
        check_files: compare list files and every image's size and mtime.
    """
    advice = ('; rebuild it with tools/build_face_cache.py (the cache must '
              'match its source)')
    if manifest.get('count') != count:
        raise FaceCacheError(
            f'{where}: the cache holds {manifest.get("count")} images but '
            f'the dataset now gives {count}{advice}')
    if json.loads(head_json) != manifest.get('head'):
        raise FaceCacheError(
            f'{where}: the pipeline head changed: the cache was built with '
            f'{json.dumps(manifest.get("head"))}, the config now has '
            f'{head_json}{advice}')
    if not check_files:
        return
    old_lists, new_lists = manifest.get('list_files', {}), sources[
        'list_files']
    for name in sorted(set(old_lists) | set(new_lists)):
        if name not in new_lists or name not in old_lists:
            state = 'is no longer read' if name in old_lists else 'is new'
            raise FaceCacheError(f'{where}: list file {name} {state}{advice}')
        if old_lists[name][2] != new_lists[name][2]:
            raise FaceCacheError(
                f'{where}: list file {name} changed (size '
                f'{old_lists[name][0]} -> {new_lists[name][0]} bytes, '
                f'content differs){advice}')
    if manifest.get('images_sha256') == sources['images_sha256']:
        return
    for k, (old, new) in enumerate(zip(manifest['images'],
                                       sources['images'])):
        if old != new:
            raise FaceCacheError(f'{where}: {_image_change(k, old, new)}'
                                 f'{advice}')
    raise FaceCacheError(f'{where}: the image table changed{advice}')


def _image_change(k: int, old: Sequence, new: Sequence) -> str:
    """What differs between two [path, size, mtime_ns] rows."""
    if old[0] != new[0]:
        return (f'sample {k} was {old[0]} when built, the dataset now '
                f'gives {new[0]}')
    if old[1] != new[1]:
        return (f'image {new[0]} changed size: {old[1]} -> {new[1]} '
                'bytes')
    return (f'image {new[0]} was modified after the cache was built '
            f'(mtime {_when(old[2])} -> {_when(new[2])})')


def _when(ns: int) -> str:
    return datetime.datetime.fromtimestamp(ns / 1e9).isoformat(
        timespec='seconds')


def npy_layout(shape: Sequence[int]) -> Tuple[bytes, int]:
    """The ``.npy`` header of a uint8 array of ``shape`` and the file's
    whole size in bytes."""
    header = {'descr': '|u1', 'fortran_order': False,
              'shape': tuple(int(s) for s in shape)}
    import io
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    head = buf.getvalue()
    return head, len(head) + int(np.prod(shape))


def check_npy(path: str, shape: Optional[Sequence[int]]) -> Tuple[int, ...]:
    """Refuse a truncated or foreign ``.npy``; return its shape.

    Args:
        path: the cache array.
        shape: the shape the manifest records (None: only the header and
            the size are checked).
    """
    try:
        with open(path, 'rb') as f:
            version = np.lib.format.read_magic(f)
            read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                    else np.lib.format.read_array_header_2_0)
            found, fortran, dtype = read(f)
            offset = f.tell()
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as err:
        raise FaceCacheError(f'{path} is not a .npy array ({err}); expected '
                             'a face cache written by '
                             'tools/build_face_cache.py') from err
    if dtype != np.uint8 or fortran or len(found) != 4 or found[3] != 3:
        raise FaceCacheError(
            f'{path} holds a {dtype} array of shape {found}; expected a '
            'face cache: uint8 (N, S, S, 3), C order')
    if shape is not None and tuple(found) != tuple(shape):
        raise FaceCacheError(f'{path} holds shape {found} but its manifest '
                             f'records {tuple(shape)}: a foreign file; '
                             'rebuild the cache')
    expected = offset + int(np.prod(found))
    size = os.path.getsize(path)
    if size != expected:
        raise FaceCacheError(
            f'{path} is truncated: {size} bytes, expected {expected} for '
            f'{found[0]} images of {found[1]}x{found[2]}; rebuild it with '
            'tools/build_face_cache.py')
    return tuple(found)
