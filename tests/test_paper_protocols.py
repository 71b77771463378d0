"""Every paper row's resolved config keeps the settings its paper states (docs/reproduce.md,
"Protocols": one table per paper, with the section each value comes from), so they cannot
drift. Only what a paper states is pinned here; the choices the configs make where a paper
is silent are in the tables, not in this test."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
import yaml
from mmengine.config import Config

import segplug  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
ROWS = {
    m['Name']: REPO / m['Config']
    for f in sorted((REPO / 'configs').rglob('metafile.yaml'))
    for m in yaml.safe_load(f.read_text())['Models']
    if 'camvid' not in m['Name']
}
PSPNET_SCALES = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75)  # PSPNet's multi-scale test, + flip

# HC paper, Sec. 4.1 (the protocol of every Cityscapes model) and Sec. 4.2 (ADE20K: the same
# but LR 0.02 and 125k iterations)
HC_CITYSCAPES = dict(
    optimizer='SGD',
    lr=0.01,
    momentum=0.9,
    poly=0.9,
    eta_min=0.0,
    iters=50_000,
    total_batch=16,
    crop=(1024, 1024),
    ratio_range=(0.5, 2.0),
    flip=True,
    photometric=False,
    aux_weight=0.4,
    tta=PSPNET_SCALES,
)
HC_ADE20K = dict(HC_CITYSCAPES, lr=0.02, iters=125_000, crop=(512, 512))
# CPP supplement, Sec. A.1: SGD, poly 0.9, photometric distortion, flip, scaling 0.5-2.0,
# 8 GPUs with SyncBN; CPP rows use KL at auxiliary weight 0.6 (Table 1)
CPP = dict(
    optimizer='SGD',
    poly=0.9,
    gpus=8,
    ratio_range=(0.5, 2.0),
    flip=True,
    photometric=True,
    sync_bn=True,
)
CPP_DATA = {
    'cityscapes': dict(lr=0.01, weight_decay=5e-4, iters=80_000, batch=2, crop=(512, 1024)),
    'voc12aug': dict(lr=0.01, weight_decay=5e-4, iters=40_000, batch=2, crop=(512, 512)),
    'pascal-context-59': dict(lr=0.004, weight_decay=1e-4, iters=40_000, batch=2, crop=(480, 480)),
    'nyu-depth-v2': dict(lr=0.004, weight_decay=1e-4, iters=40_000, batch=4, crop=(480, 640)),
}
# TI paper, Sec. 4.2 "Learning Details" (VOC aug: 10,582 images)
TI_VOC_TRAIN = dict(
    backbone='ResNet',
    optimizer='SGD',
    lr=0.007,
    momentum=0.9,
    weight_decay=5e-4,
    poly=0.9,
    lr_mult={'decode_head': 10.0},
    total_batch=16,
    crop=(512, 512),
    iters=round(60 * 10_582 / 16, -3),
)  # 60 epochs at batch 16
TI_VOC_JOINT = dict(
    backbone='ResNet',
    optimizer='SGD',
    lr=1e-6,
    momentum=0.9,
    weight_decay=5e-4,
    constant_lr=True,
    lr_mult={'fusion': 0.1},
    total_batch=16,
    crop=(512, 512),
    iters=13_200,
)  # 20 epochs at batch 16
TI_RESNEST_JOINT = dict(
    optimizer='SGD',
    lr=1e-6,
    momentum=0.9,
    weight_decay=5e-4,
    lr_mult={'fusion': 1e-3},
    total_batch=8,
    crop=(480, 480),
    tta=PSPNET_SCALES,
)
TI_BASELINE_MS = dict(tta=PSPNET_SCALES)  # Tables 5-6 are multi-scale


def paper_settings(name: str) -> dict:
    """What the paper states for a metafile row, by its config name."""
    if name.startswith(
        ('fcn32', 'atrousfcn', 'hc', 'fpn', 'pspnet_r101-v1c', 'deeplabv3_r101-v1c')
    ):
        return HC_ADE20K if 'ade20k' in name else HC_CITYSCAPES
    if '-cpp_' in name or name in (
        'pspnet_r101-d8_8xb2-40k_voc12aug-512x512',
        'deeplabv3plus_r101-d8_8xb2-40k_voc12aug-512x512',
    ):
        data = next(v for k, v in CPP_DATA.items() if k in name)
        s = dict(CPP, **data)
        if '-cpp_' in name:
            s['aux'] = ('CPPKLLoss', 0.6)
        return s
    if name.startswith('pspnet-uoi'):  # UOI paper, Sec. 5: 0.7 UOI + 0.3 CE
        return dict(decode_losses={'UOILoss': 0.7, 'CrossEntropyLoss': 0.3})
    if name.startswith('ti-resnest'):
        epochs, images = 100, (20_210 if 'ade20k' in name else 4_996)
        return dict(TI_RESNEST_JOINT, iters=epochs * images // 8)  # 100 epochs at batch 8
    if name.startswith('resnest'):
        return TI_BASELINE_MS
    if name.startswith('ti-deeplabv3plus'):
        return TI_VOC_JOINT
    if name.startswith(('deeplabv3plus_r1', 'sp-deeplabv3plus')):
        return TI_VOC_TRAIN
    raise KeyError(
        f'{name}: no paper protocol in tests/test_paper_protocols.py; add it here '
        'and to docs/reproduce.md'
    )


def find(obj, type_: str) -> list[dict]:
    """Every dict with ``type == type_`` in a nested config."""
    out = []
    if isinstance(obj, dict):
        if obj.get('type') == type_:
            out.append(obj)
        for v in obj.values():
            out += find(v, type_)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            out += find(v, type_)
    return out


@functools.cache
def resolved(name: str) -> Config:
    return Config.fromfile(str(ROWS[name]))


@pytest.fixture(params=sorted(ROWS))
def row(request) -> tuple[str, Config, dict]:
    name = request.param
    return name, resolved(name), paper_settings(name)


def test_every_row_has_a_protocol() -> None:
    for name in ROWS:
        paper_settings(name)


def test_optimizer_and_schedule(row) -> None:
    name, cfg, s = row
    opt = cfg.optim_wrapper.optimizer
    for key in ('lr', 'momentum', 'weight_decay'):
        if key in s:
            assert opt[key] == pytest.approx(s[key]), (name, key, opt[key])
    if 'optimizer' in s:
        assert opt.type == s['optimizer'], name
    mults = (cfg.optim_wrapper.get('paramwise_cfg') or {}).get('custom_keys', {})
    for key, mult in s.get('lr_mult', {}).items():
        assert mults[key]['lr_mult'] == pytest.approx(mult), (name, key)
    if 'sp-' in name:  # the superpixel FCN trains at the ResNet's rate ("the same as ResNet")
        assert not any('superpixel' in k for k in mults), name
    if s.get('constant_lr'):
        assert not cfg.param_scheduler, name
    if 'poly' in s:
        (poly,) = [p for p in cfg.param_scheduler if p.type == 'PolyLR']
        assert poly.power == s['poly'] and poly.end == cfg.train_cfg.max_iters, name
        if 'eta_min' in s:
            assert poly.eta_min == s['eta_min'], name
    if 'iters' in s:
        assert cfg.train_cfg.max_iters == s['iters'], name


def test_backbone(row) -> None:
    """TI: "ResNet ... pretrained on ImageNet and accessible in PyTorch model zoo"."""
    name, cfg, s = row
    if 'backbone' in s:
        assert cfg.model.backbone.type == s['backbone'], name
        if cfg.model.get('pretrained'):
            assert cfg.model.pretrained.startswith('torchvision://'), name


def test_batch_and_gpus(row) -> None:
    name, cfg, s = row
    gpus, per_gpu = map(int, re.search(r'_(\d+)xb(\d+)-', name).groups())
    assert cfg.train_dataloader.batch_size == per_gpu, name
    if 'total_batch' in s:
        assert gpus * per_gpu == s['total_batch'], name
    if 'gpus' in s:
        assert gpus == s['gpus'], name
    if 'batch' in s:
        assert per_gpu == s['batch'], name
    if s.get('sync_bn'):
        assert cfg.model.backbone.norm_cfg.type == 'SyncBN', name


def test_augmentation(row) -> None:
    name, cfg, s = row
    data = cfg.train_dataloader.dataset
    if 'crop' in s:
        crops = {tuple(t['crop_size']) for t in find(data, 'RandomCrop')}
        assert crops == {s['crop']}, (name, crops)
        assert tuple(cfg.model.data_preprocessor.size) == s['crop'], name
    if 'ratio_range' in s:
        assert {tuple(t['ratio_range']) for t in find(data, 'RandomResize')} == {
            s['ratio_range']
        }, name
    if s.get('flip'):
        assert find(data, 'RandomFlip'), name
    if 'photometric' in s:
        assert bool(find(data, 'PhotoMetricDistortion')) == s['photometric'], name


def test_losses(row) -> None:
    name, cfg, s = row
    if 'aux_weight' in s:  # "the same auxiliary loss as PSPNet": CE at 0.4
        aux = cfg.model.auxiliary_head
        assert aux.loss_decode.type == 'CrossEntropyLoss', name
        assert aux.loss_decode.loss_weight == pytest.approx(s['aux_weight']), name
    if 'aux' in s:
        loss = cfg.model.auxiliary_head.loss_decode
        assert (loss.type, loss.loss_weight) == s['aux'], name
    if 'decode_losses' in s:
        losses = cfg.model.decode_head.loss_decode
        assert {x.type: x.loss_weight for x in losses} == s['decode_losses'], name


def test_multi_scale_rows_have_the_tta_pipeline(row) -> None:
    name, cfg, s = row
    if 'tta' not in s:
        return
    (tta,) = find(cfg.tta_pipeline, 'TestTimeAug')
    scales = tuple(t['scale_factor'] for t in tta['transforms'][0])
    flips = [t['prob'] for t in tta['transforms'][1]]
    assert scales == s['tta'] and sorted(flips) == [0.0, 1.0], name
    assert cfg.tta_model.type == 'SegTTAModel', name


@pytest.mark.parametrize(
    'baseline, ti',
    [
        (
            'resnest_s101-d8_deeplabv3_4xb4-160k_ade20k-512x512',
            'ti-resnest_s101-d8_deeplabv3_4xb2-253k_ade20k-480x480',
        ),
        (
            'resnest_s101-d8_deeplabv3_4xb4-80k_pascal-context-59-480x480',
            'ti-resnest_s101-d8_deeplabv3_4xb2-62k_pascal-context-59-480x480',
        ),
    ],
)
def test_ti_rows_are_tested_as_their_baseline_rows(baseline: str, ti: str) -> None:
    """Tables 5-6 compare a TI row with its baseline row: both must be measured alike (same
    test mode and crops, same test pipeline), or the gain would mix in the protocol."""
    a, b = resolved(baseline), resolved(ti)
    assert a.model.test_cfg == b.model.test_cfg, (baseline, ti)
    assert a.test_pipeline == b.test_pipeline, (baseline, ti)
