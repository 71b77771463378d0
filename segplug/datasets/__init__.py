"""Datasets, and the up-front checks of their files."""
from .camvid import CamVidDataset
from .checks import DataProblem, DatasetCheckError, check_dataset, check_dataset_cfg

__all__ = ['CamVidDataset', 'DataProblem', 'DatasetCheckError', 'check_dataset',
           'check_dataset_cfg']
