"""Bad input stops with a message naming the file or option and the problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from mmseg.registry import DATASETS
from PIL import Image

import segplug  # noqa: F401
from segplug.datasets import DatasetCheckError, check_dataset, check_dataset_cfg
from tests.helpers import PY, TRAIN, dump_cfg, run_tool, tiny_cfg

STEMS = ['0001TP_006690', '0001TP_006780', '0001TP_006870']


@pytest.fixture
def camvid_copy(tmp_path: Path, demo_data: Path) -> Path:
    """Three real CamVid frames in the native layout, free to be damaged."""
    root = tmp_path / 'camvid'
    for sub in ('images/train', 'labels/train'):
        (root / sub).mkdir(parents=True)
    for s in STEMS:
        shutil.copy(demo_data / 'images/train' / f'{s}.jpg', root / 'images/train')
        shutil.copy(demo_data / 'labels/train' / f'{s}.png', root / 'labels/train')
    (root / 'train.txt').write_text('\n'.join(STEMS) + '\n')
    shutil.copytree(demo_data / 'images/val', root / 'images/val')
    shutil.copytree(demo_data / 'labels/val', root / 'labels/val')
    shutil.copy(demo_data / 'val.txt', root / 'val.txt')
    return root


def dataset_cfg(root: Path) -> dict:
    return dict(
        type='CamVidDataset',
        data_root=str(root),
        ann_file='train.txt',
        data_prefix=dict(img_path='images/train', seg_map_path='labels/train'),
        pipeline=[],
    )


def check(root: Path) -> None:
    check_dataset_cfg(dataset_cfg(root))
    check_dataset(DATASETS.build(dataset_cfg(root)), 'train_dataloader.dataset')


def test_clean_real_data_passes(camvid_copy: Path) -> None:
    label = np.asarray(Image.open(camvid_copy / 'labels/train' / f'{STEMS[0]}.png'))
    assert (label == 11).any(), 'the frame should contain Unlabelled pixels (mapped to 255)'
    check(camvid_copy)


def test_truncated_image(camvid_copy: Path) -> None:
    path = camvid_copy / 'images/train' / f'{STEMS[1]}.jpg'
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DatasetCheckError, match=f'{STEMS[1]}.jpg: image cannot be decoded'):
        check(camvid_copy)


def test_garbage_image(camvid_copy: Path) -> None:
    path = camvid_copy / 'images/train' / f'{STEMS[0]}.jpg'
    path.write_bytes(b'not an image at all')
    with pytest.raises(DatasetCheckError, match=f'{STEMS[0]}.jpg: image cannot be decoded'):
        check(camvid_copy)


def test_missing_label(camvid_copy: Path) -> None:
    (camvid_copy / 'labels/train' / f'{STEMS[2]}.png').unlink()
    with pytest.raises(DatasetCheckError, match=f'{STEMS[2]}.png: label file not found'):
        check(camvid_copy)


def test_label_values_out_of_range(camvid_copy: Path) -> None:
    path = camvid_copy / 'labels/train' / f'{STEMS[0]}.png'
    label = np.array(Image.open(path))
    label[:5, :5] = 20
    label[10:12, :5] = 255  # the ignore index itself is allowed
    Image.fromarray(label).save(path)
    with pytest.raises(DatasetCheckError) as err:
        check(camvid_copy)
    msg = str(err.value)
    assert f'{STEMS[0]}.png: label values [20] are outside [0, 11)' in msg
    assert '1 problem(s)' in msg


def test_size_mismatch(camvid_copy: Path) -> None:
    path = camvid_copy / 'labels/train' / f'{STEMS[1]}.png'
    Image.open(path).resize((240, 180), Image.NEAREST).save(path)
    with pytest.raises(
        DatasetCheckError, match='label size 240x180 differs from image size 480x360'
    ):
        check(camvid_copy)


def test_rgb_label(camvid_copy: Path) -> None:
    path = camvid_copy / 'labels/train' / f'{STEMS[1]}.png'
    Image.open(path).convert('RGB').save(path)
    with pytest.raises(DatasetCheckError, match=r'shape \(360, 480, 3\)'):
        check(camvid_copy)


def test_empty_split_file(camvid_copy: Path) -> None:
    (camvid_copy / 'train.txt').write_text('\n\n')
    with pytest.raises(DatasetCheckError, match='ann_file=.*split file is empty'):
        check(camvid_copy)


def test_wrong_data_root(tmp_path: Path) -> None:
    with pytest.raises(DatasetCheckError, match="data_root='.*nowhere'.* is not a directory"):
        check(tmp_path / 'nowhere')


def test_missing_image_folder(camvid_copy: Path) -> None:
    shutil.rmtree(camvid_copy / 'images')
    with pytest.raises(DatasetCheckError, match='data_prefix.img_path=.*folder not found'):
        check_dataset_cfg(dataset_cfg(camvid_copy))


def test_all_problems_listed(camvid_copy: Path) -> None:
    (camvid_copy / 'labels/train' / f'{STEMS[0]}.png').unlink()
    (camvid_copy / 'images/train' / f'{STEMS[1]}.jpg').write_bytes(b'')
    with pytest.raises(DatasetCheckError) as err:
        check(camvid_copy)
    assert len(err.value.problems) == 2


def test_ranks_share_the_files_and_find_every_problem(
    camvid_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under DDP each of n ranks reads its own n-th of the files (not all of them), and
    together they report exactly what one process finds."""
    import segplug.datasets.checks as checks

    (camvid_copy / 'labels/train' / f'{STEMS[0]}.png').unlink()
    (camvid_copy / 'images/train' / f'{STEMS[1]}.jpg').write_bytes(b'')
    dataset = DATASETS.build(dataset_cfg(camvid_copy))
    opened: list[str] = []
    real = checks._check_sample
    monkeypatch.setattr(
        checks, '_check_sample', lambda info, *a: opened.append(info['img_path']) or real(info, *a)
    )
    whole = sorted(map(str, checks.dataset_problems(dataset, 'd')))
    assert len(whole) == 2 and len(opened) == 3
    opened.clear()
    shards = [checks.dataset_problems(dataset, 'd', shard=(i, 2)) for i in range(2)]
    assert sorted(map(str, shards[0] + shards[1])) == whole
    assert len(opened) == 3 and len(set(opened)) == 3  # each file read once between them
    with pytest.raises(ValueError, match='shard'):
        checks.dataset_problems(dataset, 'd', shard=(2, 2))


@pytest.mark.slow  # tools/train.py in a subprocess; check() itself is tested above
def test_train_tool_stops_before_training(tmp_path: Path, camvid_copy: Path) -> None:
    """End to end: tools/train.py refuses a damaged dataset before the first iteration."""
    path = camvid_copy / 'images/train' / f'{STEMS[1]}.jpg'
    path.write_bytes(path.read_bytes()[:5000])
    cfg = tiny_cfg(tmp_path / 'work', n_train=3, data_root=camvid_copy)
    proc = run_tool([PY, TRAIN, dump_cfg(cfg, tmp_path / 'cfg.py')], check=False)
    assert proc.returncode != 0
    assert f'{STEMS[1]}.jpg: image cannot be decoded' in proc.stderr
    assert 'Iter(train)' not in proc.stdout + proc.stderr


@pytest.mark.slow  # tools/train.py in a subprocess; check() itself is tested above
def test_num_classes_mismatch(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path / 'work')
    proc = run_tool(
        [
            PY,
            TRAIN,
            dump_cfg(cfg, tmp_path / 'cfg.py'),
            '--cfg-options',
            'model.decode_head.num_classes=19',
        ],
        check=False,
    )
    assert proc.returncode != 0
    assert (
        'model.decode_head.num_classes = 19, but train_dataloader.dataset '
        '(CamVidDataset) has 11 classes' in proc.stderr
    )
    assert 'Iter(train)' not in proc.stdout + proc.stderr


@pytest.mark.slow  # tools/train.py in a subprocess; check() itself is tested above
def test_wrong_data_root_in_tool(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path / 'work')
    proc = run_tool(
        [
            PY,
            TRAIN,
            dump_cfg(cfg, tmp_path / 'cfg.py'),
            '--cfg-options',
            'train_dataloader.dataset.data_root=/no/such/camvid',
        ],
        check=False,
    )
    assert proc.returncode != 0
    assert "train_dataloader.dataset.data_root='/no/such/camvid'" in proc.stderr
