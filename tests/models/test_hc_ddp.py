"""An HC model trains under 2-process CPU DDP, the ranks staying in step."""
from __future__ import annotations

from pathlib import Path

from tests.engine.test_ddp import train_two_ranks
from tests.helpers import tiny_cfg


def test_hcfcn32_two_process_cpu(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path / 'work', max_iters=2, ckpt_interval=2, n_val=1)
    cfg.model.type = 'HCEncoderDecoder'
    cfg.model.backbone.type = 'HCResNet'
    cfg.model.backbone.hc_levels = 2
    train_two_ranks(cfg, tmp_path)
