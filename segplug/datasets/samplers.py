"""Mixed-dataset training: draw from several datasets in fixed proportions, optionally with
class-uniform image sampling (SeeThroughNet supplement, A.2).

MMEngine's ``InfiniteSampler`` over a ``ConcatDataset`` draws each dataset in proportion to
its size (20,000 Mapillary images would swamp 3,475 Cityscapes ones); the supplement instead
fixes the share of each dataset in every batch (40% Cityscapes fine + val, 40% Mapillary, 20%
coarse) and samples the classes of Mapillary and coarse uniformly ([16], Zhu et al. 2019).
"""

from __future__ import annotations

import itertools
import json
import os.path as osp
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch
from mmengine.dist import get_dist_info, sync_random_seed
from mmseg.registry import DATA_SAMPLERS
from PIL import Image
from torch.utils.data import Sampler

from .checks import _label_values_after_mapping


def proportional_schedule(proportions: Sequence[float]) -> Iterator[int]:
    """Endless sequence of source indices with the given shares, spread evenly.

    Smooth weighted round-robin: after n draws source i has been drawn
    ``round(n * p_i)`` times up to less than one draw, so every window of a batch, not just
    the long run, holds each dataset in its share (0.4, 0.4, 0.2 gives 0 1 0 1 2 ...).
    """
    p = np.asarray(proportions, dtype=np.float64)
    p = p / p.sum()
    credit = np.zeros_like(p)
    while True:
        credit += p
        i = int(np.argmax(credit))
        credit[i] -= 1.0
        yield i


def image_classes(dataset: Any, ignore_index: int = 255) -> list[list[int]]:
    """The classes present in each image of a segmentation dataset (after its label mapping).

    Returns a list, per image, of the sorted class ids of its label map as training sees
    them (``reduce_zero_label`` and ``label_map`` applied, the ignore index left out).
    """
    if hasattr(dataset, 'full_init'):
        dataset.full_init()
    out = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        path = info.get('seg_map_path')
        if not path or not osp.isfile(path):
            raise FileNotFoundError(
                f'class-uniform sampling needs label maps: {path!r} '
                f'(image {info.get("img_path")}) not found'
            )
        with Image.open(path) as im:
            raw = np.unique(np.asarray(im))
        values = _label_values_after_mapping(
            raw, bool(info.get('reduce_zero_label')), info.get('label_map')
        )
        out.append(sorted({int(v) for v in values if v != ignore_index}))
    return out


@DATA_SAMPLERS.register_module()
class MixedDatasetSampler(Sampler[int]):
    """Infinite sampler over a ``ConcatDataset`` with a fixed share per dataset.

    Args:
        dataset: MMEngine's ``ConcatDataset`` (``dict(type='ConcatDataset', datasets=[...])``).
        proportions: share of each dataset in the stream, e.g. ``[0.4, 0.4, 0.2]``;
            normalised to sum 1.
        class_uniform: per dataset (or one bool for all): pick a class uniformly among the
            classes of that dataset, then an image containing it uniformly ([16]'s class
            uniform sampling at image level; crops are still the pipeline's), instead of a
            shuffled pass over the images.
        seed: random seed, shared by all ranks (None: one synchronised random seed).
        class_index_file: JSON cache of the classes of every image (reading 20,000 label
            maps takes minutes): read if it exists, else written by rank 0.
        ignore_index: label value that is not a class.

    Each rank takes every ``world_size``-th index of the one global stream, as MMEngine's
    ``InfiniteSampler`` does, so the shares hold over the global batch.
    """

    def __init__(
        self,
        dataset: Any,
        proportions: Sequence[float],
        class_uniform: bool | Sequence[bool] = False,
        seed: int | None = None,
        class_index_file: str | None = None,
        ignore_index: int = 255,
    ) -> None:
        if not hasattr(dataset, 'datasets') or not hasattr(dataset, 'cumulative_sizes'):
            raise ValueError(
                'MixedDatasetSampler needs a ConcatDataset '
                f'(train_dataloader.dataset), got {type(dataset).__name__}'
            )
        n = len(dataset.datasets)
        if len(proportions) != n or any(p <= 0 for p in proportions):
            raise ValueError(
                f'sampler.proportions must hold {n} positive shares (one per '
                f'dataset of the ConcatDataset), got {list(proportions)}'
            )
        if isinstance(class_uniform, bool):
            class_uniform = [class_uniform] * n
        if len(class_uniform) != n:
            raise ValueError(
                f'sampler.class_uniform must be a bool or {n} bools, got {list(class_uniform)}'
            )
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.proportions = [float(p) for p in proportions]
        self.class_uniform = list(class_uniform)
        self.seed = sync_random_seed() if seed is None else seed
        self.offsets = [0] + list(dataset.cumulative_sizes[:-1])
        self.sizes = [len(d) for d in dataset.datasets]
        if any(s == 0 for s in self.sizes):
            raise ValueError(
                f'MixedDatasetSampler: a dataset of the ConcatDataset is empty (sizes {self.sizes})'
            )
        self.class_images: list[dict[int, list[int]] | None] = [None] * n
        if any(self.class_uniform):
            index = self._class_index(class_index_file, ignore_index)
            for k in range(n):
                if self.class_uniform[k]:
                    by_class: dict[int, list[int]] = {}
                    for i, classes in enumerate(index[k]):
                        for c in classes:
                            by_class.setdefault(c, []).append(i)
                    if not by_class:
                        raise ValueError(f'class_uniform: dataset {k} has no labelled pixel')
                    self.class_images[k] = by_class

    def _class_index(self, path: str | None, ignore_index: int) -> list[list[list[int]]]:
        if path and osp.isfile(path):
            with open(path) as f:
                index = json.load(f)
            if [len(x) for x in index] != self.sizes:
                raise ValueError(
                    f'class_index_file {path} is for datasets of sizes '
                    f'{[len(x) for x in index]}, not {self.sizes}: delete it'
                )
            return index
        index = [
            image_classes(d, ignore_index) if cu else [[]] * len(d)
            for d, cu in zip(self.dataset.datasets, self.class_uniform)
        ]
        if path and self.rank == 0:
            with open(path, 'w') as f:
                json.dump(index, f)
        return index

    def _source_stream(self, k: int, g: torch.Generator) -> Iterator[int]:
        """Endless local indices of dataset ``k``."""
        by_class = self.class_images[k]
        if by_class is None:
            while True:
                yield from torch.randperm(self.sizes[k], generator=g).tolist()
        classes = sorted(by_class)
        while True:
            c = classes[int(torch.randint(len(classes), (1,), generator=g))]
            images = by_class[c]
            yield images[int(torch.randint(len(images), (1,), generator=g))]

    def global_indices(self) -> Iterator[int]:
        """The endless global stream of ``ConcatDataset`` indices (all ranks together)."""
        streams = []
        for k in range(len(self.sizes)):
            g = torch.Generator()
            g.manual_seed(self.seed * 1000 + k)
            streams.append(self._source_stream(k, g))
        for k in proportional_schedule(self.proportions):
            yield self.offsets[k] + next(streams[k])

    def __iter__(self) -> Iterator[int]:
        yield from itertools.islice(self.global_indices(), self.rank, None, self.world_size)

    def __len__(self) -> int:
        return sum(self.sizes)

    def set_epoch(self, epoch: int) -> None:
        """Iteration-based, like ``InfiniteSampler``: nothing to do."""
