"""Data checks at the exact boundary values: the last valid class id and the first invalid
one, the configured ignore index, reduce_zero_label and label_map as LoadAnnotations applies
them, a size off by one pixel, the 20th and 21st listed problem."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from segplug.datasets import DatasetCheckError, check_dataset, check_dataset_cfg


class FakeDataset:
    """What check_dataset reads from an MMSegmentation dataset (lazily initialised, as
    ``lazy_init=True`` leaves one: no samples before ``full_init``)."""

    def __init__(
        self,
        infos: list[dict],
        classes=('a', 'b', 'c'),
        ignore_index: int = 255,
        label_maps: bool = True,
    ) -> None:
        self.infos, self._all = [], infos
        self.metainfo = dict(classes=classes)
        self.ignore_index, self.label_maps, self.data_root = ignore_index, label_maps, 'root'

    def full_init(self) -> None:
        self.infos = self._all

    def __len__(self) -> int:
        return len(self.infos)

    def get_data_info(self, i: int) -> dict:
        return self.infos[i]


def pair(
    tmp_path: Path, values, name: str = 's', size=(4, 3), label_size=None, dtype=np.uint8, **info
) -> dict:
    """An image of ``size`` (W, H) and a label holding ``values`` (then zeros)."""
    w, h = size
    img = tmp_path / f'{name}.png'
    Image.fromarray(np.zeros((h, w, 3), np.uint8)).save(img)
    lw, lh = label_size or size
    label = np.zeros(lh * lw, dtype)
    label[: len(values)] = values
    seg = tmp_path / f'{name}_label.png'
    Image.fromarray(label.reshape(lh, lw)).save(seg)
    return dict(img_path=str(img), seg_map_path=str(seg), **info)


def problems(dataset) -> list[str]:
    try:
        check_dataset(dataset, num_workers=1)
    except DatasetCheckError as err:
        return [p.problem for p in err.problems]
    return []


@pytest.mark.parametrize(
    'values, ignore_index, bad',
    [
        ([0, 2, 255], 255, None),  # the last class and the ignore index pass
        ([3], 255, [3]),  # the first id past the classes
        ([2, 7], 7, None),  # a configured ignore index other than 255
        ([255], 7, [255]),  # ... then 255 is out of range
    ],
)
def test_label_values_at_the_boundary(tmp_path: Path, values, ignore_index, bad) -> None:
    found = problems(FakeDataset([pair(tmp_path, values)], ignore_index=ignore_index))
    if bad is None:
        assert found == []
    else:
        assert found == [
            f'label values {bad} are outside [0, 3) and are not the ignore index {ignore_index}'
        ]


@pytest.mark.parametrize(
    'values, bad',
    [
        ([0, 1, 3, 255], None),  # 0 -> 255 (ignore), 1 -> 0, 3 -> 2, 255 -> 254 -> 255
        ([4], [4]),  # -> 3, one past the classes
    ],
)
def test_reduce_zero_label_is_applied_first(tmp_path: Path, values, bad) -> None:
    found = problems(FakeDataset([pair(tmp_path, values, reduce_zero_label=True)]))
    assert found == (
        []
        if bad is None
        else [f'label values {bad} are outside [0, 3) and are not the ignore index 255']
    )


def test_label_map_to_a_negative_id_is_out_of_range(tmp_path: Path) -> None:
    info = pair(tmp_path, [1, 2], label_map={1: -1})
    assert problems(FakeDataset([info])) == [
        'label values [1] are outside [0, 3) and are not the ignore index 255'
    ]


def test_undecodable_label(tmp_path: Path) -> None:
    info = pair(tmp_path, [0])
    Path(info['seg_map_path']).write_bytes(b'not a png')
    found = problems(FakeDataset([info]))
    assert len(found) == 1 and found[0].startswith('label map cannot be decoded (')


def test_label_map_maps_original_values_once(tmp_path: Path) -> None:
    # 5 -> 1 is valid; 1 -> 5 is not: a chained mapping (1 -> 5 -> 1) would hide it
    info = pair(tmp_path, [5, 1], label_map={5: 1, 1: 5})
    assert problems(FakeDataset([info])) == [
        'label values [1] are outside [0, 3) and are not the ignore index 255'
    ]
    assert problems(FakeDataset([pair(tmp_path, [5, 2], 'ok', label_map={5: 1})])) == []


@pytest.mark.parametrize('label_size', [(5, 3), (4, 2)])
def test_size_off_by_one_pixel(tmp_path: Path, label_size) -> None:
    found = problems(FakeDataset([pair(tmp_path, [0], label_size=label_size)]))
    assert found == [
        f'label size {label_size[0]}x{label_size[1]} differs from image size 4x3 ({tmp_path}/s.png)'
    ]


@pytest.mark.parametrize('top, bad', [(255, False), (256, True)])
def test_sixteen_bit_labels_past_255(tmp_path: Path, top: int, bad: bool) -> None:
    found = problems(
        FakeDataset(
            [pair(tmp_path, [0, top], dtype=np.uint16)],
            classes=tuple(str(i) for i in range(300)),
            ignore_index=255,
        )
    )
    assert found == (
        [f'label values up to {top}; MMSegmentation loads labels as uint8 (0..255)'] if bad else []
    )


def test_datasets_without_label_maps_check_images_only(tmp_path: Path) -> None:
    info = pair(tmp_path, [9])
    assert problems(FakeDataset([info], label_maps=False)) == []
    assert len(problems(FakeDataset([info]))) == 1


@pytest.mark.parametrize('n, more', [(20, None), (21, '  ... and 1 more')])
def test_twenty_problems_listed_then_a_count(tmp_path: Path, n: int, more) -> None:
    infos = [dict(img_path=str(tmp_path / f'missing{i:02d}.png')) for i in range(n)]
    with pytest.raises(DatasetCheckError) as err:
        check_dataset(FakeDataset(infos), name='train', num_workers=1)
    lines = str(err.value).splitlines()
    assert lines[0] == f'train: {n} problem(s) found before training started:'
    assert lines[1] == f'  - {tmp_path}/missing00.png: image file not found'
    assert len(err.value.problems) == n
    assert len(lines) == 1 + 20 + (more is not None)
    last = more or f'  - {tmp_path}/missing19.png: image file not found'
    assert lines[-1] == last


def test_empty_dataset_is_a_problem() -> None:
    with pytest.raises(DatasetCheckError, match='has no samples'):
        check_dataset(FakeDataset([]), num_workers=1)


def test_split_file_of_blank_lines_is_empty(tmp_path: Path) -> None:
    (tmp_path / 'img').mkdir()
    (tmp_path / 'blank.txt').write_text('\n   \n')
    (tmp_path / 'one.txt').write_text('\nname\n')
    cfg = dict(data_root=str(tmp_path), data_prefix=dict(img_path='img'))
    check_dataset_cfg({**cfg, 'ann_file': 'one.txt'})
    with pytest.raises(DatasetCheckError, match=r"ann_file='.*blank\.txt'.*split file is empty"):
        check_dataset_cfg({**cfg, 'ann_file': 'blank.txt'})


def test_wrapped_configs_name_their_position(tmp_path: Path) -> None:
    good = dict(data_root=str(tmp_path))
    bad = dict(data_root=str(tmp_path / 'nope'))
    cfg = dict(type='ConcatDataset', datasets=[good, dict(type='RepeatDataset', dataset=bad)])
    with pytest.raises(DatasetCheckError) as err:
        check_dataset_cfg(cfg, 'train_dataloader.dataset')
    assert [p.path for p in err.value.problems] == [
        f'train_dataloader.dataset.datasets[1].dataset.data_root={str(tmp_path / "nope")!r}'
    ]


def test_missing_split_file_names_the_option(tmp_path: Path) -> None:
    with pytest.raises(DatasetCheckError) as err:
        check_dataset_cfg(dict(data_root=str(tmp_path), ann_file='nope.txt'), 'val')
    assert [(p.path, p.problem) for p in err.value.problems] == [
        (f'val.ann_file={str(tmp_path / "nope.txt")!r}', 'split file not found')
    ]


def test_remote_paths_are_not_checked() -> None:
    check_dataset_cfg(
        dict(
            data_root='s3://bucket/x',
            ann_file='s3://bucket/x/a.txt',
            data_prefix=dict(img_path='s3://bucket/img'),
        )
    )
