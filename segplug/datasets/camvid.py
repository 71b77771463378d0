"""CamVid (SegNet version): 11 classes, Unlabelled (id 11) ignored."""

from __future__ import annotations

from typing import Sequence

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

CAMVID_UNLABELLED = 11


@DATASETS.register_module()
class CamVidDataset(BaseSegDataset):
    """CamVid as the SegNet tutorial ships it (Brostow et al., PRL 2009).

    Layout under ``data_root``: ``images/{split}/*.jpg`` (or .png), ``labels/{split}/*.png``
    (uint8 class ids 0..10, 11 = Unlabelled) and ``{split}.txt`` with one stem per line.
    Unlabelled is mapped to ``ignore_index`` (255) when labels are loaded, so one ignore
    index holds everywhere (cross-entropy and ``seg_pad_val`` both use it).
    """

    METAINFO = dict(
        classes=(
            'Sky',
            'Building',
            'Pole',
            'Road',
            'Pavement',
            'Tree',
            'SignSymbol',
            'Fence',
            'Car',
            'Pedestrian',
            'Bicyclist',
        ),
        palette=[
            [128, 128, 128],
            [128, 0, 0],
            [192, 192, 128],
            [128, 64, 128],
            [60, 40, 222],
            [128, 128, 0],
            [192, 128, 128],
            [64, 64, 128],
            [64, 0, 128],
            [64, 64, 0],
            [0, 128, 192],
        ],
    )

    def __init__(self, img_suffix: str = '.jpg', seg_map_suffix: str = '.png', **kwargs) -> None:
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)

    @classmethod
    def get_label_map(cls, new_classes: Sequence | None = None) -> dict | None:
        """MMSegmentation's class-subset map, plus Unlabelled -> 255."""
        label_map = super().get_label_map(new_classes)
        label_map = dict(label_map or {})
        label_map[CAMVID_UNLABELLED] = 255
        return label_map
