"""The base dataset configs load real frames in each dataset's native layout.

Cityscapes and CamVid use real frames as they are (``tests/data`` and the embedded CamVid
subset). No PASCAL VOC, ADE20K or PASCAL Context frames are in the repository, so those tests
build a small folder in the native layout from MMSegmentation's real sample frames
(``tests/data/pseudo_dataset``, palette labels with ids 0..2) and check what each layout's
loader must do with the raw ids.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmseg.registry import DATASETS
from mmseg.utils import register_all_modules
from PIL import Image

import segplug  # noqa: F401
from segplug.datasets import check_dataset
from tests.helpers import REPO

BASE = REPO / 'configs' / '_base_' / 'datasets'
STEMS = ['00000', '00001', '00002', '00003', '00004']


@pytest.fixture(autouse=True, scope='module')
def _scope() -> None:
    register_all_modules(init_default_scope=True)


def build(cfg_file: str, split: str, **overrides) -> object:
    cfg = Config.fromfile(str(BASE / cfg_file))
    ds = cfg[f'{split}_dataloader'].dataset
    ds.update(overrides)
    dataset = DATASETS.build(ds)
    check_dataset(dataset, f'{cfg_file}:{split}')
    return dataset


def raw(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path))


def test_camvid_real(demo_data: Path) -> None:
    root = demo_data
    train = build('camvid.py', 'train', data_root=str(root))
    val = build('camvid.py', 'val', data_root=str(root))
    assert (len(train), len(val)) == (120, 40)
    assert len(val.metainfo['classes']) == 11
    item = val[0]
    gt = item['data_samples'].gt_sem_seg.data[0].numpy()
    label = raw(root / 'labels' / 'val' / (Path(item['data_samples'].img_path).stem + '.png'))
    assert gt.shape == label.shape == (360, 480)
    np.testing.assert_array_equal(gt, np.where(label == 11, 255, label))
    assert (label == 11).any()


def test_cityscapes_real_frame(test_data: Path) -> None:
    root = test_data / 'pseudo_cityscapes_dataset'
    val = build('cityscapes.py', 'val', data_root=str(root))
    assert len(val) == 1 and len(val.metainfo['classes']) == 19
    item = val[0]
    gt = item['data_samples'].gt_sem_seg.data[0].numpy()
    label = raw(root / 'gtFine/val/frankfurt/frankfurt_000000_000294_gtFine_labelTrainIds.png')
    np.testing.assert_array_equal(gt, label)
    assert tuple(item['inputs'].shape[1:]) == (1024, 2048)  # test pipeline resizes the image


def _copy_frames(
    test_data: Path, img_dir: Path, ann_dir: Path, img_ext: str = '.jpg', ann_suffix: str = '.png'
) -> None:
    src = test_data / 'pseudo_dataset'
    img_dir.mkdir(parents=True, exist_ok=True)
    ann_dir.mkdir(parents=True, exist_ok=True)
    for s in STEMS:
        Image.open(src / 'imgs' / f'{s}_img.jpg').save(img_dir / f'{s}{img_ext}')
        shutil.copy(src / 'gts' / f'{s}_gt.png', ann_dir / f'{s}{ann_suffix}')


def test_voc12_aug_layout(tmp_path: Path, test_data: Path) -> None:
    voc = tmp_path / 'VOCdevkit' / 'VOC2012'
    _copy_frames(test_data, voc / 'JPEGImages', voc / 'SegmentationClass')
    shutil.copytree(voc / 'SegmentationClass', voc / 'SegmentationClassAug')
    split = voc / 'ImageSets' / 'Segmentation'
    split.mkdir(parents=True)
    (split / 'train.txt').write_text('00000\n00001\n')
    (split / 'aug.txt').write_text('00002\n00003\n00004\n')
    (split / 'val.txt').write_text('00003\n00004\n')
    cfg = Config.fromfile(str(BASE / 'pascal_voc12_aug.py'))
    train_cfg = cfg.train_dataloader.dataset
    for sub in train_cfg.datasets:
        sub.data_root = str(voc)
    train = DATASETS.build(train_cfg)
    check_dataset(train, 'voc train')
    assert len(train) == 5 and len(train.metainfo['classes']) == 21
    val = build('pascal_voc12_aug.py', 'val', data_root=str(voc))
    gt = val[0]['data_samples'].gt_sem_seg.data[0].numpy()
    np.testing.assert_array_equal(gt, raw(voc / 'SegmentationClass' / '00003.png'))


def test_ade20k_layout_reduces_zero_label(tmp_path: Path, test_data: Path) -> None:
    ade = tmp_path / 'ADEChallengeData2016'
    _copy_frames(test_data, ade / 'images' / 'validation', ade / 'annotations' / 'validation')
    val = build('ade20k.py', 'val', data_root=str(ade))
    assert len(val) == 5 and len(val.metainfo['classes']) == 150
    item = val[0]
    label = raw(
        ade / 'annotations' / 'validation' / (Path(item['data_samples'].img_path).stem + '.png')
    ).astype(np.int64)
    gt = item['data_samples'].gt_sem_seg.data[0].numpy()
    np.testing.assert_array_equal(gt, np.where(label == 0, 255, label - 1))


def test_pascal_context_59_layout(tmp_path: Path, test_data: Path) -> None:
    voc = tmp_path / 'VOCdevkit' / 'VOC2010'
    _copy_frames(test_data, voc / 'JPEGImages', voc / 'SegmentationClassContext')
    split = voc / 'ImageSets' / 'SegmentationContext'
    split.mkdir(parents=True)
    (split / 'val.txt').write_text('\n'.join(STEMS) + '\n')
    val = build('pascal_context_59.py', 'val', data_root=str(voc))
    assert len(val) == 5 and len(val.metainfo['classes']) == 59
    label = raw(voc / 'SegmentationClassContext' / '00000.png').astype(np.int64)
    gt = val[0]['data_samples'].gt_sem_seg.data[0].numpy()
    np.testing.assert_array_equal(gt, np.where(label == 0, 255, label - 1))
