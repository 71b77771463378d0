"""NYU-Depth-v2 40-class converter, on the official file formats built around the real NYU frame.

``make_nyu_release`` writes the labelled file as MATLAB v7.3 does (HDF5, transposed arrays);
its image is the real NYU frame of MMSegmentation's sample, its raw labels are not NYU's
(see there). What is checked: orientation of images and labels, the 894 -> 40 mapping
against a per-pixel dictionary lookup, the split, ``labels40.mat`` input, and that every
malformed input is refused, naming the file, before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from PIL import Image
from scipy.io import savemat

from segplug.datasets.converters import nyu_depth_v2 as nyu_converter
from segplug.datasets.nyu import NYU40_CLASSES, NYULabeledMat, load_nyu40_lut, load_nyu_splits
from tests.helpers import PY, REPO, make_nyu_release, run_tool_here

CONVERTER = 'tools/dataset_converters/nyu_depth_v2.py'


@pytest.fixture
def release(test_data: Path, tmp_path: Path) -> dict:
    return make_nyu_release(test_data, tmp_path / 'release')


def _reference_40(raw: np.ndarray, map_class: np.ndarray) -> np.ndarray:
    """The 40-class labels, pixel by pixel from a dict: 0 stays unlabelled."""
    table = {r: int(map_class[r - 1]) for r in range(1, len(map_class) + 1)}
    return np.array([[0 if v == 0 else table[int(v)] for v in row] for row in raw], np.uint8)


def test_converter_cli_writes_the_mmseg_layout(release: dict, tmp_path: Path) -> None:
    out = tmp_path / 'nyu'
    proc = run_tool_here(
        [
            PY,
            CONVERTER,
            str(release['labeled']),
            str(release['splits']),
            str(out),
            '--mapping',
            str(release['mapping']),
        ]
    )
    assert 'converted 2 train and 1 test frames' in proc.stdout
    for frame, split in ((1, 'train'), (2, 'train'), (3, 'test')):
        img = np.asarray(Image.open(out / 'images' / split / f'{frame:04d}.jpg'))
        ann = np.asarray(Image.open(out / 'annotations' / split / f'{frame:04d}.png'))
        want = release['images'][..., frame - 1]
        assert img.shape == want.shape == (120, 160, 3)  # not transposed
        assert np.abs(img.astype(int) - want).mean() < 3  # JPEG quality 95
        assert ann.dtype == np.uint8
        np.testing.assert_array_equal(
            ann, _reference_40(release['labels'][..., frame - 1], release['map_class'])
        )
    assert sorted(p.name for p in (out / 'images' / 'test').iterdir()) == ['0003.jpg']
    # the sample's depth spreads over many raw classes, and some pixels have none
    ann = np.asarray(Image.open(out / 'annotations' / 'train' / '0001.png'))
    assert (ann == 0).any() and len(np.unique(ann)) > 20


def test_images_come_out_upright(release: dict, test_data: Path, tmp_path: Path) -> None:
    """Frame 1 is the real NYU frame itself: compare with the file it was read from."""
    with NYULabeledMat(release['labeled']) as reader:
        assert (reader.num_frames, reader.size, reader.num_raw_classes) == (3, (120, 160), 894)
        real = Image.open(test_data / 'pseudo_nyu_dataset' / 'images' / 'bookstore_0001d_00001.jpg')
        np.testing.assert_array_equal(reader.image(0), np.asarray(real))
        np.testing.assert_array_equal(reader.image(1), np.asarray(real)[:, ::-1])


def test_labels40_input_gives_the_same_labels(release: dict, tmp_path: Path) -> None:
    lut = load_nyu40_lut(release['mapping'])
    labels40 = tmp_path / 'labels40.mat'
    savemat(labels40, {'labels40': lut[release['labels']]})  # (H, W, N), v5 like Gupta's
    a, b = tmp_path / 'a', tmp_path / 'b'
    nyu_converter.convert(
        str(release['labeled']), str(release['splits']), str(a), mapping=str(release['mapping'])
    )
    done, problems, skipped = nyu_converter.convert(
        str(release['labeled']), str(release['splits']), str(b), labels40=str(labels40)
    )
    assert done == {'train': 2, 'test': 1} and problems == [] and skipped == 0
    for p in (a / 'annotations').rglob('*.png'):
        np.testing.assert_array_equal(
            np.asarray(Image.open(p)), np.asarray(Image.open(b / p.relative_to(a)))
        )


def test_frame_outside_the_mapping_is_skipped_and_reported(release: dict, tmp_path: Path) -> None:
    with h5py.File(release['labeled'], 'r+') as f:
        f['labels'][1, 5, 7] = 900  # frame 2: a raw id beyond the 894 classes
    out = tmp_path / 'nyu'
    proc = run_tool_here(
        [
            PY,
            CONVERTER,
            str(release['labeled']),
            str(release['splits']),
            str(out),
            '--mapping',
            str(release['mapping']),
        ],
    )
    assert proc.returncode == 1
    assert 'frame 2 has raw class ids [900]' in proc.stdout
    assert sorted(p.name for p in (out / 'annotations' / 'train').iterdir()) == ['0001.png']
    assert (out / 'annotations' / 'test' / '0003.png').is_file()


def test_frames_in_neither_split_are_reported(test_data: Path, tmp_path: Path) -> None:
    rel = make_nyu_release(test_data, tmp_path / 'r', train=(1,), test=(3,))
    done, problems, skipped = nyu_converter.convert(
        str(rel['labeled']), str(rel['splits']), str(tmp_path / 'o'), mapping=str(rel['mapping'])
    )
    assert done == {'train': 1, 'test': 1} and skipped == 0
    assert len(problems) == 1 and '1 frames are in neither split' in problems[0]


@pytest.mark.parametrize(
    'case, message',
    [
        ('overlap', 'are in both trainNdxs and testNdxs'),
        ('out_of_range', "outside the labelled file's frames 1..3"),
        ('short_mapping', 'the mapping has 13 entries but the labelled file has 894'),
        ('mapping_values', 'mapping values must be integers in 0..40'),
        ('no_mapping_key', "has no variable 'mapClass' or 'mapping'"),
        ('not_v73', 'not a MATLAB v7.3 (HDF5) file'),
        ('no_labels', "has no ['labels']"),
        ('labels40_shape', 'labels40 has shape (120, 160, 2), expected (120, 160, 3)'),
    ],
)
def test_bad_input_is_refused_before_writing(
    release: dict, tmp_path: Path, case: str, message: str
) -> None:
    args = dict(
        labeled=release['labeled'],
        splits=release['splits'],
        mapping=release['mapping'],
        labels40=None,
    )
    bad = tmp_path / f'{case}.mat'
    if case == 'overlap':
        savemat(bad, {'trainNdxs': [[1], [2]], 'testNdxs': [[2], [3]]})
        args['splits'] = bad
    elif case == 'out_of_range':
        savemat(bad, {'trainNdxs': [[1], [4]], 'testNdxs': [[3]]})
        args['splits'] = bad
    elif case == 'short_mapping':
        savemat(bad, {'mapClass': np.arange(1, 14, dtype=float)[None]})
        args['mapping'] = bad
    elif case == 'mapping_values':
        savemat(bad, {'mapClass': np.full((1, 894), 41.0)})
        args['mapping'] = bad
    elif case == 'no_mapping_key':
        savemat(bad, {'classMapping13': np.ones((1, 894))})
        args['mapping'] = bad
    elif case == 'not_v73':
        args['labeled'] = release['splits']
    elif case == 'no_labels':
        with h5py.File(release['labeled'], 'r+') as f:
            del f['labels']
    elif case == 'labels40_shape':
        savemat(bad, {'labels40': np.zeros((120, 160, 2), np.uint8)})
        args.update(mapping=None, labels40=bad)
    out = tmp_path / 'out'
    with pytest.raises((FileNotFoundError, ValueError)) as raised:
        nyu_converter.convert(
            str(args['labeled']),
            str(args['splits']),
            str(out),
            None if args['labels40'] else str(args['mapping']),
            None if args['labels40'] is None else str(args['labels40']),
        )
    err = str(raised.value)
    assert message in err
    named = bad if case not in ('not_v73', 'no_labels') else args['labeled']
    assert str(named) in err  # the error names the file
    assert not out.exists()  # nothing written


def test_split_and_mapping_readers(release: dict) -> None:
    split = load_nyu_splits(release['splits'], 3)
    assert split['train'].tolist() == [0, 1] and split['test'].tolist() == [2]
    lut = load_nyu40_lut(release['mapping'], 894)
    assert lut.shape == (895,) and lut[0] == 0
    assert lut[1] == 8 and lut[6] == 3 and lut[894] == 894 * 7 % 40 + 1  # r * 7 mod 40 + 1


def test_class_order_matches_the_dataset_config(tmp_path: Path) -> None:
    """Output id k (1..40) must be the dataset's class k - 1 (reduce_zero_label drops 0):
    Gupta et al.'s order, wall = 1, ..., otherprop = 40."""
    from mmengine.config import Config
    from mmseg.registry import DATASETS
    from mmseg.utils import register_all_modules

    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(str(REPO / 'configs' / '_base_' / 'datasets' / 'nyu_depth_v2.py'))
    for split in ('train', 'test'):
        (tmp_path / 'images' / split).mkdir(parents=True)
        (tmp_path / 'annotations' / split).mkdir(parents=True)
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        ds = DATASETS.build(dict(loader.dataset, data_root=str(tmp_path), lazy_init=True))
        assert ds.metainfo['classes'] == NYU40_CLASSES and ds.reduce_zero_label
    assert len(NYU40_CLASSES) == 40
    assert NYU40_CLASSES[:3] == ('wall', 'floor', 'cabinet')
    assert NYU40_CLASSES[-3:] == ('otherstructure', 'otherfurniture', 'otherprop')
