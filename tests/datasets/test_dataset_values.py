"""Dataset definitions by value: CamVid's classes and colours as the SegNet release defines
them, Unlabelled -> 255; BSDS500 annotations read annotator by annotator, with the region
label boundaries (id 0, id 1, the last kept id and the first dropped one)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.io as sio

from segplug.datasets import (
    BSDS500Dataset,
    BSDSRegionLabels,
    CamVidDataset,
    LoadBSDSAnnotations,
    load_bsds_groundtruth,
)

# the SegNet tutorial's CamVid colours (Brostow et al.), in class order
CAMVID = {
    'Sky': [128, 128, 128],
    'Building': [128, 0, 0],
    'Pole': [192, 192, 128],
    'Road': [128, 64, 128],
    'Pavement': [60, 40, 222],
    'Tree': [128, 128, 0],
    'SignSymbol': [192, 128, 128],
    'Fence': [64, 64, 128],
    'Car': [64, 0, 128],
    'Pedestrian': [64, 64, 0],
    'Bicyclist': [0, 128, 192],
}


def test_camvid_classes_and_palette() -> None:
    meta = CamVidDataset.METAINFO
    assert list(meta['classes']) == list(CAMVID)
    assert [list(c) for c in meta['palette']] == list(CAMVID.values())


@pytest.mark.parametrize(
    'subset, expected',
    [
        (None, {11: 255}),
        (('Sky', 'Road'), {**{i: 255 for i in range(12)}, 0: 0, 3: 1}),
    ],
)
def test_camvid_label_map_sends_unlabelled_to_255(subset, expected) -> None:
    assert CamVidDataset.get_label_map(subset) == expected


def test_bsds500_metainfo() -> None:
    assert BSDS500Dataset.METAINFO == dict(
        classes=('background', 'boundary'), palette=[[0, 0, 0], [255, 255, 255]]
    )
    assert BSDS500Dataset.label_maps is False


def write_mat(path: Path, segs: list[np.ndarray], bounds: list[np.ndarray]) -> str:
    cell = np.empty((1, len(segs)), dtype=object)
    for k, (seg, bound) in enumerate(zip(segs, bounds)):
        entry = np.empty((1, 1), dtype=[('Segmentation', object), ('Boundaries', object)])
        entry[0, 0] = (seg.astype(np.uint16), bound.astype(np.uint8))
        cell[0, k] = entry
    sio.savemat(str(path), {'groundTruth': cell})
    return str(path)


@pytest.fixture
def three_annotators(tmp_path: Path) -> tuple[str, list, list]:
    rng = np.random.default_rng(0)
    segs = [rng.integers(1, 60, (4, 5)) for _ in range(3)]
    bounds = [rng.integers(0, 2, (4, 5)) for _ in range(3)]
    return write_mat(tmp_path / 'gt.mat', segs, bounds), segs, bounds


def test_groundtruth_keeps_every_annotator_in_order(three_annotators) -> None:
    path, segs, bounds = three_annotators
    got_segs, got_bounds = load_bsds_groundtruth(path)
    np.testing.assert_array_equal(got_segs, np.stack(segs))
    np.testing.assert_array_equal(got_bounds, np.stack(bounds))
    assert got_segs.dtype == np.int32 and got_bounds.dtype == np.uint8


def test_groundtruth_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match='BSDS500 ground truth not found: .*no.mat'):
        load_bsds_groundtruth(str(tmp_path / 'no.mat'))


@pytest.mark.parametrize('annotator', [None, 0, 2, -3])
def test_load_annotations_boundary_map(three_annotators, annotator) -> None:
    path, _, bounds = three_annotators
    out = LoadBSDSAnnotations(annotator).transform(dict(seg_map_path=path))
    expected = np.max(bounds, 0) if annotator is None else bounds[annotator]
    np.testing.assert_array_equal(out['gt_seg_map'], expected)
    assert out['seg_fields'] == ['gt_seg_map'] and out['gt_segmentations'].shape == (3, 4, 5)


@pytest.mark.parametrize('annotator', [3, -4])
def test_load_annotations_refuses_a_missing_annotator(three_annotators, annotator) -> None:
    path, _, _ = three_annotators
    with pytest.raises(ValueError, match=f'annotator={annotator}: .* has 3 annotators'):
        LoadBSDSAnnotations(annotator).transform(dict(seg_map_path=path))


def test_region_labels_at_the_boundaries() -> None:
    ids = np.array([[0, 1, 2], [49, 50, 51]])  # 0: no region; 50 kept (label 49), 51 not
    segs = np.stack([ids, ids + 1])
    out = BSDSRegionLabels(annotator=0).transform(dict(gt_segmentations=segs))
    np.testing.assert_array_equal(out['gt_seg_map'], [[255, 0, 1], [48, 49, 255]])
    assert out['gt_seg_map'].dtype == np.uint8
    out = BSDSRegionLabels(annotator=1, num_labels=3, ignore_index=7).transform(
        dict(gt_segmentations=segs)
    )
    np.testing.assert_array_equal(out['gt_seg_map'], [[0, 1, 2], [7, 7, 7]])


def test_region_labels_default_is_the_references_50() -> None:
    t = BSDSRegionLabels()
    assert (t.annotator, t.num_labels, t.ignore_index) == (None, 50, 255)
    segs = np.stack([np.full((2, 2), k + 1) for k in range(4)])
    seen = {int(t.transform(dict(gt_segmentations=segs))['gt_seg_map'][0, 0]) for _ in range(60)}
    assert seen == {0, 1, 2, 3}  # a random annotator per sample


def test_mapillary_lut_covers_every_uint8_id() -> None:
    from segplug.datasets import mapillary_to_cityscapes_lut

    lut = mapillary_to_cityscapes_lut()
    assert lut.shape == (256,) and lut.dtype == np.uint8
    assert lut[255] == 255 and lut[66:].tolist() == [255] * 190  # ids past v1.2's 66 classes


@pytest.mark.parametrize(
    'train, test, ok',
    [
        ([1, 2], [3], True),  # frame numbers are 1-based: 1 and num_frames=3 are the ends
        ([0, 1], [3], False),  # frame 0 does not exist
        ([1, 2], [4], False),  # one past the last frame
    ],
)
def test_nyu_split_frame_numbers_at_the_ends(tmp_path: Path, train, test, ok) -> None:
    from segplug.datasets import load_nyu_splits

    path = tmp_path / 'splits.mat'
    sio.savemat(
        str(path),
        {'trainNdxs': np.array(train, float)[:, None], 'testNdxs': np.array(test, float)[:, None]},
    )
    if ok:
        out = load_nyu_splits(path, 3)
        assert out['train'].tolist() == [0, 1] and out['test'].tolist() == [2]
    else:
        with pytest.raises(
            ValueError,
            match=r"holds \d\.\.\d, outside the labelled file's "
            r'frames 1\.\.3',
        ):
            load_nyu_splits(path, 3)


def write_labeled(
    path: Path, frames: int = 2, h: int = 3, w: int = 4, names: int = 5, images_shape=None
) -> tuple[np.ndarray, np.ndarray]:
    """A v7.3-style (HDF5, MATLAB axis order reversed) labelled file; returns (images
    (N, H, W, 3), labels (N, H, W)) as the reader should give them."""
    import h5py

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (frames, h, w, 3), dtype=np.uint8)
    labels = rng.integers(0, names + 1, (frames, h, w)).astype(np.uint16)
    with h5py.File(path, 'w') as f:
        f['images'] = (
            images.transpose(0, 3, 2, 1)
            if images_shape is None
            else np.zeros(images_shape, np.uint8)
        )
        f['labels'] = labels.transpose(0, 2, 1)
        f['names'] = np.zeros((1, names), np.uint32)
    return images, labels


def open_files() -> int:
    import h5py

    return len(h5py.h5f.get_obj_ids(types=h5py.h5f.OBJ_FILE))


def test_nyu_reader_frames_by_value(tmp_path: Path) -> None:
    from segplug.datasets import NYULabeledMat

    images, labels = write_labeled(tmp_path / 'l.mat')
    with NYULabeledMat(tmp_path / 'l.mat') as reader:
        assert (reader.num_frames, reader.size, reader.num_raw_classes) == (2, (3, 4), 5)
        for k in range(2):
            np.testing.assert_array_equal(reader.image(k), images[k])
            np.testing.assert_array_equal(reader.raw_labels(k), labels[k])
    assert open_files() == 0


@pytest.mark.parametrize(
    'images_shape',
    [
        (2, 4, 4, 3),  # 4 channels
        (3, 3, 4, 3),  # 3 frames of images, 2 of labels
        (2, 3, 5, 3),
    ],
)  # another width
def test_nyu_reader_refuses_mismatched_arrays_and_closes(tmp_path: Path, images_shape) -> None:
    from segplug.datasets import NYULabeledMat

    write_labeled(tmp_path / 'l.mat', images_shape=images_shape)
    with pytest.raises(ValueError, match='expected images .H, W, 3, N. and labels') as err:
        NYULabeledMat(tmp_path / 'l.mat')
    assert open_files() == 0  # closed before raising (the traceback still holds the reader)
    del err


def test_nyu_reader_without_labels_closes_the_file(tmp_path: Path) -> None:
    import h5py

    from segplug.datasets import NYULabeledMat

    with h5py.File(tmp_path / 'l.mat', 'w') as f:
        f['images'] = np.zeros((1, 3, 4, 3), np.uint8)
    with pytest.raises(ValueError, match=r"has no \['labels'\] \(it holds \['images'\]\)") as err:
        NYULabeledMat(tmp_path / 'l.mat')
    assert open_files() == 0  # closed before raising, not when the reader is collected
    del err


def test_image_classes_leave_out_255_by_default(tmp_path: Path) -> None:
    from PIL import Image

    from segplug.datasets import image_classes

    label = np.array([[0, 2, 255, 254]], np.uint8)
    Image.fromarray(label).save(tmp_path / 'l.png')

    class One:
        def __len__(self) -> int:
            return 1

        def get_data_info(self, i: int) -> dict:
            return dict(seg_map_path=str(tmp_path / 'l.png'))

    assert image_classes(One()) == [[0, 2, 254]]
    assert image_classes(One(), ignore_index=254) == [[0, 2, 255]]


class Part:
    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n


class Concat:
    """What MixedDatasetSampler reads of MMEngine's ConcatDataset."""

    def __init__(self, sizes: list[int]) -> None:
        self.datasets = [Part(n) for n in sizes]
        self.cumulative_sizes = list(np.cumsum(sizes))


@pytest.mark.parametrize('proportions', [[1.0, 0.0], [1.0, -0.5], [1.0]])
def test_mixed_sampler_shares_must_be_positive(proportions) -> None:
    from segplug.datasets import MixedDatasetSampler

    with pytest.raises(ValueError, match='proportions must hold 2 positive shares'):
        MixedDatasetSampler(Concat([3, 4]), proportions)


def test_mixed_sampler_length_is_the_dataset_size() -> None:
    from segplug.datasets import MixedDatasetSampler

    sampler = MixedDatasetSampler(Concat([3, 4]), [1e-9, 1.0], seed=0)
    assert len(sampler) == 7
