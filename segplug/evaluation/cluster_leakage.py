"""Per-level cluster leakage of an HC model over a dataset (the thin-class diagnosis)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import torch
from torch import Tensor, nn

from ..models.utils import require_assignments
from ..ops.cluster_diagnostics import leakage_by_class


@torch.no_grad()
def assignments_and_labels(
    model: nn.Module, samples: Iterable[dict], owner: str
) -> Iterator[tuple[list[Tensor], Tensor]]:
    """Per sample, an HC model's assignments (coarse to fine, each (1, 9, H_l, W_l)) and the
    ground truth (1, H, W) long, the model in eval mode without gradients; ``owner`` names
    the caller in the error raised when the backbone returns no assignments. Materialise it
    (``list(...)``) to feed both :func:`leakage_totals` and the decoding ceiling from one
    pass of the backbone."""
    model.eval()
    for item in samples:
        data = model.data_preprocessor(
            dict(inputs=[item['inputs']], data_samples=[item['data_samples']]), False
        )
        feats = model.backbone(data['inputs'])
        assignments = require_assignments(feats, owner, 'the backbone')
        yield assignments, data['data_samples'][0].gt_sem_seg.data.long()


def cluster_leakage(
    model: nn.Module, samples: Iterable[dict], num_classes: int, ignore_index: int = 255
) -> list[dict[str, list[float]]]:
    """:func:`leakage_totals` of an HC segmentor (its backbone returns HCFeatures) over
    MMSegmentation dataset items (``inputs``, ``data_samples`` with ``gt_sem_seg``), e.g. a
    val dataset."""
    pairs = assignments_and_labels(model, samples, 'cluster_leakage')
    return leakage_totals(pairs, num_classes, ignore_index)


@torch.no_grad()
def leakage_totals(
    pairs: Iterable[tuple[list[Tensor], Tensor]], num_classes: int, ignore_index: int = 255
) -> list[dict[str, list[float]]]:
    """Accumulate :func:`leakage_by_class` over samples for every clustered level.

    Args:
        pairs: per sample, the assignments (coarse to fine, each (1, 9, H_l, W_l)) and the
            ground truth (1, H, W), as :func:`assignments_and_labels` yields them.
    Returns:
        One dict per level, coarse to fine: ``size`` (H, W) of the level, and per class
        ``pixels``, ``leaked_share`` (leaked / pixels), ``no_seed_share`` (pixels with no
        candidate seed of their class / pixels), ``own_cell_leaked_share`` (the leaked share
        had every pixel taken its own cell's seed, i.e. nearest upsampling: the reference the
        learned assignment should beat) and ``entropy`` (mean, nats).
    """
    totals: list[list] = []
    for assignments, labels in pairs:
        for level, a in enumerate(assignments):
            counts = leakage_by_class(a, labels, num_classes, ignore_index)
            if len(totals) <= level:
                totals.append([tuple(a.shape[-2:]), *[torch.zeros_like(c) for c in counts]])
            for k, c in enumerate(counts):
                totals[level][k + 1] += c
    out = []
    for size, pixels, leaked, no_seed, entropy, own_leaked in totals:
        denom = pixels.clamp_min(1)
        out.append(
            dict(
                size=list(size),
                pixels=pixels.tolist(),
                leaked_share=(leaked / denom).tolist(),
                no_seed_share=(no_seed / denom).tolist(),
                own_cell_leaked_share=(own_leaked / denom).tolist(),
                entropy=(entropy / denom).tolist(),
            )
        )
    return out
