"""cluster_leakage over a dataset, with a stand-in HC model whose assignments are fixed."""

from __future__ import annotations

import math

import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from torch import nn

from segplug.evaluation.cluster_leakage import cluster_leakage
from segplug.models.utils import HCFeatures


class FixedAssignments(nn.Module):
    """Preprocessor = identity; backbone = the given assignments whatever the image."""

    def __init__(self, assignment: torch.Tensor) -> None:
        super().__init__()
        self.assignment = assignment
        self.data_preprocessor = lambda data, training: dict(
            inputs=torch.stack(data['inputs']).float(), data_samples=data['data_samples']
        )

    def backbone(self, inputs: torch.Tensor) -> HCFeatures:
        # evaluated as at test time: BatchNorm's running statistics, no dropout
        assert not self.training and not torch.is_grad_enabled()
        return HCFeatures([inputs], [self.assignment])


def sample(labels: torch.Tensor) -> dict:
    ds = SegDataSample()
    ds.gt_sem_seg = PixelData(data=labels[None])
    return dict(inputs=torch.zeros(3, *labels.shape, dtype=torch.uint8), data_samples=ds)


def test_leakage_against_the_own_cell_reference() -> None:
    """A class-1 column (x = 0) of a 4x4 map: every 2x2 cell is a 2-2 tie, read as class 0,
    so the own cell leaks all of class 1; the left neighbour leaks nothing with a labelled
    seed."""
    labels = torch.zeros(4, 4, dtype=torch.long)
    labels[:, 0] = 1
    own = torch.zeros(1, 9, 4, 4)
    own[:, 4] = 1
    left = torch.zeros(1, 9, 4, 4)
    left[:, 3] = 1  # (dy, dx) = (0, -1)
    (row,) = cluster_leakage(FixedAssignments(own), [sample(labels)] * 2, num_classes=2)
    assert row['size'] == [4, 4] and row['pixels'] == [24.0, 8.0]
    assert row['leaked_share'] == row['own_cell_leaked_share'] == [0.0, 1.0]
    assert row['no_seed_share'] == [0.0, 1.0]
    (row,) = cluster_leakage(FixedAssignments(left), [sample(labels)], num_classes=2)
    # x = 0, 1 take a seed outside the map (not labelled); x = 2, 3 cell column 0's: class 0
    assert row['leaked_share'] == [0.0, 0.0]
    assert row['own_cell_leaked_share'] == [0.0, 1.0]
    assert row['entropy'] == [0.0, 0.0]
    uniform = torch.full((1, 9, 4, 4), 1 / 9)
    (row,) = cluster_leakage(FixedAssignments(uniform), [sample(labels)] * 3, num_classes=2)
    assert row['entropy'] == pytest.approx([math.log(9)] * 2)
