"""``--show``/``--show-dir`` for the MAFL matching protocol."""
import os.path as osp
from typing import Optional, Sequence

import mmcv
import numpy as np
from mmengine.hooks import Hook
from mmengine.utils import mkdir_or_exist
from mmpose.registry import HOOKS

from ...visualization.matching_pair import draw_matching_pair, pair_crops


@HOOKS.register_module()
class MatchingVisualizationHook(Hook):
    """Draw every ``interval``-th matching pair of a test run.

    The counterpart of mmpose's ``PoseVisualizationHook`` for
    ``LandmarkMatcher``: each pair is drawn by
    :func:`~sce_mae_mm.visualization.matching_pair.draw_matching_pair`
    (source queries | same-identity target | different-identity target,
    ground truth vs prediction) and written as
    ``<work_dir>/<timestamp>/<out_dir>/pair_<id>.png`` when ``out_dir`` is
    given, otherwise sent to the runner's visualizer backends.

    Args:
        enable: draw at all (``tools/test.py --show-dir`` turns it on).
        interval: draw one pair in every ``interval``.
        show: display each drawing in a window.
        wait_time: display time in seconds.
        out_dir: folder name under the run's log dir for the PNGs.
        scale: integer up-sampling of the 96-px crops.
    """

    priority = 'NORMAL'

    def __init__(self,
                 enable: bool = False,
                 interval: int = 50,
                 show: bool = False,
                 wait_time: float = 0.,
                 out_dir: Optional[str] = None,
                 scale: int = 3) -> None:
        if interval < 1:
            raise ValueError(
                f'MatchingVisualizationHook: interval must be >= 1, got '
                f'{interval}')
        self.enable = enable
        self.interval = interval
        self.show = show
        self.wait_time = wait_time
        self.out_dir = out_dir
        self.scale = scale
        self._count = 0

    def before_test(self, runner) -> None:
        self._count = 0

    def after_test_iter(self,
                        runner,
                        batch_idx: int,
                        data_batch: dict = None,
                        outputs: Optional[Sequence] = None) -> None:
        """Draw the pairs of this batch that fall on the interval."""
        if not self.enable or not outputs:
            return
        for i, sample in enumerate(outputs):
            self._count += 1
            if (self._count - 1) % self.interval:
                continue
            meta = sample.metainfo
            drawing = draw_matching_pair(
                pair_crops(data_batch['inputs'][i],
                           int(meta.get('context', 0)),
                           meta.get('channel_order', 'rgb')),
                np.asarray(meta['src_keypoints']),
                np.asarray(meta['same_keypoints']),
                np.asarray(meta['diff_keypoints']),
                np.asarray(sample.pred_same_keypoints),
                np.asarray(sample.pred_diff_keypoints),
                scale=self.scale)
            name = f"pair_{int(meta.get('pair_id', self._count - 1)):04d}"
            if self.show:
                runner.visualizer.show(
                    drawing, win_name=name, wait_time=self.wait_time)
            if self.out_dir is not None:
                folder = osp.join(runner.work_dir, runner.timestamp,
                                  self.out_dir)
                mkdir_or_exist(folder)
                mmcv.imwrite(
                    mmcv.rgb2bgr(drawing), osp.join(folder, f'{name}.png'))
            else:
                runner.visualizer.add_image(name, drawing, step=self._count)
