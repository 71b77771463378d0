"""segplug/ops/metric_learning.py against a direct evaluation of Eq. 1 and slow references."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import ndimage

from segplug.ops.metric_learning import (
    connected_instances,
    metric_learning_loss,
    pairwise_distances,
    sample_instance_pixels,
    sampled_metric_loss,
)


def eq1_direct(feats: torch.Tensor, labels: torch.Tensor, reduction: str = 'pixels'):
    """Eq. 1 written term by term: a double loop over ordered pairs, norms by torch.norm."""
    n, d = feats.shape
    total = feats.new_zeros(())
    for p in range(n):
        for q in range(n):
            if p == q:
                continue  # ||f_p - f_p|| = 0: log((1 + e^0) / 2) = 0 (norm not differentiable)
            dist = torch.linalg.norm(feats[p] - feats[q]) / d
            if labels[p] == labels[q]:
                total = total + torch.log((1 + torch.exp(dist)) / 2)
            else:
                total = total + torch.log(1 + torch.exp(-dist) / 2)
    return total / {'pixels': n, 'pairs': n * (n - 1), 'sum': 1}[reduction]


def test_pairwise_distances_matrix_form() -> None:
    f = torch.randn(17, 5, dtype=torch.float64)
    ref = torch.cdist(f, f)
    assert torch.allclose(pairwise_distances(f), ref, atol=1e-6)
    assert torch.all(pairwise_distances(f).diagonal() < 1e-5)


@pytest.mark.parametrize('reduction', ['pixels', 'pairs', 'sum'])
@pytest.mark.parametrize('n, num_labels', [(13, 3), (13, 1), (25, 20)])
def test_loss_equals_direct_eq1_value_and_gradient(reduction: str, n: int, num_labels: int) -> None:
    """Label blocks (few labels, shuffled order) and the masked fallback (> 16 labels)."""
    torch.manual_seed(0)
    f = (torch.randn(n, 6, dtype=torch.float64) * 3).requires_grad_()
    labels = torch.randint(0, num_labels, (n,))
    loss = metric_learning_loss(f, labels, reduction)
    (g,) = torch.autograd.grad(loss, f)
    f2 = f.detach().clone().requires_grad_()
    ref = eq1_direct(f2, labels, reduction)
    (g_ref,) = torch.autograd.grad(ref, f2)
    assert torch.allclose(loss, ref, rtol=1e-9, atol=1e-10)
    assert torch.allclose(g, g_ref, rtol=1e-6, atol=1e-9)


def test_hand_computed_two_pixels() -> None:
    # two pixels at distance 4 in d = 2: D = 4 / 2 = 2
    f = torch.tensor([[0.0, 0.0], [4.0, 0.0]], dtype=torch.float64)
    same = metric_learning_loss(f, torch.tensor([1, 1]), 'sum')
    diff = metric_learning_loss(f, torch.tensor([1, 2]), 'sum')
    assert math.isclose(same.item(), 2 * math.log((1 + math.e**2) / 2), rel_tol=1e-12)
    assert math.isclose(diff.item(), 2 * math.log(1 + math.e**-2 / 2), rel_tol=1e-12)


def test_gradcheck_and_duplicate_pixels_finite() -> None:
    torch.manual_seed(1)
    f = torch.randn(7, 4, dtype=torch.float64, requires_grad=True)
    labels = torch.tensor([0, 0, 1, 1, 2, 0, 1])
    assert torch.autograd.gradcheck(lambda x: metric_learning_loss(x, labels, 'pairs'), (f,))
    many = torch.arange(7) * 3  # 7 labels; and the masked path with 20 labels below
    assert torch.autograd.gradcheck(lambda x: metric_learning_loss(x, many, 'sum'), (f,))
    g20 = torch.randn(22, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda x: metric_learning_loss(x, torch.arange(22) % 20, 'sum'), (g20,)
    )
    # the same pixel drawn twice (sampling with replacement): finite loss and gradient
    dup = torch.cat([f.detach(), f.detach()[:2]]).requires_grad_()
    loss = metric_learning_loss(dup, torch.cat([labels, labels[:2]]))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(dup.grad).all()


def test_large_distances_do_not_overflow() -> None:
    f = torch.tensor([[0.0], [1e5]])  # D = 1e5: exp(D) overflows float32
    for labels in (torch.tensor([0, 0]), torch.tensor([0, 1])):
        x = f.clone().requires_grad_()
        loss = metric_learning_loss(x, labels, 'sum')
        loss.backward()
        assert torch.isfinite(loss) and torch.isfinite(x.grad).all()


def test_loss_pulls_same_and_pushes_different() -> None:
    f = torch.tensor([[0.0, 0.0], [1.0, 0.0]], requires_grad=True)
    metric_learning_loss(f, torch.tensor([0, 0])).backward()
    assert f.grad[0, 0] < 0 < f.grad[1, 0]  # gradient descent moves them together
    f.grad = None
    metric_learning_loss(f, torch.tensor([0, 1])).backward()
    assert f.grad[0, 0] > 0 > f.grad[1, 0]  # ... and apart


def test_connected_instances_against_per_class_labelling() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, (23, 19)).astype(np.uint8)
    labels[rng.random(labels.shape) < 0.1] = 255
    inst = connected_instances(labels, 255, connectivity=1)
    assert np.all((inst < 0) == (labels == 255))
    # each instance is one class and one 4-connected region; count matches per-class labels
    expected = sum(ndimage.label(labels == c)[1] for c in range(3))
    assert inst.max() + 1 == expected
    for i in range(expected):
        mask = inst == i
        assert len(np.unique(labels[mask])) == 1
        assert ndimage.label(mask)[1] == 1
    # a diagonal pair is one instance with 8-connectivity, two with 4
    diag = np.full((2, 2), 255, np.uint8)
    diag[0, 0] = diag[1, 1] = 4
    assert connected_instances(diag, 255, 2).max() == 0
    assert connected_instances(diag, 255, 1).max() == 1


def test_sampling_groups_balanced_inside_instances_and_seeded() -> None:
    inst = torch.tensor([-1] * 10 + [0] * 50 + [1] * 5 + [2] * 30 + [3] * 40)
    g = torch.Generator().manual_seed(3)
    idx = sample_instance_pixels(inst, 3, 20, g)
    assert idx.shape == (60,)
    groups = inst[idx].view(3, 20)
    assert torch.all(groups >= 0)  # ignored pixels never drawn
    assert all(len(set(r.tolist())) == 1 for r in groups)  # each group one instance
    assert len(set(groups[:, 0].tolist())) == 3  # three different instances
    for r, ix in zip(groups, idx.view(3, 20)):
        if int((inst == r[0]).sum()) >= 20:
            assert len(set(ix.tolist())) == 20  # without replacement when it can
    again = sample_instance_pixels(inst, 3, 20, torch.Generator().manual_seed(3))
    assert torch.equal(idx, again)
    # the 5-pixel instance, when drawn, is sampled with replacement to keep 20 samples
    seen_small = False
    for s in range(30):
        ix = sample_instance_pixels(inst, 3, 20, torch.Generator().manual_seed(s)).view(3, 20)
        for row in ix:
            if int(inst[row[0]]) == 1:
                seen_small = True
                assert set(row.tolist()) <= set(range(60, 65))
    assert seen_small
    # fewer instances than P_inst: all of them
    assert sample_instance_pixels(torch.tensor([0, 0, 1]), 3, 4).shape == (8,)


def test_sampled_loss_uses_the_samples_and_is_deterministic() -> None:
    torch.manual_seed(0)
    feats = torch.randn(8, 12, 10, dtype=torch.float64)
    labels = torch.full((12, 10), 255)
    labels[:6, :4] = 0
    labels[6:, :4] = 1
    labels[:, 6:] = 2
    kw = dict(num_instances=2, num_pixels=5, repeats=3)
    a = sampled_metric_loss(feats, labels, generator=torch.Generator().manual_seed(7), **kw)
    b = sampled_metric_loss(feats, labels, generator=torch.Generator().manual_seed(7), **kw)
    assert torch.equal(a, b)
    # same numbers by hand: replay the generator, evaluate Eq. 1 directly, average over R
    g = torch.Generator().manual_seed(7)
    inst = torch.from_numpy(connected_instances(labels)).reshape(-1)
    ref = 0
    for _ in range(3):
        idx = sample_instance_pixels(inst, 2, 5, g)
        ref = ref + eq1_direct(feats.reshape(8, -1)[:, idx].t(), labels.reshape(-1)[idx])
    assert torch.allclose(a, ref / 3)
    # ignored pixels never influence the loss: changing their features changes nothing
    feats2 = feats.clone()
    feats2[:, labels == 255] = 1e3
    c = sampled_metric_loss(feats2, labels, generator=torch.Generator().manual_seed(7), **kw)
    assert torch.equal(a, c)


def test_instance_map_overrides_components_but_pairs_use_classes() -> None:
    feats = torch.randn(3, 4, 4, dtype=torch.float64)
    labels = torch.zeros(4, 4, dtype=torch.long)  # one class, one component
    instances = torch.arange(16).view(4, 4) % 2  # two instances of that class
    loss = sampled_metric_loss(
        feats,
        labels,
        instances,
        num_instances=2,
        num_pixels=3,
        repeats=1,
        generator=torch.Generator().manual_seed(0),
    )
    idx = sample_instance_pixels(instances.reshape(-1), 2, 3, torch.Generator().manual_seed(0))
    assert torch.allclose(
        loss, eq1_direct(feats.reshape(3, -1)[:, idx].t(), labels.reshape(-1)[idx])
    )


@pytest.mark.parametrize(
    'kwargs, match',
    [
        (dict(num_instances=0), 'num_instances'),
        (dict(num_pixels=0), 'num_pixels'),
        (dict(repeats=0), 'repeats'),
        (dict(reduction='mean'), 'reduction'),
    ],
)
def test_bad_options_raise(kwargs: dict, match: str) -> None:
    feats, labels = torch.randn(2, 3, 3), torch.zeros(3, 3, dtype=torch.long)
    with pytest.raises(ValueError, match=match):
        sampled_metric_loss(feats, labels, **kwargs)


def test_bad_input_raises() -> None:
    with pytest.raises(ValueError, match='no valid pixel'):
        sampled_metric_loss(torch.randn(2, 3, 3), torch.full((3, 3), 255))
    with pytest.raises(ValueError, match='must match'):
        sampled_metric_loss(torch.randn(2, 3, 3), torch.zeros(4, 3, dtype=torch.long))
    with pytest.raises(ValueError, match=r'\(N, d\)'):
        metric_learning_loss(torch.randn(4), torch.zeros(4))
