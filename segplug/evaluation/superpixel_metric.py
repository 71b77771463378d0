"""Superpixel quality (ASA, boundary recall/precision, UE, count) on BSDS500 as a metric."""

from __future__ import annotations

from collections import OrderedDict
from typing import Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmseg.registry import METRICS

from segplug.datasets.bsds500 import load_bsds_groundtruth
from segplug.ops.boundaries import EDGE_CONVENTIONS, check_tolerances
from segplug.ops.superpixel_scores import superpixel_scores_multi

_KEYS = ('asa', 'boundary_recall', 'boundary_precision', 'undersegmentation_error', 'n_superpixels')


@METRICS.register_module()
class SuperpixelMetric(BaseMetric):
    """Superpixel maps scored against every BSDS500 annotator (``segplug.ops.superpixel_scores``).

    Each data sample carries its superpixel ids (H, W) under ``pred_key`` (a dict with
    ``data``, like ``pred_sem_seg``, or an array) and its ``.mat`` ground truth as
    ``seg_map_path`` (what ``BSDS500Dataset`` gives). Per image the measures are averaged over
    the annotators, then over images. Results: ``ASA``, ``BR``, ``BP`` (percent, at
    ``tolerance`` pixels), ``UE`` (percent) and ``N`` (mean number of superpixels: compare
    methods at equal ``N``).

    The default is the literature's protocol (Stutz et al.'s benchmark, CVIU 2018; SEAL's
    evaluation used by SSN): boundary pixels on both sides of a boundary, matched within a
    (2r+1) x (2r+1) window with r = 1 pixel, which is 0.0025 x the BSDS500 diagonal (578 px
    for 481 x 321 images: 1.4 px) rounded. ``convention='segplug'`` scores with
    segplug's boundary-metric convention (one-pixel edges, Euclidean tolerance) instead.

    Args:
        tolerance: boundary tolerance r in pixels.
        convention: ``'bsds'`` (the literature's, default) or ``'segplug'``.
        pred_key: the data-sample field holding the superpixel ids.
    """

    def __init__(
        self,
        tolerance: float = 1,
        convention: str = 'bsds',
        pred_key: str = 'pred_superpixels',
        collect_device: str = 'cpu',
        prefix: str | None = None,
    ) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        (self.tolerance,) = check_tolerances(tolerance, 'SuperpixelMetric tolerance')
        if convention not in ('bsds', 'segplug'):
            raise ValueError(
                f"SuperpixelMetric convention must be 'bsds' or 'segplug', got {convention!r}"
            )
        self.convention = convention
        self.two_sided, self.window, _ = EDGE_CONVENTIONS[convention]
        self.pred_key = pred_key

    def process(self, data_batch: dict | None, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if self.pred_key not in sample:
                raise ValueError(
                    f'SuperpixelMetric: the data sample of '
                    f'{sample.get("img_path")} has no {self.pred_key!r}'
                )
            sp = sample[self.pred_key]
            sp = sp['data'] if isinstance(sp, dict) else sp
            sp = np.asarray(sp.cpu() if hasattr(sp, 'cpu') else sp).squeeze()
            segs, _ = load_bsds_groundtruth(sample['seg_map_path'])
            if sp.shape != segs.shape[1:]:
                raise ValueError(
                    f'SuperpixelMetric: superpixels {sp.shape} and ground truth '
                    f'{segs.shape[1:]} of {sample["seg_map_path"]} differ'
                )
            s = superpixel_scores_multi(sp, list(segs), self.tolerance, self.two_sided, self.window)
            self.results.append(np.array([s[k] for k in _KEYS]))

    def compute_metrics(self, results: list) -> dict[str, float]:
        mean = np.nanmean(np.stack(results), 0)
        pct = dict(zip(_KEYS, mean))
        return OrderedDict(
            ASA=round(pct['asa'] * 100, 2),
            BR=round(pct['boundary_recall'] * 100, 2),
            BP=round(pct['boundary_precision'] * 100, 2),
            UE=round(pct['undersegmentation_error'] * 100, 2),
            N=round(float(pct['n_superpixels']), 1),
        )
