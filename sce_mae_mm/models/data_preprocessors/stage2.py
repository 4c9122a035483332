"""One preprocessor for training images and validation triplets.

:class:`CLStage2` trains on single images and selects its epoch on MAFL
matching triplets; this preprocessor sends each batch to the one that
fits it.
"""
from mmengine.model import BaseDataPreprocessor
from mmpose.registry import MODELS

_WHERE = 'Stage2DataPreprocessor'


@MODELS.register_module()
class Stage2DataPreprocessor(BaseDataPreprocessor):
    """Dispatch a batch to an image or a triplet preprocessor.

    Per-sample inputs (3, H, W) go to ``image`` (e.g.
    ``PoseDataPreprocessor``), (G, 3, H, W) triplets to ``triplet``
    (``MatchingDataPreprocessor``).

    Args:
        image (dict): preprocessor of single images.
        triplet (dict): preprocessor of matching triplets.
    """

    def __init__(self, image: dict, triplet: dict) -> None:
        super().__init__()
        self.image = MODELS.build(image)
        self.triplet = MODELS.build(triplet)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Preprocess with the matching preprocessor.

        Returns:
            dict: ``inputs`` (B, 3, H, W) or (B, G, 3, H, W), and
            ``data_samples``.
        """
        inputs = data['inputs']
        first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        per_sample = first.dim() if isinstance(inputs, (list, tuple)) \
            else first.dim() - 1
        if per_sample == 4:
            return self.triplet(data, training)
        if per_sample == 3:
            return self.image(data, training)
        raise ValueError(f'{_WHERE}: expected per-sample inputs (3, H, W) or '
                         f'(G, 3, H, W), got {tuple(first.shape)}')
