"""CPP pooling (SeeThroughNet supplement, Alg. 1) against a per-cell Python reference."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from segplug.ops import cpp_pool, infer_cpp_scale, nearest_downsample
from segplug.ops.cpp_pooling import cpp_output_size


def reference(
    labels: torch.Tensor, c: int, s: int, ignore: int, normalize: str, max_ignore: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Algorithm 1 written out: for each output cell, for each class, count its pixels."""
    b, hh, ww = labels.shape
    h, w = -(-hh // s), -(-ww // s)
    probs = torch.zeros(b, c, h, w)
    ign = torch.zeros(b, h, w)
    valid = torch.zeros(b, h, w, dtype=torch.bool)
    for n in range(b):
        for l in range(h):
            for m in range(w):
                block = labels[n, s * l : s * (l + 1), s * m : s * (m + 1)].reshape(-1).tolist()
                n_ign = sum(v == ignore for v in block)
                n_lab = len(block) - n_ign
                ign[n, l, m] = n_ign / len(block)
                valid[n, l, m] = n_lab > 0 and n_ign / len(block) <= max_ignore
                denom = max(n_lab, 1) if normalize == 'valid' else len(block)
                for k in range(c):
                    probs[n, k, l, m] = sum(v == k for v in block) / denom
    return probs, ign, valid


@pytest.mark.parametrize(
    'shape,s',
    [
        ((2, 16, 16), 4),
        ((1, 13, 9), 4),
        ((2, 7, 11), 3),
        ((1, 5, 5), 1),
        ((1, 1, 1), 2),
        ((1, 6, 10), 8),
    ],
)
@pytest.mark.parametrize('normalize', ['valid', 'cell'])
def test_matches_reference_with_ignore(shape, s, normalize):
    g = torch.Generator().manual_seed(sum(shape) + s)
    c = 5
    labels = torch.randint(0, c, shape, generator=g)
    labels[torch.rand(shape, generator=g) < 0.3] = 255
    out = cpp_pool(labels, c, s, ignore_index=255, normalize=normalize)
    ref = reference(labels, c, s, 255, normalize, 0.5)
    assert out.probs.shape == (shape[0], c) + cpp_output_size(shape[1], shape[2], s)
    torch.testing.assert_close(out.probs, ref[0])
    torch.testing.assert_close(out.ignore_ratio, ref[1])
    assert torch.equal(out.valid, ref[2])


def test_frequencies_sum_to_one_or_to_labelled_share():
    labels = torch.randint(0, 4, (2, 20, 30))
    labels[:, :5] = 255
    valid_norm = cpp_pool(labels, 4, 8)
    cell_norm = cpp_pool(labels, 4, 8, normalize='cell')
    sums = valid_norm.probs.sum(1)
    assert torch.allclose(sums[valid_norm.ignore_ratio < 1], torch.tensor(1.0))
    torch.testing.assert_close(cell_norm.probs.sum(1), 1 - cell_norm.ignore_ratio)


def test_hand_computed_2x2():
    # one 2x4 image, s=2: cells [[0, 0], [0, 1]] and [[1, 255], [255, 255]]; (C, w) below
    labels = torch.tensor([[[0, 0, 1, 255], [0, 1, 255, 255]]])
    out = cpp_pool(labels, 2, 2)
    torch.testing.assert_close(out.probs[0, :, 0], torch.tensor([[0.75, 0.0], [0.25, 1.0]]))
    torch.testing.assert_close(out.ignore_ratio[0, 0], torch.tensor([0.0, 0.75]))
    assert out.valid[0, 0].tolist() == [True, False]  # second cell is mostly ignore


def test_all_ignore_is_invalid_and_zero():
    out = cpp_pool(torch.full((1, 9, 9), 255), 3, 4)
    assert not out.valid.any() and out.probs.abs().sum() == 0
    assert torch.all(out.ignore_ratio == 1)


def test_scale_one_is_one_hot_and_2d_input():
    labels = torch.randint(0, 6, (7, 5))
    out = cpp_pool(labels, 6, 1, ignore_index=None)
    assert out.probs.shape == (6, 7, 5)
    torch.testing.assert_close(out.probs, F.one_hot(labels, 6).permute(2, 0, 1).float())


def test_equals_one_hot_average_pooling_when_divisible():
    labels = torch.randint(0, 19, (2, 64, 96))
    naive = F.avg_pool2d(F.one_hot(labels, 19).permute(0, 3, 1, 2).float(), 8)
    torch.testing.assert_close(cpp_pool(labels, 19, 8).probs, naive)


@pytest.mark.parametrize(
    'kwargs,match',
    [
        (dict(scale=0), 'scale'),
        (dict(scale=2.0), 'scale'),
        (dict(num_classes=3), 'label value 3'),
        (dict(normalize='s2'), 'normalize'),
        (dict(max_ignore_ratio=1.5), 'max_ignore_ratio'),
    ],
)
def test_bad_input_raises(kwargs, match):
    labels = torch.tensor([[[0, 3], [1, 255]]])
    args = dict(num_classes=4, scale=2) | kwargs
    with pytest.raises(ValueError, match=match):
        cpp_pool(labels, **args)


def test_bad_shapes_and_dtypes_raise():
    with pytest.raises(ValueError, match='labels must be'):
        cpp_pool(torch.zeros(1, 1, 4, 4, dtype=torch.long), 2, 2)
    with pytest.raises(ValueError, match='integer tensor'):
        cpp_pool(torch.zeros(1, 4, 4), 2, 2)
    with pytest.raises(ValueError, match='label value -1'):
        cpp_pool(torch.full((1, 4, 4), -1), 2, 2)


def test_infer_scale():
    assert infer_cpp_scale((64, 64), (8, 8)) == 8
    assert infer_cpp_scale((13, 9), (4, 3)) == 4  # ragged border: ceil sizes
    assert infer_cpp_scale((13, 17), (2, 3)) == 8  # s = 7 fits too: the power of two wins
    assert infer_cpp_scale((12, 12), (4, 4)) == 3  # only 3 fits
    assert infer_cpp_scale((256, 256), (256, 256)) == 1
    with pytest.raises(ValueError, match='no integer scale'):
        infer_cpp_scale((64, 64), (8, 9))


@pytest.mark.parametrize('mode', ['nearest', 'nearest-exact'])
@pytest.mark.parametrize(
    ('shape', 'size'), [((2, 32, 48), (2, 3)), ((1, 13, 17), (2, 3)), ((1, 1, 1), (1, 1))]
)
def test_nearest_downsample_is_interpolate(shape, size, mode):
    """The integer indices pick the pixels F.interpolate picks, ignore ids unchanged."""
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 5, shape, generator=g)
    labels[0, 0] = 255
    ours = nearest_downsample(labels, size, mode)
    ref = F.interpolate(labels[:, None].double(), size=size, mode=mode)[:, 0].long()
    torch.testing.assert_close(ours, ref)
    assert ours.dtype == labels.dtype


def test_nearest_downsample_picks_corner_or_centre():
    labels = torch.arange(16 * 16).view(1, 16, 16)
    assert nearest_downsample(labels, (2, 2)).tolist() == [[[0, 8], [128, 136]]]
    centre = nearest_downsample(labels, (2, 2), 'nearest-exact')
    assert centre.tolist() == [[[4 * 16 + 4, 4 * 16 + 12], [12 * 16 + 4, 12 * 16 + 12]]]


def test_nearest_downsample_bad_input_raises():
    labels = torch.zeros(1, 8, 8, dtype=torch.long)
    with pytest.raises(ValueError, match='mode'):
        nearest_downsample(labels, (2, 2), 'bilinear')
    with pytest.raises(ValueError, match='cannot down-sample'):
        nearest_downsample(labels, (9, 2))
    with pytest.raises(ValueError, match=r'\(B, H, W\)'):
        nearest_downsample(labels[0], (2, 2))
