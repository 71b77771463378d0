"""CPP and UOI configs: the paper's settings are what the files say, and each model's losses
train at a tiny size (ResNet-18 and narrow heads).

Loading a config that inherits MMSegmentation's takes about a second, so the settings and the
tiny training step run on one config per model and dataset family (the aux-weight sweep and
the other datasets differ from these only in the values checked by name here); every config
file is also built and stepped at full depth by tests/test_configs.py."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS
from mmseg.utils import register_all_modules

import segplug  # noqa: F401
from tests.helpers import REPO
from tests.test_configs import tiny_batch

CONFIGS = sorted(
    p
    for d in ('cpp', 'uoi')
    for p in (REPO / 'configs' / d).rglob('*.py')
    if not p.name.startswith('_')
)
# one config per dataset (settings) and per model (tiny step); the sweep by its file text
SETTINGS = [p for p in CONFIGS if p.name.startswith('pspnet') and 'sweep' not in str(p)]
STEPPED = [
    p
    for p in CONFIGS
    if 'cityscapes' in p.name
    and 'sweep' not in str(p)
    or 'camvid' in p.name
    or p.parent.name == 'uoi'
]


@functools.lru_cache(maxsize=None)
def load(path: Path) -> Config:
    return Config.fromfile(str(path))


# SeeThroughNet supplement A.1: lr, weight decay, iterations, batch per GPU, crop (H, W)
A1 = {
    'cityscapes': (0.01, 5e-4, 80000, 2, (512, 1024)),
    'voc12aug': (0.01, 5e-4, 40000, 2, (512, 512)),
    'pascal-context-59': (0.004, 1e-4, 40000, 2, (480, 480)),
    'nyu-depth-v2': (0.004, 1e-4, 40000, 4, (480, 640)),
}


def losses_of(head: dict) -> list:
    loss = head['loss_decode']
    return list(loss) if isinstance(loss, (list, tuple)) else [loss]


def test_config_family_is_complete():
    names = {p.name for p in CONFIGS}
    for m in ('fcn', 'pspnet', 'deeplabv3', 'deeplabv3plus'):
        for ds in (
            '80k_cityscapes-512x1024',
            '40k_voc12aug-512x512',
            '40k_pascal-context-59-480x480',
            '40k_nyu-depth-v2-480x640',
        ):
            assert any(n.startswith(f'{m}-cpp_') and ds in n for n in names), (m, ds)
    sweep = sorted(p for p in CONFIGS if p.parent.name == 'aux_weight_sweep')
    weights = []
    for p in sweep:
        text = p.read_text()
        assert "_base_ = ['../pspnet-cpp_r101-d8_8xb2-80k_cityscapes-512x1024.py']" in text
        w = float(re.search(r'-w(\d\.\d)_', p.name).group(1))
        assert f'loss_decode=dict(loss_weight={w})' in text
        weights.append(w)
    assert weights == pytest.approx([i / 10 for i in range(1, 11)])
    assert load(sweep[3]).model.auxiliary_head.loss_decode.loss_weight == 0.4


@pytest.mark.parametrize('path', SETTINGS, ids=lambda p: str(p.relative_to(REPO)))
def test_config_settings(path: Path):
    cfg = load(path)
    assert 'segplug' in cfg.custom_imports['imports']
    aux = losses_of(cfg.model.auxiliary_head)
    dec = losses_of(cfg.model.decode_head)
    if '-cpp' in path.name:
        assert cfg.model.auxiliary_head.type == 'CPPFCNHead'
        assert [d.type for d in aux] == ['CPPKLLoss']
        m = re.search(r'-w(\d\.\d)_', path.name)
        assert aux[0].loss_weight == (float(m.group(1)) if m else 0.6)
    if '-uoi' in path.name:
        assert sorted((d.type, d.loss_weight) for d in dec) == [
            ('CrossEntropyLoss', 0.3),
            ('UOILoss', 0.7),
        ]
    for ds, (lr, wd, iters, batch, crop) in A1.items():
        if f'_{ds}-' in path.name or f'k_{ds}' in path.name:
            assert cfg.optim_wrapper.optimizer.type == 'SGD'
            assert (
                cfg.optim_wrapper.optimizer.lr,
                cfg.optim_wrapper.optimizer.weight_decay,
                cfg.train_cfg.max_iters,
                cfg.train_dataloader.batch_size,
                tuple(cfg.model.data_preprocessor.size),
            ) == (lr, wd, iters, batch, crop)
            assert cfg.param_scheduler[-1].power == 0.9 and cfg.param_scheduler[-1].end == iters
            assert cfg.model.backbone.depth == 101
            crops = [
                t
                for t in cfg.train_dataloader.dataset.get('pipeline', [])
                if t['type'] == 'RandomCrop'
            ]
            if crops:  # VOC's aug set wraps its pipeline in a ConcatDataset
                assert tuple(crops[0].crop_size) == crop


def shrink(model: dict) -> dict:
    """ResNet-18 with narrow heads: same structure and losses, seconds on CPU. The
    EfficientNet-Lite0 models (ImageNet start) are small already: only the size changes."""
    model = dict(model)
    model.pop('pretrained', None)
    if 'depth' not in model['backbone']:
        model['data_preprocessor'] = dict(model['data_preprocessor'], size=(64, 64))
        return model
    model['backbone'] = dict(model['backbone'], depth=18)
    dec = dict(model['decode_head'], channels=16)
    if isinstance(dec['in_channels'], (list, tuple)):  # UPerNet: the four stages
        dec['in_channels'] = [64, 128, 256, 512]
    else:
        dec['in_channels'] = 512
    if 'c1_in_channels' in dec:  # DeepLabV3+ low-level branch
        dec.update(c1_in_channels=64, c1_channels=8)
    model['decode_head'] = dec
    model['auxiliary_head'] = dict(model['auxiliary_head'], in_channels=256, channels=16)
    model['data_preprocessor'] = dict(model['data_preprocessor'], size=(64, 64))
    return model


@pytest.mark.parametrize('path', STEPPED, ids=lambda p: str(p.relative_to(REPO)))
def test_tiny_forward_backward(path: Path):
    register_all_modules(init_default_scope=True)
    cfg = load(path)
    torch.manual_seed(0)
    model = MODELS.build(shrink(cfg.model.to_dict()))
    model.train()
    batch = tiny_batch(model.decode_head.num_classes)
    losses = model(**model.data_preprocessor(batch, True), mode='loss')
    aux = {'-cpp': 'aux.loss_cpp_kl', '-nearest': 'aux.loss_ce_nearest'}
    expected = {next((v for k, v in aux.items() if k in path.name), 'aux.loss_ce')}
    if '-uoi' in path.name:
        expected.add('decode.loss_uoi')
    if '-iou' in path.name:
        expected.add('decode.loss_iou')
    assert expected <= set(losses)
    assert any(k.startswith('decode.') and 'loss_ce' in k for k in losses)  # DANet: 3 CEs
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    aux_grad = model.auxiliary_head.conv_seg.weight.grad
    assert aux_grad is not None and aux_grad.abs().sum() > 0


def test_nyu_depth_v2_layout(tmp_path: Path, test_data: Path):
    """The NYU base config loads a frame in its layout and maps 0 -> ignore, k -> k - 1.

    The real NYU frame of MMSegmentation's test data comes with a depth map, not classes, so
    the label here is made up: ids 0..40 in stripes."""
    import numpy as np
    from mmseg.registry import DATASETS
    from PIL import Image

    register_all_modules(init_default_scope=True)
    src = test_data / 'pseudo_nyu_dataset' / 'images'
    img = next(src.glob('*.jpg'))
    root = tmp_path / 'nyu'
    (root / 'images' / 'test').mkdir(parents=True)
    (root / 'annotations' / 'test').mkdir(parents=True)
    (root / 'images' / 'test' / img.name).write_bytes(img.read_bytes())
    w, h = Image.open(img).size
    label = (np.arange(w)[None].repeat(h, 0) % 41).astype(np.uint8)
    Image.fromarray(label).save(root / 'annotations' / 'test' / (img.stem + '.png'))
    cfg = Config.fromfile(str(REPO / 'configs' / '_base_' / 'datasets' / 'nyu_depth_v2.py'))
    ds = DATASETS.build(dict(cfg.val_dataloader.dataset, data_root=str(root)))
    assert len(ds) == 1 and len(ds.metainfo['classes']) == 40
    gt = ds[0]['data_samples'].gt_sem_seg.data[0].numpy()
    # labels are loaded after the test resize: evaluation at the original size
    np.testing.assert_array_equal(gt, np.where(label == 0, 255, label.astype(np.int64) - 1))
