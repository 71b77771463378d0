"""The TensorBoard backend writes events where tensorboard is installed, no-ops elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

import segplug  # noqa: F401
from segplug.engine import OptionalTensorboardVisBackend


def _scalar_tags(folder: Path) -> list[str]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    (events,) = folder.rglob('events.out.tfevents.*')
    return EventAccumulator(str(events.parent)).Reload().Tags()['scalars']


def test_writes_events_when_installed(tmp_path: Path) -> None:
    assert OptionalTensorboardVisBackend.available, 'tensorboard is in requirements-test.txt'
    backend = OptionalTensorboardVisBackend(str(tmp_path))
    backend.add_scalars({'loss': 1.5, 'mIoU': 20.0}, step=3)
    writer = backend.experiment  # torch's SummaryWriter
    backend.close()
    assert writer.all_writers is None  # flushed and closed with the backend
    assert sorted(_scalar_tags(tmp_path)) == ['loss', 'mIoU']
    events = list(tmp_path.rglob('events.out.tfevents.*'))
    assert events and events[0].stat().st_size > 0


def test_noop_without_tensorboard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(OptionalTensorboardVisBackend, 'available', False)
    backend = OptionalTensorboardVisBackend(str(tmp_path))
    backend.add_scalars({'loss': 1.5}, step=1)
    backend.close()
    assert not list(tmp_path.rglob('events.out.tfevents.*'))


def test_config_and_image_reach_the_events(tmp_path: Path) -> None:
    import numpy as np
    from mmengine.config import Config
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    backend = OptionalTensorboardVisBackend(str(tmp_path))
    backend.add_config(Config(dict(model=dict(type='EncoderDecoder'))))
    backend.add_image('pred', np.zeros((4, 5, 3), np.uint8), step=2)
    backend.close()
    (events,) = tmp_path.rglob('events.out.tfevents.*')
    acc = EventAccumulator(str(events.parent)).Reload()
    assert 'config/text_summary' in acc.Tags()['tensors']
    (image,) = acc.Images('pred')
    assert (image.step, image.width, image.height) == (2, 5, 4)
