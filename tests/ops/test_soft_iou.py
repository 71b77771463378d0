"""Expected intersection / union, UOI, IOU and soft KL against direct evaluation and the
closed-form gradients of the UOI paper's supplement (Eq. 59, 67)."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
import torch.nn.functional as F

from segplug.ops import expected_intersection_union, iou_from_iu, soft_kl_divergence, uoi_from_iu


def direct_iu(probs: torch.Tensor, target: torch.Tensor) -> tuple[list, list]:
    """Eq. 24 and Eq. 28 term by term: loops over classes and pixels."""
    b, c, h, w = probs.shape
    inter, union = [], []
    for k in range(c):
        i_k = u_k = 0.0
        for n, y, x in itertools.product(range(b), range(h), range(w)):
            ph, p = float(probs[n, k, y, x]), float(target[n, k, y, x])
            i_k += ph * p
            u_k += ph + p - ph * p
        inter.append(i_k)
        union.append(u_k)
    return inter, union


def random_case(seed: int, b=2, c=4, h=5, w=6, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(b, c, h, w, generator=g, dtype=dtype)
    labels = torch.randint(0, c, (b, h, w), generator=g)
    return logits, labels, g


def test_expected_iu_hard_labels_match_direct_with_ignore():
    logits, labels, g = random_case(0)
    labels[torch.rand(labels.shape, generator=g) < 0.25] = 255
    probs = logits.softmax(1)
    eiu = expected_intersection_union(probs, labels, ignore_index=255)
    keep = (labels != 255)[:, None].double()
    onehot = F.one_hot(labels.clamp(max=3), 4).permute(0, 3, 1, 2).double()
    inter, union = direct_iu(probs * keep, onehot * keep)
    torch.testing.assert_close(eiu.intersection, torch.tensor(inter, dtype=torch.float64))
    torch.testing.assert_close(eiu.union, torch.tensor(union, dtype=torch.float64))
    torch.testing.assert_close(eiu.gt_mass, (onehot * keep).sum((0, 2, 3)))


def test_expected_iu_soft_target_matches_direct():
    logits, _, g = random_case(1)
    probs = logits.softmax(1)
    target = torch.rand(probs.shape, generator=g, dtype=torch.float64).softmax(1)
    eiu = expected_intersection_union(probs, target)
    inter, union = direct_iu(probs, target)
    torch.testing.assert_close(eiu.intersection, torch.tensor(inter, dtype=torch.float64))
    torch.testing.assert_close(eiu.union, torch.tensor(union, dtype=torch.float64))


def test_uoi_and_iou_values_match_direct_mean():
    logits, labels, _ = random_case(2)
    labels[0, 0, 0] = 3  # class 3 surely present
    probs = logits.softmax(1)
    onehot = F.one_hot(labels, 4).permute(0, 3, 1, 2).double()
    inter, union = direct_iu(probs, onehot)
    eiu = expected_intersection_union(probs, labels)
    present = [k for k in range(4) if (labels == k).any()]
    uoi = sum((union[k] + 1) / (inter[k] + 1) for k in present) / len(present)
    iou = sum(inter[k] / union[k] for k in present) / len(present)
    assert math.isclose(float(uoi_from_iu(eiu, smooth=1.0)), uoi, rel_tol=1e-9)
    assert math.isclose(float(iou_from_iu(eiu, smooth=0.0)), iou, rel_tol=1e-9)


def test_hard_prediction_gives_counted_iou():
    """With one-hot predictions, E[I], E[U] are TP and TP + FP + FN (Eq. 1, 7)."""
    labels = torch.tensor([[[0, 0, 1], [1, 2, 2]]])
    pred = torch.tensor([[[0, 1, 1], [1, 2, 0]]])
    probs = F.one_hot(pred, 3).permute(0, 3, 1, 2).double()
    eiu = expected_intersection_union(probs, labels)
    assert eiu.intersection.tolist() == [1, 2, 1]  # TP
    assert eiu.union.tolist() == [3, 3, 2]  # TP + FP + FN
    assert math.isclose(float(uoi_from_iu(eiu, smooth=0)), (3 / 1 + 3 / 2 + 2 / 1) / 3)


def eq67(probs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Supplement Eq. 67, dL_UOI/dz_{i,k} with L = sum_k' U_k'/I_k' (pixels i flattened)."""
    c = probs.shape[1]
    ph = probs.permute(0, 2, 3, 1).reshape(-1, c)  # (N, K) p_hat
    p = target.permute(0, 2, 3, 1).reshape(-1, c)  # (N, K) p
    inter = (ph * p).sum(0)  # sum_j p_hat_j,k' p_j,k'
    mass = (ph + p).sum(0)  # sum_j (p_hat_j,k' + p_j,k')
    coef = (inter[None] - p * mass[None]) / inter[None] ** 2  # (N, K'), the bracket of Eq. 67
    # sum_k' coef[i,k'] p_hat[i,k'] ([k = k'] - p_hat[i,k])
    grad = coef * ph - (coef * ph).sum(1, keepdim=True) * ph
    b, _, h, w = probs.shape
    return grad.reshape(b, h, w, c).permute(0, 3, 1, 2)


def eq59(probs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Supplement Eq. 59, dL_IOU/dz_{i,k} with L = sum_k' I_k'/U_k'."""
    c = probs.shape[1]
    ph = probs.permute(0, 2, 3, 1).reshape(-1, c)
    p = target.permute(0, 2, 3, 1).reshape(-1, c)
    inter = (ph * p).sum(0)
    mass = (ph + p).sum(0)
    union = mass - inter
    coef = (p * mass[None] - inter[None]) / union[None] ** 2
    grad = coef * ph - (coef * ph).sum(1, keepdim=True) * ph
    b, _, h, w = probs.shape
    return grad.reshape(b, h, w, c).permute(0, 3, 1, 2)


@pytest.mark.parametrize('soft', [False, True])
def test_uoi_gradient_is_eq67(soft):
    logits, labels, g = random_case(3)
    labels.view(-1)[:4] = torch.arange(4)  # every class present: Eq. 67 sums over all K
    target = (
        torch.rand(logits.shape, generator=g, dtype=torch.float64).softmax(1)
        if soft
        else F.one_hot(labels, 4).permute(0, 3, 1, 2).double()
    )
    z = logits.clone().requires_grad_()
    loss = uoi_from_iu(
        expected_intersection_union(z.softmax(1), target if soft else labels), smooth=0.0
    )
    (grad,) = torch.autograd.grad(loss, z)
    # our UOI is the mean over the K classes (paper Eq. 6), Eq. 60 / 67 the sum
    torch.testing.assert_close(grad, eq67(logits.softmax(1), target) / 4)


def test_iou_gradient_is_eq59():
    logits, labels, _ = random_case(4)
    labels.view(-1)[:4] = torch.arange(4)
    z = logits.clone().requires_grad_()
    loss = 1 - iou_from_iu(expected_intersection_union(z.softmax(1), labels), smooth=0.0)
    (grad,) = torch.autograd.grad(loss, z)
    target = F.one_hot(labels, 4).permute(0, 3, 1, 2).double()
    torch.testing.assert_close(grad, -eq59(logits.softmax(1), target) / 4)


def test_gradcheck_uoi_with_smoothing_and_ignore():
    logits, labels, g = random_case(5, b=1, c=3, h=3, w=4)
    labels[0, 0, :2] = 255
    z = logits.clone().requires_grad_()
    assert torch.autograd.gradcheck(
        lambda t: uoi_from_iu(
            expected_intersection_union(t.softmax(1), labels), smooth=0.5, classes='all'
        ),
        (z,),
    )


def test_absent_classes_stay_finite():
    """Class 3 is in neither prediction nor labels, class 2 only predicted."""
    logits = torch.full((1, 4, 4, 4), -30.0, dtype=torch.float64)
    logits[:, 0], logits[:, 2, 0] = 5.0, 40.0
    labels = torch.zeros(1, 4, 4, dtype=torch.long)
    labels[0, 1] = 1
    for classes, smooth in [('present', 0.0), ('present', 1.0), ('all', 1.0)]:
        z = logits.clone().requires_grad_()
        eiu = expected_intersection_union(z.softmax(1), labels)
        for value in (uoi_from_iu(eiu, smooth, classes), iou_from_iu(eiu, smooth, classes)):
            (grad,) = torch.autograd.grad(value, z, retain_graph=True)
            assert torch.isfinite(value) and torch.isfinite(grad).all()
    eiu = expected_intersection_union(logits.softmax(1), torch.full_like(labels, 255))
    assert float(uoi_from_iu(eiu)) == 0.0  # all-ignore batch: no class, zero loss
    with pytest.raises(ValueError, match='smooth'):
        uoi_from_iu(eiu, smooth=0.0, classes='all')
    with pytest.raises(ValueError, match='classes'):
        uoi_from_iu(eiu, classes='some')


def test_bound_iou_sum_at_least_inverse_uoi_sum():
    """Property (UOI paper, Eq. 11 with f(x) = 1/x): sum_k IOU_k >= 1 / sum_k UOI_k, for
    counted (hard) and expected (soft) IOU, whenever every I_k > 0."""
    g = torch.Generator().manual_seed(7)
    for trial in range(300):
        c = int(torch.randint(2, 8, (1,), generator=g))
        n = int(torch.randint(c, 64, (1,), generator=g))
        labels = torch.randint(0, c, (1, 1, n), generator=g)
        if trial % 2:
            probs = (torch.randn(1, c, 1, n, generator=g, dtype=torch.float64) * 3).softmax(1)
        else:  # hard prediction: a random fraction of the labels flipped
            pred = torch.where(
                torch.rand(1, 1, n, generator=g) < torch.rand(1, generator=g),
                torch.randint(0, c, (1, 1, n), generator=g),
                labels,
            )
            probs = F.one_hot(pred, c).permute(0, 3, 1, 2).double()
        eiu = expected_intersection_union(probs, labels)
        keep = eiu.intersection > 0
        if not keep.any():
            continue
        iou = eiu.intersection[keep] / eiu.union[keep]
        uoi = eiu.union[keep] / eiu.intersection[keep]
        assert float(iou.sum()) >= 1 / float(uoi.sum()) - 1e-12
    # tight: a perfect prediction gives sum IOU = K and sum UOI = K
    labels = torch.arange(4).view(1, 1, 4)
    eiu = expected_intersection_union(F.one_hot(labels, 4).permute(0, 3, 1, 2).double(), labels)
    assert float(iou_from_iu(eiu, 0)) == 1.0 and float(uoi_from_iu(eiu, 0)) == 1.0


def test_soft_kl_matches_formula_and_not_mmseg_style_misuse():
    g = torch.Generator().manual_seed(8)
    logits = torch.randn(2, 5, 3, 4, generator=g, dtype=torch.float64)
    target = torch.rand(2, 5, 3, 4, generator=g, dtype=torch.float64) ** 3
    target[:, 1] = 0  # zero entries: 0 log 0 = 0
    target = target / target.sum(1, keepdim=True)
    kl = soft_kl_divergence(logits, target)
    q = logits.softmax(1)
    expected = torch.zeros(2, 3, 4, dtype=torch.float64)
    for n, y, x, k in itertools.product(range(2), range(3), range(4), range(5)):
        t = float(target[n, k, y, x])
        if t > 0:
            expected[n, y, x] += t * math.log(t / float(q[n, k, y, x]))
    torch.testing.assert_close(kl, expected)
    assert (kl >= 0).all()
    # zero exactly when the prediction equals the target
    torch.testing.assert_close(
        soft_kl_divergence(target.clamp_min(1e-300).log(), target),
        torch.zeros(2, 3, 4, dtype=torch.float64),
    )
    # passing probabilities to F.kl_div (what MMSegmentation's KLDivLoss does) is not KL
    misuse = F.kl_div(q, target, reduction='none').sum(1)
    assert not torch.allclose(misuse, expected)


def test_labels_out_of_range_are_named_and_ignored_ones_pass() -> None:
    probs = torch.softmax(torch.randn(1, 3, 2, 2), 1)
    for bad in (3, -2):
        target = torch.tensor([[[0, 1], [2, bad]]])
        with pytest.raises(ValueError, match=f'label value {bad} is out of range for 3 classes'):
            expected_intersection_union(probs, target, ignore_index=255)
    # out of range but ignored (ignore_index, or outside ``valid``): no error
    expected_intersection_union(probs, torch.tensor([[[0, 1], [2, 255]]]), ignore_index=255)
    valid = torch.tensor([[[True, True], [True, False]]])
    expected_intersection_union(probs, torch.tensor([[[0, 1], [2, 7]]]), valid=valid)
