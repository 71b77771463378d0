"""CamVid converter: the SegNet tutorial's folder layout -> the layout the CamVid configs read.

The SegNet folder is rebuilt small from real frames of the embedded demo subset: its JPEG
images saved back as PNG (as SegNet ships them), its labels copied unchanged.
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
from segplug.datasets import DatasetCheckError, check_dataset
from segplug.datasets.converters import camvid as camvid_converter
from tests.helpers import DEMO_DATA, PY, REPO, run_tool_here

CONVERTER = 'tools/dataset_converters/camvid.py'

TRAIN = ['0001TP_006690', '0001TP_006780']
VAL = ['0016E5_07959']


def segnet_folder(root: Path, splits: dict[str, list[str]]) -> Path:
    """``root/CamVid`` in the SegNet tutorial's layout, from demo frames (demo split names)."""
    camvid = root / 'CamVid'
    for split, stems in splits.items():
        demo_split = 'val' if split == 'test' else split
        (camvid / split).mkdir(parents=True)
        (camvid / f'{split}annot').mkdir(parents=True)
        for stem in stems:
            Image.open(DEMO_DATA / 'images' / demo_split / f'{stem}.jpg').save(
                camvid / split / f'{stem}.png'
            )
            shutil.copy(
                DEMO_DATA / 'labels' / demo_split / f'{stem}.png',
                camvid / f'{split}annot' / f'{stem}.png',
            )
        (camvid / f'{split}.txt').write_text(
            ''.join(
                f'/SegNet/CamVid/{split}/{s}.png /SegNet/CamVid/{split}annot/{s}.png\n'
                for s in stems
            )
        )
    return camvid


def build(cfg_split: str, data_root: Path, **overrides) -> object:
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(str(REPO / 'configs' / '_base_' / 'datasets' / 'camvid.py'))
    dataset = DATASETS.build(
        dict(cfg[f'{cfg_split}_dataloader'].dataset, data_root=str(data_root), **overrides)
    )
    check_dataset(dataset, cfg_split)
    return dataset


def test_cli_writes_what_the_camvid_config_reads(tmp_path: Path) -> None:
    camvid = segnet_folder(tmp_path, {'train': TRAIN, 'val': VAL})
    out = tmp_path / 'data' / 'camvid'
    proc = run_tool_here([PY, CONVERTER, str(camvid), '-o', str(out), '--splits', 'train', 'val'])
    assert 'converted 2 train, 1 val image/label pairs' in proc.stdout
    assert (out / 'train.txt').read_text().split() == TRAIN
    assert (out / 'val.txt').read_text().split() == VAL
    assert not (out / 'test.txt').exists()
    for split, stems in (('train', TRAIN), ('val', VAL)):
        for stem in stems:
            png = np.asarray(Image.open(camvid / split / f'{stem}.png'))
            jpg = np.asarray(Image.open(out / 'images' / split / f'{stem}.jpg'))
            assert jpg.shape == png.shape == (360, 480, 3)
            assert np.abs(jpg.astype(int) - png).mean() < 3  # JPEG quality 95
            assert (out / 'labels' / split / f'{stem}.png').read_bytes() == (
                camvid / f'{split}annot' / f'{stem}.png'
            ).read_bytes()
    train, val = build('train', out), build('val', out)
    assert (len(train), len(val)) == (2, 1)
    gt = val[0]['data_samples'].gt_sem_seg.data[0].numpy()
    label = np.asarray(Image.open(camvid / 'valannot' / f'{VAL[0]}.png'))
    np.testing.assert_array_equal(gt, np.where(label == 11, 255, label))


def test_png_images_are_linked_and_load_with_png_suffix(tmp_path: Path) -> None:
    camvid = segnet_folder(tmp_path, {'train': TRAIN[:1], 'val': VAL, 'test': VAL})
    out = tmp_path / 'out'
    done, problems = camvid_converter.convert(str(camvid), str(out), img_format='png', link=True)
    assert done == {'train': 1, 'val': 1, 'test': 1} and problems == []
    img = out / 'images' / 'test' / f'{VAL[0]}.png'
    assert img.is_symlink() and img.resolve() == (camvid / 'test' / img.name).resolve()
    assert (out / 'labels' / 'train' / f'{TRAIN[0]}.png').is_symlink()
    with pytest.raises(DatasetCheckError, match=f'{VAL[0]}.jpg'):  # the configs' suffix
        build('val', out)
    val = build('val', out, img_suffix='.png')
    assert val[0]['inputs'].shape[-2:] == (360, 480)


def test_problems_are_named_and_the_rest_converted(tmp_path: Path) -> None:
    camvid = segnet_folder(tmp_path, {'train': TRAIN, 'val': VAL})
    (camvid / 'trainannot' / f'{TRAIN[1]}.png').unlink()  # image without label
    shutil.copy(
        camvid / 'valannot' / f'{VAL[0]}.png',  # label without image
        camvid / 'valannot' / 'orphan.png',
    )
    colour = np.asarray(Image.open(camvid / 'valannot' / f'{VAL[0]}.png'))
    Image.fromarray(np.stack([colour * 20] * 3, -1)).save(  # a colour label
        camvid / 'valannot' / f'{VAL[0]}.png'
    )
    out = tmp_path / 'out'
    proc = run_tool_here([PY, CONVERTER, str(camvid), '-o', str(out)])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert 'converted 1 train, 0 val image/label pairs' in proc.stdout
    assert f'trainannot/{TRAIN[1]}.png: label file not found' in proc.stdout
    assert 'valannot/orphan.png: label without an image' in proc.stdout
    assert f'valannot/{VAL[0]}.png: shape (360, 480, 3)' in proc.stdout
    assert f'{camvid / "test"}: folder not found' in proc.stdout
    assert (out / 'train.txt').read_text().split() == TRAIN[:1]
    assert sorted(p.name for p in (out / 'labels' / 'train').iterdir()) == [f'{TRAIN[0]}.png']
    assert (out / 'val.txt').read_text() == ''


def test_wrong_folder_is_refused_with_a_hint(tmp_path: Path) -> None:
    segnet_folder(tmp_path, {'val': VAL})
    proc = run_tool_here([PY, CONVERTER, str(tmp_path), '-o', str(tmp_path / 'out')])
    assert proc.returncode == 2
    assert f'did you mean {tmp_path / "CamVid"}?' in proc.stderr
    assert not (tmp_path / 'out').exists()
    with pytest.raises(ValueError, match="img_format='gif'"):
        camvid_converter.convert(str(tmp_path / 'CamVid'), str(tmp_path / 'o'), img_format='gif')
