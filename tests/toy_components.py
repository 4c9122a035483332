"""A toy model and dataset for the Runner-level foundation tests."""
import numpy as np
import torch
from mmengine.dataset import BaseDataset
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel
from mmpose.registry import DATASETS, METRICS, MODELS


@MODELS.register_module(force=True)
class ToyRegressor(BaseModel):
    """y = w·x + b fitted with an L2 loss; enough to exercise the Runner."""

    def __init__(self, data_preprocessor=None) -> None:
        super().__init__(data_preprocessor=data_preprocessor)
        self.linear = torch.nn.Linear(4, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        pred = self.linear(torch.as_tensor(inputs).float())
        if mode == 'loss':
            target = torch.as_tensor(data_samples).float().view(-1, 1)
            return dict(loss=((pred - target)**2).mean())
        return pred


@DATASETS.register_module(force=True)
class ToyDataset(BaseDataset):
    """16 random 4-vectors; metainfo holds numpy arrays like mmpose's
    (an empty one too, as 300W's skeleton colours)."""

    METAINFO = dict(
        dataset_name='toy',
        sigmas=np.array([0.1, 0.2], dtype=np.float32),
        flip_indices=[1, 0],
        skeleton_link_colors=np.zeros((0, 3), np.uint8))

    def load_data_list(self):
        rng = np.random.default_rng(0)
        x = rng.normal(size=(16, 4)).astype(np.float32)
        return [dict(inputs=torch.from_numpy(v), data_samples=float(v.sum()))
                for v in x]

    def prepare_data(self, idx):
        info = self.get_data_info(idx)
        return dict(inputs=info['inputs'], data_samples=info['data_samples'])


@METRICS.register_module(force=True)
class ToyMSE(BaseMetric):
    """Mean squared error of the toy regressor, gathered over all ranks."""

    def process(self, data_batch, data_samples) -> None:
        target = torch.as_tensor(data_batch['data_samples']).float()
        pred = torch.as_tensor(data_samples).float().view(-1)
        for p, t in zip(pred.tolist(), target.tolist()):
            self.results.append((p - t)**2)

    def compute_metrics(self, results) -> dict:
        return dict(mse=float(np.mean(results)), count=len(results))
