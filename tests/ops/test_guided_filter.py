"""segplug/ops/guided_filter.py against a per-window least-squares evaluation of He et al."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from segplug.ops.guided_filter import box_mean, guided_filter


def guided_filter_direct(guide: np.ndarray, src: np.ndarray, r: int, eps: float) -> np.ndarray:
    """He et al. by definition: for each clipped window solve the ridge regression
    min sum_i (a^T I_i + b - p_i)^2 + eps |a|^2 explicitly, then average, per pixel, the
    (a, b) of every window that contains it."""
    g, h, w = guide.shape
    c = src.shape[0]
    coef = np.zeros((h, w, c, g + 1))
    for y in range(h):
        for x in range(w):
            ys, xs = slice(max(y - r, 0), y + r + 1), slice(max(x - r, 0), x + r + 1)
            i = guide[:, ys, xs].reshape(g, -1).T  # (n, G)
            p = src[:, ys, xs].reshape(c, -1).T  # (n, C)
            n = i.shape[0]
            design = np.concatenate([i, np.ones((n, 1))], 1)
            # ridge on a only (not b): append sqrt(eps) * [I_G, 0] rows with zero targets
            reg = np.concatenate([np.sqrt(eps) * np.eye(g), np.zeros((g, 1))], 1)
            # He et al. normalise the data term by the window size |w|: eps is per pixel
            a_ = np.concatenate([design / np.sqrt(n), reg])
            t_ = np.concatenate([p / np.sqrt(n), np.zeros((g, c))])
            coef[y, x] = np.linalg.lstsq(a_, t_, rcond=None)[0].T
    out = np.zeros_like(src)
    for y in range(h):
        for x in range(w):
            ys, xs = slice(max(y - r, 0), y + r + 1), slice(max(x - r, 0), x + r + 1)
            mean = coef[ys, xs].reshape(-1, c, g + 1).mean(0)  # windows containing (y, x)
            out[:, y, x] = mean[:, :g] @ guide[:, y, x] + mean[:, g]
    return out


def test_box_mean_clipped_windows() -> None:
    x = torch.randn(2, 5, 7, dtype=torch.float64)
    out = box_mean(x, 2)
    assert torch.allclose(out[:, 0, 0], x[:, :3, :3].mean((-2, -1)))
    assert torch.allclose(out[:, 3, 4], x[:, 1:, 2:7].mean((-2, -1)))
    assert torch.allclose(box_mean(x, 0), x)


@pytest.mark.parametrize('g', [1, 3])
@pytest.mark.parametrize('r, eps', [(1, 1e-2), (2, 1e-3)])
def test_guided_filter_equals_direct_ridge_regression(g: int, r: int, eps: float) -> None:
    rng = np.random.default_rng(g + r)
    guide = rng.random((g, 7, 6))
    src = rng.random((4, 7, 6))
    out = guided_filter(torch.from_numpy(guide), torch.from_numpy(src), r, eps).numpy()
    np.testing.assert_allclose(out, guided_filter_direct(guide, src, r, eps), atol=1e-8)


def test_edge_preserving_and_chunked() -> None:
    # a step edge in the guide survives in a noisy feature; a constant guide smooths it away
    guide = torch.zeros(3, 12, 12)
    guide[:, :, 6:] = 1.0
    torch.manual_seed(0)
    feat = guide[:1].repeat(40, 1, 1) + 0.1 * torch.randn(40, 12, 12)  # 40 > 32: chunked
    out = guided_filter(guide, feat, 2, 1e-3)
    assert out.shape == feat.shape and out.dtype == feat.dtype
    assert (out[:, :, :6].mean() - 0.0).abs() < 0.05 and (out[:, :, 6:].mean() - 1).abs() < 0.05
    assert out[:, :, 5].mean() < 0.1 and out[:, :, 6].mean() > 0.9  # the edge stays sharp
    assert out.std(dim=(1, 2)).mean() < feat.std(dim=(1, 2)).mean()  # but noise is smoothed
    assert torch.allclose(out[:32], guided_filter(guide, feat[:32], 2, 1e-3))


def test_bad_input_raises() -> None:
    with pytest.raises(ValueError, match='must share'):
        guided_filter(torch.rand(3, 4, 4), torch.rand(2, 4, 5), 1, 1e-2)
    with pytest.raises(ValueError, match='radius'):
        guided_filter(torch.rand(3, 4, 4), torch.rand(2, 4, 4), -1, 1e-2)
    with pytest.raises(ValueError, match='eps'):
        guided_filter(torch.rand(3, 4, 4), torch.rand(2, 4, 4), 1, 0)
    with pytest.raises(ValueError, match='1 or 3 channels'):
        guided_filter(torch.rand(2, 4, 4), torch.rand(2, 4, 4), 1, 1e-2)
