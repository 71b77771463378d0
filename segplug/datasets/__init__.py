"""Datasets, and the up-front checks of their files."""
from .bsds500 import BSDS500Dataset, LoadBSDSAnnotations, load_bsds_groundtruth
from .camvid import CamVidDataset
from .checks import DataProblem, DatasetCheckError, check_dataset, check_dataset_cfg

__all__ = ['BSDS500Dataset', 'CamVidDataset', 'DataProblem', 'DatasetCheckError',
           'LoadBSDSAnnotations', 'check_dataset', 'check_dataset_cfg',
           'load_bsds_groundtruth']
