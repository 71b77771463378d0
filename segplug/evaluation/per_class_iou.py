"""MMSegmentation's IoUMetric that also returns the per-class values it prints."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import torch
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS


@METRICS.register_module()
class PerClassIoUMetric(IoUMetric):
    """``IoUMetric`` whose results also hold ``IoU.<class>`` and ``Acc.<class>`` (percent).

    MMSegmentation's metric prints the per-class table but returns only the means; scripts
    and reports (the demo, per-class comparisons) need the values themselves. Classes absent
    from both prediction and ground truth get NaN, as in MMSegmentation.
    """

    def compute_metrics(self, results: list) -> dict[str, float]:
        metrics = super().compute_metrics(results)
        totals = [sum(r[i] for r in results) for i in range(4)]
        inter, union, _, label = (
            t.double().cpu()
            if isinstance(t, torch.Tensor)
            else torch.as_tensor(t, dtype=torch.float64)
            for t in totals
        )
        iou = (inter / union).numpy() * 100
        acc = (inter / label).numpy() * 100
        out = OrderedDict(metrics)
        for name, i, a in zip(self.dataset_meta['classes'], iou, acc):
            out[f'IoU.{name}'] = float(np.round(i, 2))
            out[f'Acc.{name}'] = float(np.round(a, 2))
        return out
