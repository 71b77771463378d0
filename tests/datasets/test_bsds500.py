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
    return DATASETS.build(
        dict(
            type='BSDS500Dataset',
            data_root=str(root),
            data_prefix=dict(img_path='images/val', seg_map_path='groundTruth/val'),
            pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadBSDSAnnotations', **kw)],
        )
    )


def test_val_split_and_annotators(test_data: Path) -> None:
    ds = bsds_val(test_data / 'bsds500')
    assert [Path(ds.get_data_info(i)['img_path']).stem for i in range(len(ds))] == [
        '101085',
        '101087',
        '102061',
    ]  # the val images in tests/data, in order
    item = ds[0]
    stem = Path(item['img_path']).stem
    assert Path(item['seg_map_path']).name == f'{stem}.mat'
    cell = sio.loadmat(str(test_data / f'bsds500/groundTruth/val/{stem}.mat'))['groundTruth']
    segs = item['gt_segmentations']
    assert segs.shape == (cell.shape[1],) + item['img'].shape[:2] and segs.shape[0] >= 5
    for k in range(cell.shape[1]):
        np.testing.assert_array_equal(segs[k], cell[0, k]['Segmentation'][0, 0])
    union = np.max([cell[0, k]['Boundaries'][0, 0] for k in range(cell.shape[1])], 0)
    np.testing.assert_array_equal(item['gt_seg_map'], union)
    one = bsds_val(test_data / 'bsds500', annotator=2)[0]
    np.testing.assert_array_equal(one['gt_seg_map'], cell[0, 2]['Boundaries'][0, 0])


def test_missing_mat_is_named(test_data: Path, tmp_path: Path) -> None:
    (tmp_path / 'images/val').mkdir(parents=True)
    (tmp_path / 'groundTruth/val').mkdir(parents=True)
    src = sorted((test_data / 'bsds500/images/val').glob('*.jpg'))[0]
    shutil.copy(src, tmp_path / 'images/val' / src.name)
    with pytest.raises(FileNotFoundError, match=f'{src.stem}.mat'):
        bsds_val(tmp_path)


def test_bad_annotator_is_named(test_data: Path) -> None:
    with pytest.raises(ValueError, match='annotator=40'):
        bsds_val(test_data / 'bsds500', annotator=40)[0]


def test_data_check_opens_images_and_compares_no_head(test_data: Path, tmp_path: Path) -> None:
    """segplug's data check accepts BSDS500 (its labels are .mat files, not class maps)
    whatever a head's num_classes, and still reports a broken image by its path."""
    import torch.nn as nn

    from segplug.datasets import DatasetCheckError, check_dataset
    from segplug.engine.data_check_hook import check_num_classes

    root = tmp_path / 'bsds500'
    for sub in ('images/val', 'groundTruth/val'):
        (root / sub).mkdir(parents=True)
    stems = sorted(p.stem for p in (test_data / 'bsds500' / 'images' / 'val').glob('*.jpg'))
    for stem in stems[:3]:
        shutil.copy(
            test_data / 'bsds500' / 'images' / 'val' / f'{stem}.jpg', root / 'images' / 'val'
        )
        shutil.copy(
            test_data / 'bsds500' / 'groundTruth' / 'val' / f'{stem}.mat',
            root / 'groundTruth' / 'val',
        )
    ds = bsds_val(root)
    check_dataset(ds, 'val')  # .mat labels are not opened as label maps

    class Model(nn.Module):
        decode_head = nn.Module()

    Model.decode_head.num_classes = 50
    check_num_classes(Model(), ds, 'val')  # 50 region labels vs 2 classes: not compared
    (root / 'images' / 'val' / f'{stems[0]}.jpg').write_bytes(b'not a jpeg')
    with pytest.raises(DatasetCheckError, match=f'{stems[0]}.jpg: image cannot be decoded'):
        check_dataset(ds, 'val')


def test_bsds500_split_reads_images_and_every_annotator_without_a_scope(
    test_data: Path, tmp_path: Path
) -> None:
    """What the superpixel benchmarks read: no default scope set beforehand."""
    from segplug.datasets.bsds500 import bsds500_split

    dataset = bsds500_split(str(test_data / 'bsds500'), 'val')
    assert len(dataset) == 3
    item = dataset[0]
    gt = sio.loadmat(item['seg_map_path'])['groundTruth']
    assert item['img'].shape[:2] == item['gt_segmentations'].shape[1:]
    assert item['gt_segmentations'].shape[0] == gt.shape[1]  # every annotator
    with pytest.raises(FileNotFoundError, match=f'BSDS500 not found at {tmp_path}'):
        bsds500_split(str(tmp_path), 'val')
