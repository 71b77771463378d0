"""Logit consistency (Eq. 13-14) against a per-superpixel Python loop."""

from __future__ import annotations

import pytest
import torch

from segplug.ops.logit_consistency import logit_consistency, logit_consistency_sparse


def reference(
    logits: torch.Tensor, sp: torch.Tensor, valid: torch.Tensor | None = None
) -> torch.Tensor:
    """Loop over images and superpixels: mean of the valid pixels' logits."""
    out = logits.clone()
    for i in range(logits.shape[0]):
        for s in sp[i].unique():
            members = sp[i] == s
            use = members if valid is None else members & valid[i]
            if not use.any():  # no valid pixel: the mean of all of them
                use = members
            mean = logits[i][:, use].mean(1, keepdim=True)
            out[i][:, members] = mean.expand(-1, int(members.sum()))
    return out


def random_case(b: int = 2, c: int = 4, h: int = 7, w: int = 9, n: int = 6, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return (
        torch.randn(b, c, h, w, generator=g, dtype=torch.float64),
        torch.randint(0, n, (b, h, w), generator=g),
    )


def test_equals_reference() -> None:
    logits, sp = random_case()
    torch.testing.assert_close(logit_consistency(logits, sp), reference(logits, sp))
    torch.testing.assert_close(
        logit_consistency(logits, sp, num_superpixels=10), reference(logits, sp)
    )


def test_sparse_matches() -> None:
    logits, sp = random_case(seed=1)
    torch.testing.assert_close(logit_consistency_sparse(logits, sp), reference(logits, sp))


def test_ignore_pixels_left_out_of_mean() -> None:
    logits, sp = random_case(seed=2)
    valid = torch.rand(sp.shape, generator=torch.Generator().manual_seed(3)) > 0.4
    valid[0, :3] = False
    sp[0, :3] = 5  # superpixel 5 of image 0: whatever else it holds, its top rows are ignored
    sp[1, 0, 0] = 7  # a one-pixel superpixel, ignored, keeps its logits
    valid[1, 0, 0] = False
    sp[1, -1, -2:] = 8  # two ignored pixels: their own mean
    valid[1, -1, -2:] = False
    out = logit_consistency(logits, sp, valid)
    torch.testing.assert_close(out, reference(logits, sp, valid))
    torch.testing.assert_close(out[1, :, 0, 0], logits[1, :, 0, 0])
    torch.testing.assert_close(out[1, :, -1, -1], logits[1, :, -1, -2:].mean(1))
    # changing an ignored pixel's logits changes nothing else
    logits2 = logits.clone()
    logits2[0, :, 0, 0] += 100
    out2 = logit_consistency(logits2, sp, valid)
    torch.testing.assert_close(out2, out)


def test_all_ignored_is_plain_mean() -> None:
    logits, sp = random_case(seed=4)
    out = logit_consistency(logits, sp, torch.zeros_like(sp, dtype=torch.bool))
    torch.testing.assert_close(out, logit_consistency(logits, sp))


def test_one_pixel_superpixels_are_identity() -> None:
    logits, _ = random_case(b=2, h=3, w=4, seed=5)
    sp = torch.arange(12).view(1, 3, 4).repeat(2, 1, 1)
    torch.testing.assert_close(logit_consistency(logits, sp), logits)


def test_one_superpixel_one_label() -> None:
    logits, sp = random_case(seed=6)
    pred = logit_consistency(logits, sp).argmax(1)
    for i in range(sp.shape[0]):
        for s in sp[i].unique():
            assert pred[i][sp[i] == s].unique().numel() == 1


def test_gradcheck() -> None:
    logits, sp = random_case(b=2, c=3, h=4, w=5, n=4, seed=7)
    valid = torch.rand(sp.shape, generator=torch.Generator().manual_seed(8)) > 0.3
    logits.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x: logit_consistency(x, sp), (logits,))
    assert torch.autograd.gradcheck(lambda x: logit_consistency(x, sp, valid), (logits,))


def test_bad_input_raises() -> None:
    logits, sp = random_case()
    with pytest.raises(ValueError, match='superpixels shape'):
        logit_consistency(logits, sp[:, :-1])
    with pytest.raises(ValueError, match='integer ids'):
        logit_consistency(logits, sp.float())
    with pytest.raises(ValueError, match='logits must be'):
        logit_consistency(logits[0], sp)
