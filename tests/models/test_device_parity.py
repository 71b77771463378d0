"""Every model family's training step on every device: losses and gradients in float32 on the
device against the same model (same weights) in float64 on the CPU.

On ``cpu`` this checks the models are numerically sound in float32; on ``cuda`` it also checks
that nothing inside a backbone, head, loss or segmentor stays on (or goes back to) the CPU.
Tolerances: losses 1e-4 relative; each parameter's gradient within 1e-3 of its float64 norm
plus 1e-6 of the model's largest gradient norm (ResNet-18 with batch statistics over 2
images amplifies float32 rounding in the gradients).
"""

from __future__ import annotations

import copy

import cv2
import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import register_all_modules

import segplug  # noqa: F401
from segplug.apis import drop_pretrained
from segplug.engine.smoke import FAMILIES
from tests.helpers import DEMO_DATA, REPO

CROP = (64, 80)


def _no_dropout(cfg: dict) -> None:
    for key, value in cfg.items():
        if key == 'dropout_ratio':
            cfg[key] = 0.0
        elif isinstance(value, dict):
            _no_dropout(value)


def build(family: str) -> torch.nn.Module:
    register_all_modules()
    cfg = Config.fromfile(str(REPO / FAMILIES[family]))
    cfg.model.pop('pretrained', None)
    drop_pretrained(cfg.model)
    _no_dropout(cfg.model)
    cfg.model.data_preprocessor.size = CROP
    torch.manual_seed(0)
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    model.init_weights()
    return model.train()


def real_batch(model: torch.nn.Module) -> tuple[torch.Tensor, list[SegDataSample]]:
    """Two real CamVid frames cropped to ``CROP``, Unlabelled (11) mapped to 255."""
    stems = [s.strip() for s in open(DEMO_DATA / 'train.txt')][:2]
    inputs, samples = [], []
    for stem in stems:
        img = cv2.imread(str(DEMO_DATA / 'images' / 'train' / f'{stem}.jpg'))[100:164, 200:280]
        lab = cv2.imread(str(DEMO_DATA / 'labels' / 'train' / f'{stem}.png'), 0)[100:164, 200:280]
        lab = torch.from_numpy(lab).long()
        lab[lab == 11] = 255
        s = SegDataSample(metainfo=dict(img_shape=CROP, ori_shape=CROP, pad_shape=CROP))
        s.gt_sem_seg = PixelData(data=lab[None])
        inputs.append(torch.from_numpy(img).permute(2, 0, 1).contiguous())
        samples.append(s)
    data = model.data_preprocessor(dict(inputs=inputs, data_samples=samples), True)
    return data['inputs'].float(), data['data_samples']


def loss_and_grads(
    model: torch.nn.Module, inputs: torch.Tensor, samples: list[SegDataSample]
) -> tuple[dict, dict]:
    losses = model.loss(inputs, samples)
    losses = {k: v for k, v in losses.items() if 'loss' in k}
    sum(v.sum() for v in losses.values()).backward()
    grads = {n: p.grad for n, p in model.named_parameters() if p.grad is not None}
    return losses, grads


@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_training_step_matches_float64_cpu(device: torch.device, family: str) -> None:
    model = build(family)
    ref_model = copy.deepcopy(model).double()
    inputs, samples = real_batch(ref_model)
    ref_losses, ref_grads = loss_and_grads(ref_model, inputs.double(), samples)
    dev_model = copy.deepcopy(model).to(device)
    dev_losses, dev_grads = loss_and_grads(
        dev_model, inputs.to(device), [s.to(device) for s in samples]
    )
    assert set(dev_losses) == set(ref_losses)
    for k, v in dev_losses.items():
        assert v.device.type == device.type, f'{k} on {v.device}'
        torch.testing.assert_close(
            v.detach().double().cpu(),
            ref_losses[k].detach().double(),
            rtol=1e-4,
            atol=1e-6,
            msg=lambda m: f'{family} {k}: {m}',
        )
    assert set(dev_grads) == set(ref_grads)
    # gradients that are zero in exact arithmetic (e.g. a bias the loss is invariant to)
    # carry float32 noise: measured against the largest gradient of the model
    scale = max(float(g.norm()) for g in ref_grads.values())
    for n, g in dev_grads.items():
        ref = ref_grads[n]
        err = (g.double().cpu() - ref).norm()
        assert err <= 1e-3 * ref.norm() + 1e-6 * scale, (
            f'{family} grad of {n}: {err} vs {ref.norm()}'
        )
