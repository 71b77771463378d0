"""BSDS500Dataset reads the release layout; LoadBSDSAnnotations reads every annotator."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.io as sio
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

import segplug  # noqa: F401  (registers the dataset and transform)


def bsds_val(root: Path, **kw):
    init_default_scope('mmseg')
    return DATASETS.build(dict(
        type='BSDS500Dataset', data_root=str(root),
        data_prefix=dict(img_path='images/val', seg_map_path='groundTruth/val'),
        pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadBSDSAnnotations', **kw)]))


def test_val_split_and_annotators(shared_data: Path) -> None:
    ds = bsds_val(shared_data / 'bsds500')
    assert len(ds) == 100
    item = ds[0]
    stem = Path(item['img_path']).stem
    assert Path(item['seg_map_path']).name == f'{stem}.mat'
    cell = sio.loadmat(str(shared_data / f'bsds500/groundTruth/val/{stem}.mat'))['groundTruth']
    segs = item['gt_segmentations']
    assert segs.shape == (cell.shape[1], ) + item['img'].shape[:2] and segs.shape[0] >= 5
    for k in range(cell.shape[1]):
        np.testing.assert_array_equal(segs[k], cell[0, k]['Segmentation'][0, 0])
    union = np.max([cell[0, k]['Boundaries'][0, 0] for k in range(cell.shape[1])], 0)
    np.testing.assert_array_equal(item['gt_seg_map'], union)
    one = bsds_val(shared_data / 'bsds500', annotator=2)[0]
    np.testing.assert_array_equal(one['gt_seg_map'], cell[0, 2]['Boundaries'][0, 0])


def test_missing_mat_is_named(shared_data: Path, tmp_path: Path) -> None:
    (tmp_path / 'images/val').mkdir(parents=True)
    (tmp_path / 'groundTruth/val').mkdir(parents=True)
    src = sorted((shared_data / 'bsds500/images/val').glob('*.jpg'))[0]
    shutil.copy(src, tmp_path / 'images/val' / src.name)
    with pytest.raises(FileNotFoundError, match=f'{src.stem}.mat'):
        bsds_val(tmp_path)


def test_bad_annotator_is_named(shared_data: Path) -> None:
    with pytest.raises(ValueError, match='annotator=40'):
        bsds_val(shared_data / 'bsds500', annotator=40)[0]
