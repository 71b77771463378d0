"""segplug.apis: the picture tools' CONFIG [CHECKPOINT] IMAGE ... handling."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from segplug.apis import load_model, read_images, split_checkpoint
from tests.helpers import DEMO_DATA, REPO

CONFIG = str(REPO / 'configs' / '_base_' / 'models' / 'hcfcn32_r18-v1c.py')
IMAGE = str(next((DEMO_DATA / 'images' / 'val').glob('*.jpg')))


def test_split_checkpoint_and_missing_files(tmp_path: Path) -> None:
    ckpt = tmp_path / 'm.pth'
    ckpt.write_bytes(b'')
    assert split_checkpoint([str(ckpt), IMAGE]) == (str(ckpt), [IMAGE])
    assert split_checkpoint([IMAGE, IMAGE]) == (None, [IMAGE, IMAGE])
    with pytest.raises(FileNotFoundError, match='nope.jpg: file not found'):
        split_checkpoint([IMAGE, str(tmp_path / 'nope.jpg')])
    with pytest.raises(FileNotFoundError, match='gone.pth'):
        split_checkpoint([str(tmp_path / 'gone.pth'), IMAGE])
    with pytest.raises(ValueError, match='no IMAGE'):
        split_checkpoint([str(ckpt)])


def test_untrained_model_is_reproducible_and_checkpoint_is_loaded(tmp_path: Path) -> None:
    a, b = load_model(CONFIG), load_model(CONFIG)
    assert not a.training
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    state = {
        k: torch.full_like(v, 0.5) if v.is_floating_point() else v
        for k, v in a.state_dict().items()
    }
    torch.save({'state_dict': state}, tmp_path / 'half.pth')
    c = load_model(CONFIG, str(tmp_path / 'half.pth'))
    w = c.state_dict()['decode_head.conv_seg.weight']
    assert torch.all(w == 0.5)


def test_read_images_names_an_unreadable_file(tmp_path: Path) -> None:
    bad = tmp_path / 'bad.jpg'
    bad.write_text('not an image')
    ((path, img),) = list(read_images([IMAGE]))
    assert path == IMAGE and img.ndim == 3 and img.dtype.name == 'uint8'
    with pytest.raises(ValueError, match='bad.jpg: not an image'):
        list(read_images([str(bad)]))


def test_pretrained_init_cfg_is_not_fetched(tmp_path: Path) -> None:
    """A config whose backbone names ImageNet weights still draws offline."""
    cfg = tmp_path / 'with_pretrained.py'
    cfg.write_text(
        f"_base_ = ['{CONFIG}']\n"
        "model = dict(backbone=dict(init_cfg=dict(type='Pretrained', "
        "checkpoint=r'" + str(tmp_path / 'absent.pth') + "')))\n"
    )
    model = load_model(str(cfg))  # would raise: the checkpoint file does not exist
    assert not model.training
