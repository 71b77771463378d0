"""Boundary precision, recall, F-measure and performance ratio as an MMSegmentation metric."""
from __future__ import annotations

from collections import OrderedDict
from typing import Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS
from prettytable import PrettyTable

from segplug.ops.boundaries import (BoundaryCounts, boundary_counts, boundary_scores,
                                    check_tolerances)


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
    Under distributed evaluation every rank counts its images and MMEngine gathers the
    counts on rank 0, so the result equals a one-process run.

    Args:
        tolerances: pixel tolerances (Euclidean distance).
        ignore_index: unlabelled ground-truth value; pairs touching it are not compared.
        per_class: also return the per-class values (the table is printed either way).
    """

    def __init__(self, tolerances: Sequence[float] = (1, 2, 3, 4, 5),
                 ignore_index: int = 255, per_class: bool = False,
                 collect_device: str = 'cpu', prefix: str | None = None, **kwargs) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.tolerances = check_tolerances(tolerances, 'BoundaryMetric tolerances')
        self.ignore_index = ignore_index
        self.per_class = per_class

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Count edge pixels of each image (cheap to gather: (C+1, T) integer arrays)."""
        num_classes = len(self.dataset_meta['classes'])
        for sample in data_samples:
            pred = sample['pred_sem_seg']['data'].squeeze().cpu().numpy()
            gt = sample['gt_sem_seg']['data'].squeeze().cpu().numpy()
            if pred.shape != gt.shape:
                raise ValueError(f'BoundaryMetric: prediction {pred.shape} and ground truth '
                                 f'{gt.shape} of {sample.get("img_path")} differ in size')
            c = boundary_counts(pred, gt, num_classes, self.tolerances, self.ignore_index)
            # plain arrays pickle across ranks without importing this module's classes
            self.results.append((c.n_pred, c.n_gt, c.tp_pred, c.tp_gt))

    def compute_metrics(self, results: list) -> dict[str, float]:
        tols = np.asarray(self.tolerances, dtype=np.float64)
        total = BoundaryCounts.total([BoundaryCounts(tols, *r) for r in results])
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
            out[f'mBF@{k}'] = _pct(np.nanmean(per_class_f)) if np.isfinite(
                per_class_f).any() else float('nan')
        if self.per_class:
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
        print_log('per class boundary F (%):\n' + table.get_string(),
                  logger=MMLogger.get_current_instance())


def _pct(x: float) -> float:
    return float(np.round(x * 100, 2))
