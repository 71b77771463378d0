"""Mapillary v1.2 -> Cityscapes train ids (SeeThroughNet Table 4) on the real Mapillary sample."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from segplug.datasets.mapillary import MAPILLARY_V12_CLASSES, mapillary_to_cityscapes_lut
from tests.helpers import PY, run_tool_here

CONVERTER = 'tools/dataset_converters/mapillary2cityscapes.py'
STEM = '__CRyFzoDOXn6unQ6a3DnQ'


def test_lut_follows_table4() -> None:
    lut = mapillary_to_cityscapes_lut()
    by_name = {name: int(lut[i]) for i, name in enumerate(MAPILLARY_V12_CLASSES)}
    # a few rows of Table 4 written out by hand
    assert by_name['Road'] == by_name['Lane Marking - General'] == by_name['Bike Lane'] == 0
    assert by_name['Curb'] == by_name['Curb Cut'] == by_name['Sidewalk'] == 1
    assert by_name['Guard Rail'] == by_name['Barrier'] == 4
    assert by_name['Traffic Sign Frame'] == by_name['Utility Pole'] == 5
    assert by_name['Traffic Sign (Front)'] == 7 and by_name['Traffic Sign (Back)'] == 255
    assert by_name['Motorcyclist'] == by_name['Other Rider'] == 12
    assert by_name['Other Vehicle'] == by_name['Car'] == 13
    assert by_name['On Rails'] == 255  # train: "N/A" in Table 4
    assert by_name['Street Light'] == by_name['Unlabeled'] == by_name['Bird'] == 255
    # 33 Mapillary classes are named in Table 4; train id 16 receives none
    assert int((lut[:66] != 255).sum()) == 33
    assert sorted(set(lut[:66].tolist()) - {255}) == [i for i in range(19) if i != 16]


def test_converter_on_the_real_sample(test_data: Path, tmp_path: Path) -> None:
    root = test_data / 'pseudo_mapillary_dataset'
    run_tool_here([PY, CONVERTER, str(root), str(tmp_path / 'out'), '--splits', '.'])
    raw = np.asarray(Image.open(root / 'v1.2' / f'{STEM}.png'))
    out = np.asarray(Image.open(tmp_path / 'out' / 'ann_dir' / 'train' / f'{STEM}.png'))
    # the sample holds Building (17), Street Light (44) and Pole (45)
    assert sorted(np.unique(raw).tolist()) == [17, 44, 45]
    expected = np.select([raw == 17, raw == 45], [2, 5], 255)
    np.testing.assert_array_equal(out, expected)
    assert (tmp_path / 'out' / 'img_dir' / 'train' / f'{STEM}.jpg').is_file()


def test_converter_reports_what_it_cannot_convert(test_data: Path, tmp_path: Path) -> None:
    src = test_data / 'pseudo_mapillary_dataset'
    root = tmp_path / 'mapillary' / 'training'
    (root / 'images').mkdir(parents=True)
    (root / 'v1.2' / 'labels').mkdir(parents=True)
    img = src / 'images' / f'{STEM}.jpg'
    shutil.copy(img, root / 'images' / 'good.jpg')
    shutil.copy(src / 'v1.2' / f'{STEM}.png', root / 'v1.2' / 'labels' / 'good.png')
    shutil.copy(img, root / 'images' / 'v2.jpg')  # a v2.0 label passed as v1.2
    shutil.copy(src / 'v2.0' / f'{STEM}.png', root / 'v1.2' / 'labels' / 'v2.png')
    shutil.copy(img, root / 'images' / 'nolabel.jpg')
    shutil.copy(img, root / 'images' / 'small.jpg')
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(root / 'v1.2' / 'labels' / 'small.png')
    proc = run_tool_here(
        [PY, CONVERTER, str(tmp_path / 'mapillary'), str(tmp_path / 'out'), '--splits', 'training'],
    )
    assert proc.returncode == 1
    assert 'converted 1 image/label pairs' in proc.stdout
    assert 'v2.png: class id 85 is not a v1.2 id' in proc.stdout
    assert 'nolabel.png: label file not found' in proc.stdout
    assert 'small.png: size 10x10 differs from image (100, 100)' in proc.stdout
    assert sorted(p.name for p in (tmp_path / 'out' / 'ann_dir' / 'train').iterdir()) == [
        'good.png'
    ]
