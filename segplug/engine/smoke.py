"""A few training iterations of each model family on real CamVid frames, optionally in mixed
precision: what ``tools/gpu_check.sh`` runs on CUDA and the AMP tests run on CPU.

Each family is a CamVid config of a segplug checkout, trained as it is (model, losses,
optimizer) on its embedded demo subset (``data/camvid_demo``) with small crops, no validation
and no checkpoints. The installed package ships neither: callers pass the checkout's root.
Pretrained weights named by ``init_cfg`` and ``load_from`` are dropped: the check is that
every op, loss and head trains on the device without NaN, not accuracy.
"""

from __future__ import annotations

import math
import os.path as osp
import time
from dataclasses import dataclass, field

import torch
from mmengine.config import Config
from mmengine.runner import Runner

from ..apis import drop_pretrained
from .amp import configure_amp
from .runtime import adapt_cfg, load_cfg

#: the demo subset, relative to a checkout's root
DEMO_DATA = osp.join('data', 'camvid_demo')

# family -> config (relative to a checkout's root); every family of the AMP requirement
FAMILIES = {
    'HCFCN-32': 'configs/hc/hcfcn32_r18-v1c_1xb4-600i_camvid-256x256.py',
    'HCPSPNet': 'configs/hc/hcpspnet_r18-v1c_1xb4-600i_camvid-256x256.py',
    'HCDeepLabv3': 'configs/hc/hcdeeplabv3_r18-v1c_1xb4-600i_camvid-256x256.py',
    'HCFPN': 'configs/hc/hcfpn_r18-v1c_1xb4-600i_camvid-256x256.py',
    'TI joint': 'configs/ti/ti-deeplabv3plus_r18-v1c_1xb4-200i_camvid-256x256.py',
    'CPP-KL': 'configs/cpp/pspnet32-cpp_r18-v1c_1xb4-500i_camvid-256x256.py',
    'UOI': 'configs/uoi/pspnet32-uoi_r18-v1c_1xb4-500i_camvid-256x256.py',
    'semantic features': (
        'configs/semantic_features/semantic-features-fcn32_r18-v1c_1xb2-400i_camvid-256x256.py'
    ),
}


@dataclass
class SmokeResult:
    """What a smoke training run gives back (JSON-ready through ``vars``)."""

    family: str
    config: str
    device: str
    amp: str | None
    iters: int
    crop: int
    batch: int
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    finite: bool = False
    error: str | None = None


def smoke_cfg(
    config: str,
    work_dir: str,
    data_root: str,
    iters: int = 2,
    crop: int = 64,
    batch: int = 2,
) -> Config:
    """``config`` shrunk to ``iters`` training iterations on ``crop`` x ``crop`` crops of
    ``data_root`` (MMSegmentation's CamVid layout), without validation or checkpoints."""
    cfg = load_cfg(config, work_dir=work_dir)
    cfg.model.pop('pretrained', None)
    drop_pretrained(cfg.model)
    cfg.load_from = None
    cfg.resume = False
    cfg.model.data_preprocessor.size = (crop, crop)
    loader = cfg.train_dataloader
    loader.batch_size = batch
    loader.num_workers = 0
    loader.persistent_workers = False
    loader.dataset.data_root = data_root
    loader.dataset.pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='RandomCrop', crop_size=(crop, crop)),
        dict(type='PackSegInputs'),
    ]
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=iters + 1)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=iters + 1, save_last=False)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.custom_hooks = [
        h
        for h in cfg.get('custom_hooks', []) or []
        if h['type'] not in ('EvalProgressHook', 'ValBeforeTrainHook')
    ]
    cfg.log_level = 'WARNING'
    return cfg


def smoke_train(
    family: str,
    work_dir: str,
    root: str,
    amp: str | None = None,
    iters: int = 2,
    crop: int = 64,
    batch: int = 2,
    seed: int = 0,
) -> SmokeResult:
    """Train ``FAMILIES[family]`` of the checkout at ``root`` for ``iters`` iterations on its
    demo subset, on whatever device MMEngine picks (CUDA when present), in ``amp`` precision
    (``'float16'`` / ``'bfloat16'``) or float32.

    A NaN or Inf loss stops the run through segplug's NaN guard; the result records the
    error instead of raising, so one check reports every family.
    """
    config = osp.join(root, FAMILIES[family])
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    result = SmokeResult(family, FAMILIES[family], device, amp, iters, crop, batch)
    cfg = smoke_cfg(config, work_dir, osp.join(root, DEMO_DATA), iters, crop, batch)
    cfg.randomness = dict(seed=seed)
    if amp:
        configure_amp(cfg, amp)
    adapt_cfg(cfg)
    t0 = time.perf_counter()
    try:
        runner = Runner.from_cfg(cfg)
        runner.train()
        history = runner.message_hub.get_scalar('train/loss')
        result.losses = [float(v) for v in history.data[0]]
        result.finite = bool(result.losses) and all(math.isfinite(v) for v in result.losses)
    except Exception as err:  # reported per family by the check, not raised
        result.error = f'{type(err).__name__}: {err}'
    result.seconds = time.perf_counter() - t0
    return result
