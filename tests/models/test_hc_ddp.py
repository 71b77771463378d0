"""An HC model trains under 2-process CPU DDP, the ranks staying in step."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tests.engine.test_ddp import train_two_ranks
from tests.helpers import tiny_cfg

pytestmark = pytest.mark.slow


def test_hcfcn32_two_process_cpu(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path / 'work', max_iters=2, ckpt_interval=2, n_val=1)
    cfg.model.type = 'HCEncoderDecoder'
    cfg.model.backbone.type = 'HCResNet'
    cfg.model.backbone.hc_levels = 2
    _, work = train_two_ranks(cfg, tmp_path)  # asserts the ranks hold identical parameters
    rank0 = torch.load(work / 'rank0.pth')
    rank1 = torch.load(work / 'rank1.pth')
    clustering = [k for k in rank0 if 'clusterings' in k and k.endswith('weight')]
    assert clustering, 'the HC clustering parameters were not trained under DDP'
    for k in clustering:
        assert torch.equal(rank0[k], rank1[k]), k
