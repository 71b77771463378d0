"""NYU-Depth-v2 semantic segmentation with Gupta et al.'s 40 classes."""

from __future__ import annotations

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

NYU40_CLASSES = (
    'wall',
    'floor',
    'cabinet',
    'bed',
    'chair',
    'sofa',
    'table',
    'door',
    'window',
    'bookshelf',
    'picture',
    'counter',
    'blinds',
    'desk',
    'shelves',
    'curtain',
    'dresser',
    'pillow',
    'mirror',
    'floor mat',
    'clothes',
    'ceiling',
    'books',
    'refrigerator',
    'television',
    'paper',
    'towel',
    'shower curtain',
    'box',
    'whiteboard',
    'person',
    'night stand',
    'toilet',
    'sink',
    'lamp',
    'bathtub',
    'bag',
    'otherstructure',
    'otherfurniture',
    'otherprop',
)


@DATASETS.register_module()
class NYU40Dataset(BaseSegDataset):
    """The 1449 labelled NYU-Depth-v2 frames in 40 classes (Gupta et al., CVPR 2013).

    MMSegmentation 1.2.2's ``NYUDataset`` is its depth-estimation dataset (depth maps, no
    classes); this is the semantic one. Layout under ``data_root``, as
    ``tools/dataset_converters/nyu_depth_v2.py`` writes it: ``images/{train,test}/*.jpg`` and
    ``annotations/{train,test}/*.png`` with 0 = unlabelled and 1..40 the classes, so
    ``reduce_zero_label`` (on by default) maps 0 to 255 (ignored) and k to k - 1.
    """

    METAINFO = dict(classes=NYU40_CLASSES)

    def __init__(
        self,
        img_suffix: str = '.jpg',
        seg_map_suffix: str = '.png',
        reduce_zero_label: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs,
        )
