"""Every op on every device: float32 on the device against a float64 CPU reference, forward
and backward, and tensors that stay on their inputs' device.

On ``cpu`` this checks float32 against float64 (the ops are numerically sound); on ``cuda``
it also checks the CUDA kernels and that nothing is created on, or copied to, the CPU.
``test_no_tensor_leaves_the_input_device`` runs the pure ops on PyTorch's ``meta`` device,
where any tensor made without the input's device (``torch.eye(3)``, ``torch.from_numpy``)
raises: the CPU-only stand-in for a CUDA run.

Tolerances (float32 against float64): 1e-5 relative and absolute for maps of O(1) values,
looser where stated (sums over many pixels, divisions by small counts).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
import torch
import torchvision.ops

from segplug.ops import (
    association,
    box_mean,
    cluster_decode,
    cluster_labels,
    compactness_loss,
    cpp_pool,
    deform_conv2d_sampled,
    differentiable_slic,
    expected_intersection_union,
    guided_filter,
    hard_superpixels,
    hierarchical_decode,
    logit_consistency,
    metric_learning_loss,
    sampled_metric_loss,
    soft_assign,
    soft_kl_divergence,
    superpixel_loss,
    uoi_from_iu,
    xylab_features,
)


def _prepare(args: Sequence, device: torch.device, dtype: torch.dtype, grad: bool) -> list:
    out = []
    for a in args:
        if isinstance(a, torch.Tensor):
            a = a.detach().to(device, copy=True)
            if a.is_floating_point():
                a = a.to(dtype).requires_grad_(grad)
        out.append(a)
    return out


def check_parity(
    fn: Callable[..., torch.Tensor],
    args: Sequence,
    device: torch.device,
    rtol: float = 1e-5,
    atol: float = 1e-5,
    grad: bool = True,
) -> None:
    """``fn`` on ``device`` in float32 equals ``fn`` on the CPU in float64: value, output
    device, and the gradient of every floating input for a random cotangent."""
    ref_args = _prepare(args, torch.device('cpu'), torch.float64, grad)
    dev_args = _prepare(args, device, torch.float32, grad)
    ref, out = fn(*ref_args), fn(*dev_args)
    assert out.device.type == device.type, f'output on {out.device}, inputs on {device}'
    if not out.is_floating_point():
        assert torch.equal(out.cpu(), ref), 'integer outputs differ'
        return
    assert out.dtype == torch.float32
    torch.testing.assert_close(
        out.detach().cpu().double(), ref.detach().double(), rtol=rtol, atol=atol
    )
    if not grad:
        return
    cot = torch.randn(ref.shape, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    (ref * cot).sum().backward()
    (out * cot.to(device, torch.float32)).sum().backward()
    for r, d in zip(ref_args, dev_args):
        if isinstance(r, torch.Tensor) and r.requires_grad:
            assert d.grad is not None and d.grad.device.type == device.type
            torch.testing.assert_close(
                d.grad.cpu().double(), r.grad, rtol=rtol * 10, atol=atol * 10
            )


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _assignment(size: tuple[int, int], dim: int = 4, seed: int = 0) -> torch.Tensor:
    """A soft assignment of a (H, W) map to its ceil-half seeds, computed in float64."""
    g = _gen(seed)
    hh, ww = size
    feats = torch.randn(2, dim, hh, ww, generator=g, dtype=torch.float64)
    seeds = torch.randn(2, dim, (hh + 1) // 2, (ww + 1) // 2, generator=g, dtype=torch.float64)
    return soft_assign(feats, seeds, tau=0.3)


def test_soft_assign(device: torch.device) -> None:
    g = _gen()
    feats, seeds = torch.randn(2, 8, 7, 9, generator=g), torch.randn(2, 8, 4, 5, generator=g)
    # tau = 0.07 (the paper's): logits up to 14, where float32's softmax still holds 1e-5
    check_parity(lambda f, s: soft_assign(f, s, 0.07), [feats, seeds], device, 1e-4, 1e-5)


def test_cluster_decode_and_hierarchy(device: torch.device) -> None:
    fine, mid = _assignment((11, 13), seed=1), _assignment((6, 7), seed=2)
    coarse = torch.randn(2, 5, 3, 4, generator=_gen(3))
    check_parity(cluster_decode, [coarse, mid], device)
    check_parity(lambda c, a, b: hierarchical_decode(c, [a, b]), [coarse, mid, fine], device)


def test_cluster_labels(device: torch.device) -> None:
    a, b = _assignment((6, 7), seed=4), _assignment((11, 13), seed=5)
    check_parity(lambda x, y: cluster_labels([x, y], (3, 4)), [a, b], device, grad=False)


@pytest.mark.parametrize('impl', ['sampled', 'torchvision'])
def test_deform_conv(device: torch.device, impl: str) -> None:
    g = _gen(6)
    x = torch.randn(2, 3, 9, 10, generator=g)
    offset = 2 * torch.randn(2, 18, 5, 5, generator=g)
    mask = torch.rand(2, 9, 5, 5, generator=g) * 2
    weight, bias = torch.randn(4, 3, 3, 3, generator=g), torch.randn(4, generator=g)
    op = deform_conv2d_sampled if impl == 'sampled' else torchvision.ops.deform_conv2d
    check_parity(
        lambda x, o, w, b, m: op(x, o, w, b, stride=2, padding=1, mask=m),
        [x, offset, weight, bias, mask],
        device,
        1e-5,
        1e-5,
    )


def test_cpp_pool(device: torch.device) -> None:
    labels = torch.randint(0, 5, (2, 17, 23), generator=_gen(8))
    labels[:, :4] = 255
    check_parity(lambda lab: cpp_pool(lab, 5, 4).probs, [labels], device, grad=False)
    check_parity(lambda lab: cpp_pool(lab, 5, 4).valid, [labels], device, grad=False)


def test_logit_consistency(device: torch.device) -> None:
    g = _gen(9)
    logits = torch.randn(2, 6, 10, 12, generator=g)
    sp = torch.randint(0, 7, (2, 10, 12), generator=g)
    valid = torch.rand(2, 10, 12, generator=g) > 0.3
    check_parity(
        lambda x, s, v: logit_consistency(x, s, v, num_superpixels=7), [logits, sp, valid], device
    )


def test_superpixel_fcn_ops(device: torch.device) -> None:
    g = _gen(10)
    logits = torch.randn(2, 9, 13, 15, generator=g)
    props = torch.rand(2, 3, 13, 15, generator=g)
    check_parity(lambda x: association(x, 4), [logits], device)
    check_parity(lambda x: hard_superpixels(association(x, 4), 4), [logits], device, grad=False)
    # the position term sums distances of up to the image size: 1e-4 relative
    check_parity(
        lambda x, p: sum(superpixel_loss(association(x, 4), p, 4, distance='l2')),
        [logits, props],
        device,
        1e-4,
        1e-5,
    )


def test_differentiable_slic(device: torch.device) -> None:
    g = _gen(11)
    # XY-Lab-sized features (positions up to ~8, colour up to ~26) and learnt ones
    rgb = torch.rand(2, 3, 13, 15, generator=g) * 255
    feats = torch.cat([xylab_features(rgb, 4), torch.randn(2, 3, 13, 15, generator=g)], 1)
    # centres are means over up to 16 pixels of values up to ~26: 1e-4 absolute
    check_parity(lambda f: differentiable_slic(f, 4, 3)[0], [feats], device, 1e-4, 1e-4)
    check_parity(lambda f: differentiable_slic(f, 4, 3)[1], [feats], device, 1e-4, 1e-4)
    check_parity(
        lambda f: compactness_loss(differentiable_slic(f, 4, 2)[0], 4), [feats], device, 1e-4, 1e-4
    )
    check_parity(lambda x: xylab_features(x, 4), [rgb], device, 1e-5, 1e-4)


def test_expected_iu_uoi_and_kl(device: torch.device) -> None:
    g = _gen(11)
    logits = torch.randn(2, 4, 8, 9, generator=g)
    labels = torch.randint(0, 4, (2, 8, 9), generator=g)
    labels[0, :2] = 255

    def uoi(x: torch.Tensor, lab: torch.Tensor) -> torch.Tensor:
        return uoi_from_iu(expected_intersection_union(x.softmax(1), lab), 1.0)

    check_parity(uoi, [logits, labels], device, 1e-5, 1e-5)
    target = torch.rand(2, 4, 8, 9, generator=g).softmax(1)
    check_parity(lambda x, t: soft_kl_divergence(x, t), [logits, target], device)


def test_metric_learning(device: torch.device) -> None:
    g = _gen(12)
    feats = torch.randn(40, 8, generator=g)
    labels = torch.randint(0, 3, (40,), generator=g)
    # a sum over 40^2 pairs: 1e-4 relative
    check_parity(metric_learning_loss, [feats, labels], device, 1e-4, 1e-5)


@pytest.mark.parametrize('given_instances', [False, True])
def test_sampled_metric_loss(device: torch.device, given_instances: bool) -> None:
    """Instances from scipy's connected components (a numpy round trip), or given on the
    CPU while the labels are on the device, as a data pipeline hands them over."""
    g = _gen(13)
    feats = torch.randn(8, 12, 14, generator=g)
    labels = torch.randint(0, 3, (12, 14), generator=g)
    labels[:2] = 255
    instances = (labels * 2 + (torch.arange(14) > 7)).long() if given_instances else None

    def loss(f: torch.Tensor, lab: torch.Tensor) -> torch.Tensor:
        return sampled_metric_loss(
            f,
            lab,
            instances,
            num_instances=3,
            num_pixels=10,
            repeats=2,
            generator=torch.Generator().manual_seed(0),
        )

    check_parity(loss, [feats, labels], device, 1e-4, 1e-5)


@pytest.mark.parametrize('channels', [1, 3])
def test_guided_filter(device: torch.device, channels: int) -> None:
    g = _gen(14)
    guide = torch.rand(channels, 16, 18, generator=g)
    src = torch.rand(4, 16, 18, generator=g)
    # the colour guide inverts 3x3 covariances regularised by eps = 1e-2: 1e-4 relative
    check_parity(lambda i, p: guided_filter(i, p, 2, 1e-2), [guide, src], device, 1e-4, 1e-4)
    check_parity(lambda p: box_mean(p, 3), [src], device)


META_CASES = {
    'soft_assign': lambda d: soft_assign(
        torch.randn(1, 4, 7, 9, device=d), torch.randn(1, 4, 4, 5, device=d), 0.07
    ),
    'cluster_decode': lambda d: cluster_decode(
        torch.randn(1, 3, 4, 5, device=d), torch.rand(1, 9, 7, 9, device=d)
    ),
    'cluster_labels': lambda d: cluster_labels([torch.rand(1, 9, 7, 9, device=d)], (4, 5)),
    'deform_conv2d_sampled': lambda d: deform_conv2d_sampled(
        torch.randn(1, 3, 8, 8, device=d),
        torch.randn(1, 18, 4, 4, device=d),
        torch.randn(2, 3, 3, 3, device=d),
        torch.randn(2, device=d),
        2,
        1,
        1,
        torch.rand(1, 9, 4, 4, device=d),
    ),
    'logit_consistency': lambda d: logit_consistency(
        torch.randn(1, 3, 6, 6, device=d),
        torch.zeros(1, 6, 6, dtype=torch.long, device=d),
        torch.ones(1, 6, 6, dtype=torch.bool, device=d),
        num_superpixels=4,
    ),
    'association': lambda d: association(torch.randn(1, 9, 9, 10, device=d), 4),
    'superpixel_loss': lambda d: superpixel_loss(
        association(torch.randn(1, 9, 9, 10, device=d), 4), torch.rand(1, 3, 9, 10, device=d), 4
    )[0],
    'hard_superpixels': lambda d: hard_superpixels(torch.rand(1, 9, 9, 10, device=d), 4),
    'differentiable_slic': lambda d: differentiable_slic(torch.randn(1, 4, 9, 10, device=d), 4, 2)[
        0
    ],
    'compactness_loss': lambda d: compactness_loss(torch.rand(1, 9, 9, 10, device=d), 4),
    'xylab_features': lambda d: xylab_features(torch.rand(1, 3, 9, 10, device=d) * 255, 4),
    'expected_intersection_union': lambda d: expected_intersection_union(
        torch.rand(1, 3, 5, 5, device=d), torch.rand(1, 3, 5, 5, device=d)
    ).union,
    'soft_kl_divergence': lambda d: soft_kl_divergence(
        torch.randn(1, 3, 5, 5, device=d), torch.rand(1, 3, 5, 5, device=d)
    ),
    'guided_filter': lambda d: guided_filter(
        torch.rand(3, 9, 9, device=d), torch.rand(2, 9, 9, device=d), 2, 1e-2
    ),
}


@pytest.mark.parametrize('name', sorted(META_CASES))
def test_no_tensor_leaves_the_input_device(name: str) -> None:
    """On ``meta`` a tensor created on the default (CPU) device meets the inputs and raises
    'Tensor on device cpu is not on the expected device meta'."""
    out = META_CASES[name](torch.device('meta'))
    assert out.device.type == 'meta'
