"""Image decoding that names the file and the list-file line it came from.

Every image the project reads goes through here: the readers' header check
(:func:`image_file_size`), the matching pairs (``load_image_bgr``), the
detection and stage-1 pipelines (:class:`LoadImage`) and the inference API.
Whatever PIL, cv2 or the file backend raises (a truncated file, garbage
bytes, ``OSError: Truncated File Read``) becomes an :class:`ImageReadError`
naming the image and, for dataset samples, the list file and line that
listed it (the sample's ``list_file`` / ``list_line``, else its
``ann_file`` / ``ann_line``).

:class:`LoadImage` replaces mmpose's ``LoadImage`` under the same name (the
configs need no change); it loads exactly as mmpose's and differs only in
its error.
"""
from typing import Optional, Tuple, Union

import mmcv
import numpy as np
from mmengine import fileio
from mmpose.datasets.transforms import LoadImage as MMPoseLoadImage
from mmpose.registry import TRANSFORMS

Line = Union[int, str]


class ImageReadError(OSError, ValueError):
    """An image file cannot be read or decoded (an ``OSError`` and, as the
    inference API raised before, a ``ValueError``)."""


def describe_source(list_file: Optional[str], line: Optional[Line]) -> str:
    """``' (listed in FILE, line N)'``, or ``''`` without a list file.

    Args:
        list_file: the list (annotation) file naming the image.
        line: 1-based line number, or a description (``'row 3'``).
    """
    if not list_file:
        return ''
    if line is None:
        return f' (listed in {list_file})'
    where = f'line {line}' if isinstance(line, (int, np.integer)) else line
    return f' (listed in {list_file}, {where})'


def image_source(info: dict, index: Optional[int] = None) -> str:
    """Where a sample's image is listed (see :func:`describe_source`).

    Args:
        info: a data info dict with ``list_file`` and ``list_line`` (or
            ``list_lines`` for a matching pair), else ``ann_file`` /
            ``ann_line``.
        index: which image of a pair (indexes ``list_lines``).
    """
    if info.get('list_file'):
        lines = info.get('list_lines')
        line = (lines[index] if index is not None and lines is not None
                else info.get('list_line'))
        return describe_source(info['list_file'], line)
    return describe_source(info.get('ann_file'), info.get('ann_line'))


def _reason(err: BaseException) -> str:
    """One line saying why the decoder failed."""
    if isinstance(err, AssertionError) and 'failed to load' in str(err):
        return 'the decoder returned no image (not a valid image file)'
    text = str(err).strip().splitlines()
    return f'{type(err).__name__}: {text[0] if text else "(no message)"}'


def image_read_error(path: str, source: str = '',
                     err: Optional[BaseException] = None) -> ImageReadError:
    """The error for an unreadable image (``raise ... from err``).

    Args:
        path: the image.
        source: from :func:`image_source` (may be empty).
        err: what the decoder raised; None when it returned nothing.
    """
    reason = ('the decoder returned no image (not a valid image file)'
              if err is None else _reason(err))
    return ImageReadError(f'cannot read image {path}{source}: {reason}; '
                          'expected a complete JPEG/PNG file (is it '
                          'truncated or corrupt?)')


def read_image_bgr(path: str, source: str = '') -> np.ndarray:
    """Decode an image file to (H, W, 3) uint8 BGR.

    Raises:
        ImageReadError: the file cannot be read or decoded, naming it and
            ``source``.
    """
    try:
        img = mmcv.imfrombytes(fileio.get(path), flag='color')
    except Exception as err:  # cv2, PIL or the file backend
        raise image_read_error(path, source, err) from err
    if img is None:
        raise image_read_error(path, source)
    return img


def image_file_size(path: str, source: str = '') -> Tuple[int, int]:
    """(width, height) from the file header (no full decode).

    Raises:
        ImageReadError: PIL cannot parse the header, naming the image and
            ``source``.
    """
    from PIL import Image
    try:
        with Image.open(path) as img:
            return img.size
    except Exception as err:  # UnidentifiedImageError, Truncated File Read
        raise image_read_error(path, source, err) from err


@TRANSFORMS.register_module(name='LoadImage', force=True)
class LoadImage(MMPoseLoadImage):
    """mmpose's ``LoadImage``, whose failures name the image and the list
    file and line of the sample (:class:`ImageReadError`)."""

    def transform(self, results: dict) -> Optional[dict]:
        if results.get('img') is not None:
            return super().transform(results)
        path = results.get('img_path')
        try:
            return super().transform(results)
        except Exception as err:
            # mmpose re-raises type(e)(message); the decoder's own error
            # is its context
            cause = err.__context__ if err.__context__ is not None else err
            raise image_read_error(path, image_source(results),
                                   cause) from err
