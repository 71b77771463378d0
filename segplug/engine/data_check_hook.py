"""Check the datasets' files and the model's class count before the first iteration."""

from __future__ import annotations

from typing import Any

import torch.nn as nn
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from ..datasets.checks import DatasetCheckError, dataset_problems, leaf_datasets


def head_class_counts(model: nn.Module) -> dict[str, int]:
    """``{'model.decode_head.num_classes': n, ...}`` for every head that has one."""
    if is_model_wrapper(model):
        model = model.module
    counts = {}
    for attr in ('decode_head', 'auxiliary_head'):
        heads = getattr(model, attr, None)
        if heads is None:
            continue
        if isinstance(heads, nn.ModuleList):
            items = [(f'model.{attr}[{i}]', h) for i, h in enumerate(heads)]
        else:
            items = [(f'model.{attr}', heads)]
        for name, head in items:
            if hasattr(head, 'num_classes'):
                counts[f'{name}.num_classes'] = int(head.num_classes)
    return counts


def check_num_classes(model: nn.Module, dataset: Any, name: str) -> None:
    """Raise ``ValueError`` when a head's ``num_classes`` disagrees with the dataset's.

    Datasets whose labels are not class maps (``label_maps = False``, e.g. BSDS500's region
    annotations) are not compared.
    """
    leaves = [d for d in leaf_datasets(dataset) if getattr(d, 'label_maps', True)]
    classes = leaves[0].metainfo.get('classes') if leaves else None
    if not classes:
        return
    for option, n in head_class_counts(model).items():
        # MMSegmentation allows a 2-class dataset with a 1-channel (sigmoid) head.
        if n != len(classes) and not (len(classes) == 2 and n == 1):
            raise ValueError(
                f'{option} = {n}, but {name} ({type(dataset).__name__}) has '
                f'{len(classes)} classes {tuple(classes)}: set it to {len(classes)}, '
                f'e.g. --cfg-options {option}={len(classes)}'
            )


@HOOKS.register_module()
class DataCheckHook(Hook):
    """Open every file of the train, val and test datasets before any compute is spent.

    Catches missing, truncated or undecodable images, missing label files, multi-channel
    label maps, image/label size mismatches, label values outside ``[0, num_classes)`` other
    than the ignore index, empty datasets, and heads whose ``num_classes`` disagree with the
    dataset. Each error names the file (or config option) and the problem.

    Args:
        decode_images: decode images fully (catches truncated files) rather than headers.
        num_workers: threads used to read files.
    """

    priority = 'VERY_HIGH'

    def __init__(self, decode_images: bool = True, num_workers: int | None = None) -> None:
        self.decode_images = decode_images
        self.num_workers = num_workers

    def _check(self, runner: Any, dataset: Any, name: str) -> None:
        check_num_classes(runner.model, dataset, name)
        # under DDP each rank reads its share of the files; every rank then raises the
        # problems all of them found (a rank that went on alone would hang the others)
        rank, world = get_rank(), get_world_size()
        problems = dataset_problems(
            dataset, name, self.decode_images, self.num_workers, shard=(rank, world)
        )
        if world > 1:
            problems = [p for found in all_gather_object(problems) for p in found]
        if problems:
            raise DatasetCheckError(name, problems)
        print_log(f'DataCheckHook: {name} ok ({len(dataset)} samples)', logger='current')

    def before_train(self, runner: Any) -> None:
        self._check(runner, runner.train_loop.dataloader.dataset, 'train_dataloader.dataset')
        val_loop = getattr(runner, '_val_loop', None)
        if val_loop is not None and hasattr(val_loop, 'dataloader'):
            self._check(runner, val_loop.dataloader.dataset, 'val_dataloader.dataset')

    def before_test(self, runner: Any) -> None:
        self._check(runner, runner.test_loop.dataloader.dataset, 'test_dataloader.dataset')
