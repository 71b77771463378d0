"""Datasets, and the up-front checks of their files."""

from .bsds500 import BSDS500Dataset, BSDSRegionLabels, LoadBSDSAnnotations, load_bsds_groundtruth
from .camvid import CamVidDataset
from .checks import DataProblem, DatasetCheckError, check_dataset, check_dataset_cfg, read_label_ids
from .mapillary import mapillary_to_cityscapes_lut
from .nyu import NYULabeledMat, load_nyu40_lut, load_nyu_splits
from .nyu40 import NYU40_CLASSES, NYU40Dataset
from .samplers import MixedDatasetSampler, image_classes, proportional_schedule

__all__ = [
    'BSDS500Dataset',
    'BSDSRegionLabels',
    'CamVidDataset',
    'DataProblem',
    'DatasetCheckError',
    'LoadBSDSAnnotations',
    'check_dataset',
    'check_dataset_cfg',
    'read_label_ids',
    'MixedDatasetSampler',
    'image_classes',
    'load_bsds_groundtruth',
    'mapillary_to_cityscapes_lut',
    'proportional_schedule',
    'NYU40_CLASSES',
    'NYU40Dataset',
    'NYULabeledMat',
    'load_nyu40_lut',
    'load_nyu_splits',
]
