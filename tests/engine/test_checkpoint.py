"""MMEngine checkpoints load under torch's safe unpickler; arbitrary objects still do not;
at test time a checkpoint of another model, or a damaged file, is an error naming it."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest
import torch
from mmengine.runner import Runner

import segplug  # noqa: F401
from segplug.apis import load_model
from segplug.engine import adapt_cfg, load_checkpoint
from tests.helpers import DEMO_CONFIG, tiny_cfg


class Evil:
    def __reduce__(self):  # would run code on a weights_only=False load
        return (print, ('pwned',))


def test_runner_checkpoint_loads_with_weights_only(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path, max_iters=2, ckpt_interval=2, narrow=True)
    adapt_cfg(cfg)
    Runner.from_cfg(cfg).train()
    ckpt = torch.load(tmp_path / 'iter_2.pth', map_location='cpu', weights_only=True)
    assert ckpt['meta']['iter'] == 2
    assert 'message_hub' in ckpt and 'optimizer' in ckpt and 'param_schedulers' in ckpt


def test_load_from_uses_safe_loader(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path / 'a', max_iters=2, ckpt_interval=2, narrow=True)
    adapt_cfg(cfg)
    Runner.from_cfg(cfg).train()
    cfg2 = tiny_cfg(tmp_path / 'b', max_iters=2, ckpt_interval=2, narrow=True)
    cfg2.load_from = str(tmp_path / 'a' / 'iter_2.pth')
    adapt_cfg(cfg2)
    runner = Runner.from_cfg(cfg2)
    runner.load_or_resume()
    ref = torch.load(cfg2.load_from, map_location='cpu')['state_dict']
    for k, v in runner.model.state_dict().items():
        assert torch.equal(v, ref[k]), k


def test_untrusted_objects_still_refused(tmp_path: Path) -> None:
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'x': Evil()}, path)
    with pytest.raises(pickle.UnpicklingError, match='weights_only'):
        torch.load(path, map_location='cpu')


class Sneaky:
    def __reduce__(self):  # a getattr on anything but HistoryBuffer must be refused
        return (getattr, (int, 'from_bytes'))


def test_getattr_is_restricted_to_history_buffer(tmp_path: Path) -> None:
    path = tmp_path / 'sneaky.pth'
    torch.save({'x': Sneaky()}, path, pickle_protocol=2)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, map_location='cpu')


class SneakyNumpy:
    def __reduce__(self):  # an allowed global and an allowed name, but not HistoryBuffer
        import numpy as np

        return (getattr, (np.ndarray, 'mean'))


def test_getattr_allow_list_pins_every_condition(tmp_path: Path) -> None:
    """Each condition of segplug's ``getattr`` rule is part of the security boundary: the
    object must be a class (not an instance), HistoryBuffer or a subclass, and the name one
    of its statistics. A checkpoint reaching an allowed global (numpy's ndarray) with an
    allowed name is refused by the class check itself."""
    from mmengine.logging import HistoryBuffer

    from segplug.engine.checkpoint import history_buffer_getattr

    path = tmp_path / 'numpy.pth'
    torch.save({'x': SneakyNumpy()}, path, pickle_protocol=2)
    with pytest.raises(pickle.UnpicklingError, match='allows getattr only'):
        torch.load(path, map_location='cpu')
    assert history_buffer_getattr(HistoryBuffer, 'min') is HistoryBuffer.min
    import numpy as np

    for obj, name in [
        (np.ndarray, 'mean'),  # allowed name, another class
        (HistoryBuffer(), 'min'),  # an instance: its bound methods are not what MMEngine pickles
        (HistoryBuffer, '__reduce_ex__'),  # HistoryBuffer, a name outside the statistics
        (HistoryBuffer, 'update'),
    ]:
        with pytest.raises(pickle.UnpicklingError, match='allows getattr only'):
            history_buffer_getattr(obj, name)


# ---- strict loading at test / inference time (segplug.engine.load_checkpoint) ----


def small_model() -> torch.nn.Module:
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Conv2d(4, 2, 1)
    )


def test_checkpoint_of_another_model_is_refused(tmp_path: Path) -> None:
    model = small_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    other = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3),
        torch.nn.BatchNorm2d(4),
        torch.nn.Conv2d(4, 5, 1),
        torch.nn.Conv2d(5, 1, 1),
    )
    path = tmp_path / 'other.pth'
    torch.save(
        {
            'state_dict': {
                f'module.{k}': v for k, v in other.state_dict().items() if k != '1.running_var'
            },
            'meta': {},
        },
        path,
    )
    with pytest.raises(ValueError) as err:
        load_checkpoint(model, str(path), config='cfg.py')
    message = str(err.value)
    assert message.startswith(f'{path} does not fit the model of cfg.py (Sequential)')
    assert '1 missing keys (1.running_var)' in message
    assert '2 unexpected keys (3.weight, 3.bias)' in message
    assert '2.weight (5, 4, 1, 1) vs model (2, 4, 1, 1)' in message
    assert '--allow-partial-checkpoint' in message
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())

    load_checkpoint(model, str(path), strict=False)  # the explicit opt-in: what fits
    assert torch.equal(model.state_dict()['0.weight'], other.state_dict()['0.weight'])
    assert torch.equal(model.state_dict()['2.weight'], before['2.weight'])


def test_unreadable_files_are_named(tmp_path: Path) -> None:
    model = small_model()
    whole = tmp_path / 'whole.pth'
    torch.save({'state_dict': model.state_dict()}, whole)
    load_checkpoint(model, str(whole))
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(whole.read_bytes()[:1500])
    text = tmp_path / 'notes.pth'
    text.write_text('not a checkpoint')
    tensor = tmp_path / 'tensor.pth'
    torch.save(torch.zeros(3), tensor)
    for path, reason in (
        (truncated, 'not a readable checkpoint'),
        (text, 'not a readable checkpoint'),
        (tensor, 'not a checkpoint (it holds a Tensor'),
    ):
        with pytest.raises(ValueError, match=re.escape(f'{path}: {reason}')):
            load_checkpoint(model, str(path))
    with pytest.raises(FileNotFoundError, match='checkpoint file not found: /no/such.pth'):
        load_checkpoint(model, '/no/such.pth')


def test_load_model_is_strict(tmp_path: Path) -> None:
    """show_clusters / show_features / benchmark load through segplug.apis.load_model."""
    model = load_model(str(DEMO_CONFIG))
    state = {k: v for k, v in model.state_dict().items() if not k.startswith('auxiliary')}
    torch.save({'state_dict': state}, tmp_path / 'no_aux.pth')
    with pytest.raises(
        ValueError,
        match=r'no_aux\.pth does not fit the model of .*demo.*'
        r'missing keys \(auxiliary_head\.',
    ):
        load_model(str(DEMO_CONFIG), str(tmp_path / 'no_aux.pth'))
    load_model(str(DEMO_CONFIG), str(tmp_path / 'no_aux.pth'), strict=False)


def test_previous_best_checkpoint_is_removed_after_the_new_one(tmp_path: Path) -> None:
    """save_best under SafeCheckpointHook: a better score replaces the best file only once
    the new one is written (MMEngine removes the old one first); a worse one keeps it."""
    cfg = tiny_cfg(tmp_path, max_iters=2, ckpt_interval=2, narrow=True)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint.update(save_best='mIoU', rule='greater')
    adapt_cfg(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    (hook,) = [h for h in runner.hooks if type(h).__name__ == 'SafeCheckpointHook']
    removed_before_written = []
    save = runner.save_checkpoint

    def watching_save(out_dir: str, filename: str, *args, **kwargs) -> None:
        if filename == 'best_mIoU_iter_4.pth' and not (tmp_path / 'best_mIoU_iter_2.pth').exists():
            removed_before_written.append(filename)
        save(out_dir, filename, *args, **kwargs)

    runner.save_checkpoint = watching_save
    best = lambda: sorted(p.name for p in tmp_path.glob('best_*.pth'))  # noqa: E731
    for score, step, expected in (
        (50, 2, ['best_mIoU_iter_2.pth']),
        (40, 3, ['best_mIoU_iter_2.pth']),
        (60, 4, ['best_mIoU_iter_4.pth']),
    ):
        runner.train_loop._iter = step
        hook._save_best_checkpoint(runner, {'mIoU': score})
        assert best() == expected
    assert not removed_before_written
