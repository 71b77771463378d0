"""Boundary precision, recall, F-measure and performance ratio as an MMSegmentation metric."""

from __future__ import annotations

from collections import OrderedDict
from typing import Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS
from prettytable import PrettyTable

from segplug.ops.boundaries import (
    EDGE_CONVENTIONS,
    BoundaryCounts,
    boundary_counts,
    boundary_iou_counts,
    boundary_scores,
    check_tolerances,
)


def tolerance_key(t: float) -> str:
    return f'{t:g}'


@METRICS.register_module()
class BoundaryMetric(BaseMetric):
    """Edge quality of semantic predictions (TI paper, Sec. 4.2 and Fig. 8).

    For each image, the boundaries of prediction and ground truth (per class and
    class-agnostic) are matched within each pixel tolerance (``segplug.ops.boundaries`` has
    the exact definitions); edge counts are summed over the whole dataset before precision,
    recall and F are taken, so images without edges of a class simply add nothing (no
    per-image F = 1 for empty images, which would inflate the mean). A class without edges
    in the prediction and the ground truth of the whole dataset gets NaN and is left out of
    the class mean; a class with edges on one side only gets F = 0.

    Use it beside ``IoUMetric``::

        val_evaluator = [dict(type='IoUMetric', iou_metrics=['mIoU']),
                         dict(type='BoundaryMetric', tolerances=(1, 2, 3, 4, 5))]

    Results (percent, except the ratio), for each tolerance ``t``:
    ``BF@t``, ``BP@t``, ``BR@t`` (class-agnostic F, precision, recall), ``BPR@t`` (performance
    ratio, true / false edges), ``mBF@t`` (mean of the per-class F); with
    ``per_class=True`` also ``BF@t.<class>``, ``BP@t.<class>``, ``BR@t.<class>``.
    With ``boundary_iou`` set, also ``mBIoU`` (and ``BIoU.<class>`` with ``per_class``):
    Boundary IoU (Cheng et al., CVPR 2021) with bands of that fraction of the image diagonal
    (0.02 in the paper), intersections and unions summed over the dataset as IoUMetric does.
    Under distributed evaluation every rank counts its images and MMEngine gathers the
    counts on rank 0, so the result equals a one-process run.

    Conventions (``convention``; docs/evaluation.md compares them on the same predictions):

    - ``'segplug'`` (default): one-pixel edges (right / lower neighbour differs), Euclidean
      tolerance in pixels.
    - ``'bsds'``: two-sided edges (any 4-neighbour differs) matched in a (2t+1)^2 square
      window, as the BSDS / Stutz et al. benchmarks; tolerances in pixels.
    - ``'gscnn'``: one-pixel edges, Euclidean tolerance given as a fraction of the image
      diagonal, ``ceil(t * diagonal)`` pixels per image (GSCNN's boundary F, e.g.
      ``tolerances=(0.00088, 0.001875, 0.00375, 0.005)``); a tolerance >= 1 stays in pixels,
      as there. Edge counts are still summed over the dataset (GSCNN averages per image).

    Args:
        tolerances: tolerances, in pixels (or diagonal fractions under ``'gscnn'``).
        ignore_index: unlabelled ground-truth value; pairs touching it are not compared.
        per_class: also return the per-class values (the table is printed either way).
        convention: ``'segplug'``, ``'bsds'`` or ``'gscnn'`` (above).
        boundary_iou: Boundary IoU's band width as a fraction of the diagonal, or None.
    """

    def __init__(
        self,
        tolerances: Sequence[float] = (1, 2, 3, 4, 5),
        ignore_index: int = 255,
        per_class: bool = False,
        convention: str = 'segplug',
        boundary_iou: float | None = None,
        collect_device: str = 'cpu',
        prefix: str | None = None,
        **kwargs,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.tolerances = check_tolerances(tolerances, 'BoundaryMetric tolerances')
        self.ignore_index = ignore_index
        self.per_class = per_class
        if convention not in EDGE_CONVENTIONS:
            raise ValueError(
                f'BoundaryMetric convention must be one of '
                f'{sorted(EDGE_CONVENTIONS)}, got {convention!r}'
            )
        self.convention = convention
        self.two_sided, self.window, self.unit = EDGE_CONVENTIONS[convention]
        if boundary_iou is not None and not 0 < boundary_iou < 1:
            raise ValueError(
                f'BoundaryMetric boundary_iou is a fraction of the diagonal in '
                f'(0, 1), got {boundary_iou!r}'
            )
        self.boundary_iou = boundary_iou

    def pixel_tolerances(self, shape: tuple[int, int]) -> tuple[float, ...]:
        """The tolerances in pixels for an image of ``shape`` (H, W)."""
        if self.unit == 'px':
            return self.tolerances
        diagonal = float(np.hypot(*shape))
        return tuple(t if t >= 1 else float(np.ceil(t * diagonal)) for t in self.tolerances)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Count edge pixels of each image (cheap to gather: (C+1, T) integer arrays)."""
        num_classes = len(self.dataset_meta['classes'])
        for sample in data_samples:
            pred = sample['pred_sem_seg']['data'].squeeze().cpu().numpy()
            gt = sample['gt_sem_seg']['data'].squeeze().cpu().numpy()
            if pred.shape != gt.shape:
                raise ValueError(
                    f'BoundaryMetric: prediction {pred.shape} and ground truth '
                    f'{gt.shape} of {sample.get("img_path")} differ in size'
                )
            c = boundary_counts(
                pred,
                gt,
                num_classes,
                self.pixel_tolerances(gt.shape),
                self.ignore_index,
                self.two_sided,
                self.window,
            )
            # plain arrays pickle across ranks without importing this module's classes
            counts = (c.n_pred, c.n_gt, c.tp_pred, c.tp_gt)
            if self.boundary_iou is not None:
                counts += boundary_iou_counts(
                    pred, gt, num_classes, self.boundary_iou, self.ignore_index
                )
            self.results.append(counts)

    def compute_metrics(self, results: list) -> dict[str, float]:
        tols = np.asarray(self.tolerances, dtype=np.float64)
        total = BoundaryCounts.total([BoundaryCounts(tols, *r[:4]) for r in results])
        s = boundary_scores(total)
        classes = list(self.dataset_meta['classes'])
        out: dict[str, float] = OrderedDict()
        for j, t in enumerate(self.tolerances):
            k = tolerance_key(t)
            out[f'BF@{k}'] = _pct(s['fscore'][-1, j])
            out[f'BP@{k}'] = _pct(s['precision'][-1, j])
            out[f'BR@{k}'] = _pct(s['recall'][-1, j])
            out[f'BPR@{k}'] = float(np.round(s['performance_ratio'][-1, j], 4))
            per_class_f = s['fscore'][:-1, j]
            out[f'mBF@{k}'] = (
                _pct(np.nanmean(per_class_f)) if np.isfinite(per_class_f).any() else float('nan')
            )
        biou = None
        if self.boundary_iou is not None:
            inter = np.sum([r[4] for r in results], 0).astype(np.float64)
            union = np.sum([r[5] for r in results], 0).astype(np.float64)
            with np.errstate(divide='ignore', invalid='ignore'):
                biou = np.where(union > 0, inter / union, np.nan)
            out['mBIoU'] = _pct(np.nanmean(biou)) if np.isfinite(biou).any() else float('nan')
        if self.per_class:
            if biou is not None:
                for i, name in enumerate(classes):
                    out[f'BIoU.{name}'] = _pct(biou[i])
            for j, t in enumerate(self.tolerances):
                k = tolerance_key(t)
                for i, name in enumerate(classes):
                    out[f'BF@{k}.{name}'] = _pct(s['fscore'][i, j])
                    out[f'BP@{k}.{name}'] = _pct(s['precision'][i, j])
                    out[f'BR@{k}.{name}'] = _pct(s['recall'][i, j])
        self._print_table(classes, s)
        return out

    def _print_table(self, classes: list[str], s: dict[str, np.ndarray]) -> None:
        table = PrettyTable()
        table.add_column('Class', classes + ['(all edges)'])
        for j, t in enumerate(self.tolerances):
            table.add_column(f'BF@{tolerance_key(t)}', [_pct(v) for v in s['fscore'][:, j]])
        print_log(
            'per class boundary F (%):\n' + table.get_string(),
            logger=MMLogger.get_current_instance(),
        )


def _pct(x: float) -> float:
    return float(np.round(x * 100, 2))
