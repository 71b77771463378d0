"""Hooks at the iteration where their order matters, with fake runners (milliseconds):
validation before training only at iteration 0 (not on resume), the data check before it,
the evaluation progress bar counting exactly the loop's batches, class counts at the
2-class / 1-channel boundary."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
import torch.nn as nn
from mmengine.hooks import CheckpointHook
from mmengine.model import MMDistributedDataParallel
from mmengine.registry import init_default_scope
from mmengine.runner.priority import get_priority
from mmseg.registry import HOOKS

import segplug  # noqa: F401  (registers the hooks)
from segplug.engine import (
    DataCheckHook,
    EvalProgressHook,
    NaNGuardHook,
    SafeCheckpointHook,
    ValBeforeTrainHook,
)
from segplug.engine.data_check_hook import check_num_classes, head_class_counts


class Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []


def fake_runner(iteration: int, with_val: bool = True) -> SimpleNamespace:
    calls = Recorder().calls
    loop = SimpleNamespace(run=lambda: calls.append('val'))
    model = SimpleNamespace(train=lambda: calls.append('train'))
    return SimpleNamespace(
        iter=iteration,
        _val_loop=loop if with_val else None,
        val_loop=loop,
        model=model,
        calls=calls,
    )


def test_val_before_train_runs_at_iteration_0_then_trains() -> None:
    runner = fake_runner(0)
    ValBeforeTrainHook().before_train(runner)
    assert runner.calls == ['val', 'train']  # back in train mode after validating


@pytest.mark.parametrize('iteration, with_val', [(1, True), (500, True), (0, False)])
def test_val_before_train_skips_resumed_runs_and_runs_without_val(iteration, with_val) -> None:
    runner = fake_runner(iteration, with_val)
    ValBeforeTrainHook().before_train(runner)
    assert runner.calls == []


def test_val_before_train_history_keeps_every_validation() -> None:
    hook = ValBeforeTrainHook()
    metrics = {'mIoU': 10.0}
    hook.after_val_epoch(SimpleNamespace(iter=0), metrics)
    metrics['mIoU'] = 99.0  # a copy is kept
    hook.after_val_epoch(SimpleNamespace(iter=8), None)
    assert hook.history == [(0, {'mIoU': 10.0}), (8, {})]


def test_hook_priorities_order_the_checks() -> None:
    # data check first, then validation of the start; the NaN guard before any checkpoint
    assert get_priority(DataCheckHook.priority) == get_priority('VERY_HIGH')
    assert get_priority(ValBeforeTrainHook.priority) == get_priority('LOW')
    assert get_priority(EvalProgressHook.priority) == get_priority('LOW')
    assert get_priority(NaNGuardHook.priority) < get_priority(CheckpointHook.priority)
    init_default_scope('mmseg')
    assert HOOKS.get('SafeCheckpointHook') is SafeCheckpointHook


def eval_runner(n: int) -> SimpleNamespace:
    loop = SimpleNamespace(dataloader=list(range(n)))
    return SimpleNamespace(val_loop=loop, test_loop=loop)


@pytest.mark.parametrize('phase', ['val', 'test'])
def test_progress_bar_counts_the_loop(phase: str) -> None:
    hook = EvalProgressHook()
    runner = eval_runner(3)
    getattr(hook, f'before_{phase}_epoch')(runner)
    bar = hook._bar
    assert bar.task_num == 3 and bar.completed == 0
    bar.file = io.StringIO()
    for i in range(3):
        getattr(hook, f'after_{phase}_iter')(runner, i)
    assert bar.completed == 3
    getattr(hook, f'after_{phase}_epoch')(runner)
    assert hook._bar is None
    out = bar.file.getvalue()
    assert '3/3' in out and out.endswith('\n')
    getattr(hook, f'after_{phase}_iter')(runner, 0)  # no bar: nothing happens


def test_progress_bar_only_on_rank_0(monkeypatch) -> None:
    module = __import__(EvalProgressHook.__module__, fromlist=['is_main_process'])
    monkeypatch.setattr(module, 'is_main_process', lambda: False)
    hook = EvalProgressHook()
    hook.before_val_epoch(eval_runner(3))
    assert hook._bar is None


class Head(nn.Module):
    def __init__(self, n: int) -> None:
        super().__init__()
        self.num_classes = n


def segmentor(decode: int, aux=None) -> nn.Module:
    model = nn.Module()
    model.decode_head = Head(decode)
    if aux is not None:
        model.auxiliary_head = (
            nn.ModuleList([Head(a) for a in aux]) if isinstance(aux, list) else Head(aux)
        )
    return model


def test_head_class_counts_names_every_head() -> None:
    assert head_class_counts(segmentor(3, [3, 4])) == {
        'model.decode_head.num_classes': 3,
        'model.auxiliary_head[0].num_classes': 3,
        'model.auxiliary_head[1].num_classes': 4,
    }
    assert head_class_counts(segmentor(5, 2)) == {
        'model.decode_head.num_classes': 5,
        'model.auxiliary_head.num_classes': 2,
    }


def test_head_class_counts_looks_through_ddp() -> None:
    wrapped = MMDistributedDataParallel.__new__(MMDistributedDataParallel)
    nn.Module.__init__(wrapped)
    wrapped.module = segmentor(4)
    assert head_class_counts(wrapped) == {'model.decode_head.num_classes': 4}


def dataset(classes, label_maps: bool = True) -> SimpleNamespace:
    return SimpleNamespace(metainfo=dict(classes=classes), label_maps=label_maps)


@pytest.mark.parametrize(
    'n_classes, head, ok',
    [
        (2, 1, True),  # a 2-class dataset with a sigmoid head, as MMSegmentation allows
        (2, 2, True),
        (3, 3, True),
        (3, 1, False),  # a 1-channel head is allowed for 2 classes only
        (2, 3, False),
        (3, 4, False),
        (3, 2, False),
    ],
)
def test_num_classes_at_the_boundary(n_classes: int, head: int, ok: bool) -> None:
    classes = tuple('abcd'[:n_classes])
    if ok:
        check_num_classes(segmentor(head), dataset(classes), 'train')
    else:
        with pytest.raises(
            ValueError,
            match=rf'model.decode_head.num_classes = {head}, but '
            rf'train \(SimpleNamespace\) has {n_classes} classes',
        ):
            check_num_classes(segmentor(head), dataset(classes), 'train')


def test_num_classes_of_an_auxiliary_head_is_checked_too() -> None:
    with pytest.raises(ValueError, match=r'auxiliary_head\[1\].num_classes=3'):
        check_num_classes(segmentor(3, [3, 4]), dataset(('a', 'b', 'c')), 'train')


def test_num_classes_not_compared_without_label_maps() -> None:
    check_num_classes(segmentor(3), dataset(('a', 'b'), label_maps=False), 'train')


def test_data_check_hook_checks_train_val_and_test_files(tmp_path) -> None:
    from segplug.datasets import DatasetCheckError

    class Data:
        metainfo = dict(classes=('a', 'b', 'c'))

        def __init__(self, name: str) -> None:
            self.name = name

        def __len__(self) -> int:
            return 1

        def get_data_info(self, i: int) -> dict:
            return dict(img_path=str(tmp_path / f'{self.name}.png'))

    def loop(name: str) -> SimpleNamespace:
        return SimpleNamespace(dataloader=SimpleNamespace(dataset=Data(name)))

    run = SimpleNamespace(
        model=segmentor(3), train_loop=loop('train'), _val_loop=loop('val'), test_loop=loop('test')
    )
    hook = DataCheckHook(num_workers=1)
    with pytest.raises(
        DatasetCheckError,
        match=r'train_dataloader.dataset: 1 problem.*\n'
        r'.*train.png: image file not found',
    ):
        hook.before_train(run)
    import numpy as np
    from PIL import Image

    Image.fromarray(np.zeros((2, 2, 3), np.uint8)).save(tmp_path / 'train.png')
    with pytest.raises(DatasetCheckError, match=r'val_dataloader.dataset: (.|\n)*val.png'):
        hook.before_train(run)
    with pytest.raises(DatasetCheckError, match=r'test_dataloader.dataset: (.|\n)*test.png'):
        hook.before_test(run)
