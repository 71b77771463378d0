"""The distributed code paths in the test process itself (the DDP tests' worker processes
import segplug afresh, so a mutation of the package in this process never reaches them):
the CPU DDP wrapper on a one-process gloo group, and the checkpoint hook's agreement
between ranks with the all-reduce faked."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import torch.distributed as torch_dist
import torch.nn as nn
from mmengine.logging import MessageHub

from segplug.engine import SafeCheckpointHook
from segplug.engine import checkpoint_hook as hook_module
from segplug.engine.ddp import SegDistributedDataParallel
from segplug.engine.nan_guard_hook import NonFiniteModelError


@pytest.fixture
def one_process_group(tmp_path: Path):
    torch_dist.init_process_group(
        'gloo', init_method=f'file://{tmp_path / "store"}', rank=0, world_size=1
    )
    yield
    torch_dist.destroy_process_group()


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 1), nn.SyncBatchNorm(4), nn.ReLU())


def test_cpu_ddp_drops_device_ids_and_reverts_sync_bn(one_process_group) -> None:
    reference = _net()
    bn = nn.BatchNorm2d(4)
    bn.load_state_dict(reference[1].state_dict())
    reference[1] = bn
    # MMEngine's runner passes device_ids=[LOCAL_RANK]; DDP refuses them for a CPU module
    # (LOCAL_RANK 1 here: DDP lets a falsy output_device 0 through)
    ddp = SegDistributedDataParallel(_net(), device_ids=[1], output_device=1)
    assert not isinstance(ddp.module[1], nn.SyncBatchNorm)
    assert isinstance(ddp.module[1], nn.modules.batchnorm._BatchNorm)
    assert ddp.device_ids is None
    # MMEngine's default: no per-step search for parameters without gradients (a log line
    # per step and a traversal of the graph)
    assert ddp.detect_anomalous_params is False
    x = torch.randn(2, 3, 5, 5)
    out = ddp(x)
    torch.testing.assert_close(out, reference(x))
    torch.testing.assert_close(ddp.module[1].running_mean, reference[1].running_mean)
    out.sum().backward()
    assert all(p.grad is not None for p in ddp.parameters())


def test_plain_ddp_refuses_what_the_wrapper_accepts(one_process_group) -> None:
    """The case the wrapper exists for: without it, the runner's device_ids fail on CPU."""
    with pytest.raises(ValueError, match='device_ids'):
        nn.parallel.DistributedDataParallel(_net(), device_ids=[1], output_device=1)
    with pytest.raises(ValueError, match='output_device'):
        nn.parallel.DistributedDataParallel(_net(), output_device=1)


def _runner(tmp_path: Path) -> SimpleNamespace:
    hub = MessageHub(name=f'distributed-values-{tmp_path.name}')  # no losses logged
    return SimpleNamespace(
        model=nn.Linear(2, 2), iter=6, work_dir=str(tmp_path), hooks=[], message_hub=hub
    )


@pytest.mark.parametrize('others_bad, stops', [(0.0, False), (1.0, True), (3.0, True)])
def test_every_rank_stops_when_any_rank_holds_nonfinite_weights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, others_bad: float, stops: bool
) -> None:
    """This rank's weights are finite; the (faked) all-reduce adds the other ranks' flags."""
    reduced = []

    def all_reduce(flag: torch.Tensor, op: str) -> None:
        assert op == 'sum' and flag.dtype.is_floating_point and flag.tolist() == [0.0]
        reduced.append(flag)
        flag += others_bad

    monkeypatch.setattr(hook_module.dist, 'is_distributed', lambda: True)
    monkeypatch.setattr(hook_module.dist, 'get_comm_device', lambda: torch.device('cpu'))
    monkeypatch.setattr(hook_module.dist, 'all_reduce', all_reduce)
    hook = SafeCheckpointHook(interval=1)
    if stops:
        with pytest.raises(NonFiniteModelError, match='after iteration 7 .on another rank.'):
            hook._refuse_nonfinite(_runner(tmp_path))
    else:
        hook._refuse_nonfinite(_runner(tmp_path))
    assert len(reduced) == 1


def test_a_single_process_does_not_reduce(tmp_path: Path, monkeypatch) -> None:
    def all_reduce(*args, **kwargs) -> None:
        raise AssertionError('all_reduce outside a distributed run')

    monkeypatch.setattr(hook_module.dist, 'all_reduce', all_reduce)
    SafeCheckpointHook(interval=1)._refuse_nonfinite(_runner(tmp_path))
    run = _runner(tmp_path)
    with torch.no_grad():
        run.model.bias[0] = float('nan')
    with pytest.raises(NonFiniteModelError, match=r'\(bias\)'):
        SafeCheckpointHook(interval=1)._refuse_nonfinite(run)


@pytest.mark.parametrize('others_bad, stops', [(0.0, False), (2.0, True)])
def test_nan_guard_stops_every_rank_when_any_rank_has_a_bad_loss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, others_bad: float, stops: bool
) -> None:
    """This rank's loss is finite; the (faked) all-reduce adds the other ranks' flags, on
    the communication device (NCCL reduces CUDA tensors only)."""
    from segplug.engine import nan_guard_hook as guard_module
    from segplug.engine.nan_guard_hook import NaNGuardHook, NonFiniteLossError

    devices = []

    def get_comm_device() -> torch.device:
        devices.append('asked')
        return torch.device('cpu')

    def all_reduce(flag: torch.Tensor, op: str) -> None:
        assert op == 'sum' and flag.tolist() == [0.0] and devices == ['asked']
        flag += others_bad

    monkeypatch.setattr(guard_module.dist, 'is_distributed', lambda: True)
    monkeypatch.setattr(guard_module.dist, 'get_comm_device', get_comm_device)
    monkeypatch.setattr(guard_module.dist, 'all_reduce', all_reduce)
    outputs = {'loss': torch.tensor(0.5), 'decode.loss_ce': 0.5}
    run = _runner(tmp_path)
    if stops:
        with pytest.raises(NonFiniteLossError, match='iteration 7 .on another rank.'):
            NaNGuardHook().after_train_iter(run, 0, outputs=outputs)
    else:
        NaNGuardHook().after_train_iter(run, 0, outputs=outputs)
    assert devices == ['asked']
