"""BSDS500 (Arbelaez et al., TPAMI 2011): images with 5-7 human segmentations each."""

from __future__ import annotations

import os.path as osp

import numpy as np
import scipy.io as sio
from mmcv.transforms import BaseTransform
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS, TRANSFORMS


def load_bsds_groundtruth(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Every annotator's segmentation and boundaries from a BSDS500 ``.mat`` file.

    Returns:
        ``segmentations`` (K, H, W) int32 region ids (from 1) and ``boundaries``
        (K, H, W) uint8 0/1, K = number of annotators.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'BSDS500 ground truth not found: {path}')
    try:
        cell = sio.loadmat(path)['groundTruth']
    except (KeyError, ValueError, TypeError) as e:  # not MATLAB, or no groundTruth cell
        raise ValueError(f'{path} is not a BSDS500 ground-truth file: {e}') from e
    segs = [cell[0, k]['Segmentation'][0, 0] for k in range(cell.shape[1])]
    bounds = [cell[0, k]['Boundaries'][0, 0] for k in range(cell.shape[1])]
    if not segs:
        raise ValueError(f'{path} holds no annotator')
    return np.stack(segs).astype(np.int32), np.stack(bounds).astype(np.uint8)


@DATASETS.register_module()
class BSDS500Dataset(BaseSegDataset):
    """BSDS500 in its release layout, with the ground truth read from the ``.mat`` files.

    Layout under ``data_root``: ``images/{split}/*.jpg`` and ``groundTruth/{split}/*.mat``
    (``data_prefix=dict(img_path='images/val', seg_map_path='groundTruth/val')``).
    ``seg_map_path`` of each sample is its ``.mat`` file; use ``LoadBSDSAnnotations`` in the
    pipeline. The two classes are for boundary maps (0 = no edge, 1 = edge); superpixel
    evaluation (``SuperpixelMetric``) reads every annotator's regions from the same file.
    """

    METAINFO = dict(classes=('background', 'boundary'), palette=[[0, 0, 0], [255, 255, 255]])
    # seg_map_path is a .mat of region annotations, not a map of class ids: segplug's data
    # check (DataCheckHook) opens the images only and compares no head with these classes
    label_maps = False

    def __init__(self, img_suffix: str = '.jpg', seg_map_suffix: str = '.mat', **kwargs) -> None:
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)

    def load_data_list(self) -> list[dict]:
        data_list = super().load_data_list()
        for info in data_list:  # fail at construction, naming the file, not mid-evaluation
            if 'seg_map_path' in info and not osp.isfile(info['seg_map_path']):
                raise FileNotFoundError(
                    f'BSDS500 ground truth of {info["img_path"]} not found: {info["seg_map_path"]}'
                )
        return data_list


@TRANSFORMS.register_module()
class LoadBSDSAnnotations(BaseTransform):
    """Read a BSDS500 ``.mat``: every annotator into ``gt_segmentations``, one into the map.

    Adds ``gt_segmentations`` (K, H, W) int32 and ``gt_boundaries`` (K, H, W) uint8, and
    ``gt_seg_map`` (H, W) uint8: the ``Boundaries`` of annotator ``annotator``, or the union
    of all annotators' boundaries when ``annotator`` is None (for boundary-map training and
    evaluation with ``PackSegInputs``).
    """

    def __init__(self, annotator: int | None = None) -> None:
        self.annotator = annotator

    def transform(self, results: dict) -> dict:
        segs, bounds = load_bsds_groundtruth(results['seg_map_path'])
        if self.annotator is not None and not -len(segs) <= self.annotator < len(segs):
            raise ValueError(
                f'annotator={self.annotator}: {results["seg_map_path"]} has {len(segs)} annotators'
            )
        results['gt_segmentations'] = segs
        results['gt_boundaries'] = bounds
        results['gt_seg_map'] = (
            bounds.max(0) if self.annotator is None else bounds[self.annotator]
        ).astype(np.uint8)
        results.setdefault('seg_fields', []).append('gt_seg_map')
        return results


@TRANSFORMS.register_module()
class BSDSRegionLabels(BaseTransform):
    """After ``LoadBSDSAnnotations``: one annotator's regions as ``gt_seg_map``, the property
    of the superpixel FCN's BSDS500 training (region id r -> label r - 1; ids beyond
    ``num_labels`` -> ``ignore_index``).

    Args:
        annotator: index, or None for a random annotator per sample (the reference trains on
            every annotator's map).
    """

    def __init__(
        self, annotator: int | None = None, num_labels: int = 50, ignore_index: int = 255
    ) -> None:
        self.annotator, self.num_labels, self.ignore_index = annotator, num_labels, ignore_index

    def transform(self, results: dict) -> dict:
        segs = results['gt_segmentations']
        k = np.random.randint(len(segs)) if self.annotator is None else self.annotator
        regions = segs[k].astype(np.int64) - 1
        regions[(regions < 0) | (regions >= self.num_labels)] = self.ignore_index
        results['gt_seg_map'] = regions.astype(np.uint8)
        return results


def bsds500_split(data_root: str, split: str = 'val') -> BSDS500Dataset:
    """A BSDS500 split read with its images and every annotator's ground truth, as the
    superpixel benchmarks score it (``LoadImageFromFile`` + ``LoadBSDSAnnotations``).

    Raises:
        FileNotFoundError: ``data_root`` has no ``images/<split>`` folder.
    """
    if not osp.isdir(osp.join(data_root, 'images', split)):
        raise FileNotFoundError(
            f'BSDS500 not found at {data_root} (no images/{split}): put '
            'it in data/bsds500 (docs/datasets.md) or pass --data-root'
        )
    # segplug's transform named with its scope: no default scope needs to be set first
    return DATASETS.build(
        dict(
            type='BSDS500Dataset',
            data_root=data_root,
            data_prefix=dict(img_path=f'images/{split}', seg_map_path=f'groundTruth/{split}'),
            pipeline=[dict(type='LoadImageFromFile'), dict(type='mmseg.LoadBSDSAnnotations')],
        )
    )
