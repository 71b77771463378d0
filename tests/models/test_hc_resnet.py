"""HCResNet keeps ResNetV1c's feed-forward path and adds assignments at the chosen stages."""

from __future__ import annotations

import pytest
import torch
from mmseg.models.backbones import ResNetV1c
from mmseg.registry import MODELS

import segplug  # noqa: F401

BASE = dict(depth=18, strides=(1, 2, 2, 2), dilations=(1, 1, 1, 1), out_indices=(0, 1, 2, 3))


@pytest.mark.parametrize('branch', ['identity', 'residual', 'block'])
@pytest.mark.parametrize('levels', [1, 2, 4])
def test_features_unchanged_and_assignment_shapes(branch: str, levels: int) -> None:
    torch.manual_seed(0)
    hc = MODELS.build(dict(type='HCResNet', hc_levels=levels, sampling_branch=branch, **BASE))
    ref = ResNetV1c(**BASE)
    missing = ref.load_state_dict(hc.state_dict(), strict=False)
    assert not missing.missing_keys  # the ResNet's own weights are all there
    hc.eval(), ref.eval()
    x = torch.randn(1, 3, 67, 93)  # not divisible by 32
    feats = hc(x)
    for a, b in zip(feats, ref(x)):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)  # DCN starts as the conv
    # a stage clusters the pixels entering its downsampling: conv5_x's are at stride 16
    # (5x6 for a 67x93 input), conv4_x's at 8, conv3_x's at 4, conv2_x's (stem) at 2
    fine_size = {3: (5, 6), 2: (9, 12), 1: (17, 24), 0: (34, 47)}
    assert [tuple(f.shape[-2:]) for f in feats] == [(17, 24), (9, 12), (5, 6), (3, 3)]
    assert len(feats.assignments) == levels
    for a, stage in zip(feats.assignments, range(3, 3 - levels, -1)):
        assert a.shape == (1, 9, *fine_size[stage])
        torch.testing.assert_close(a.sum(1), torch.ones(1, *fine_size[stage]))


def test_backward_reaches_clustering() -> None:
    hc = MODELS.build(dict(type='HCResNet', hc_levels=2, **BASE))
    feats = hc(torch.randn(2, 3, 64, 64))
    (feats[-1].mean() + sum(a[:, 4].mean() for a in feats.assignments)).backward()
    assert all(p.grad is not None for n, p in hc.named_parameters() if 'clusterings' in n)


def test_bad_options() -> None:
    with pytest.raises(ValueError, match='hc_levels must be 1..4'):
        MODELS.build(dict(type='HCResNet', hc_levels=5, **BASE))
    with pytest.raises(ValueError, match='sampling_branch'):
        MODELS.build(dict(type='HCResNet', sampling_branch='both', **BASE))
    with pytest.raises(ValueError, match='strides=\\(1, 2, 2, 2\\)'):
        MODELS.build(dict(type='HCResNet', depth=18, strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4)))


@pytest.mark.parametrize('depth', [18, 50])
def test_loads_resnetv1c_checkpoint_from_a_local_file(depth: int, tmp_path) -> None:
    """A ResNetV1c checkpoint (BasicBlock and Bottleneck) loads into HCResNet through
    ``init_cfg=Pretrained`` from a local file, and the loaded model computes what the
    ResNetV1c computes (its DCNs start as the loaded strided convs)."""
    torch.manual_seed(depth)
    cfg = dict(BASE, depth=depth)
    ref = ResNetV1c(**cfg)
    for m in ref.modules():  # non-trivial BN statistics, so a missed buffer shows
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    path = tmp_path / f'resnet{depth}_v1c.pth'
    torch.save(dict(state_dict=ref.state_dict()), path)
    hc = MODELS.build(
        dict(
            type='HCResNet',
            hc_levels=2,
            **cfg,
            init_cfg=dict(type='Pretrained', checkpoint=str(path)),
        )
    )
    hc.init_weights()
    hc.eval(), ref.eval()
    x = torch.randn(1, 3, 64, 96)
    with torch.no_grad():
        for a, b in zip(hc(x), ref(x)):
            torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize(
    'depth, style, strided',
    [
        (18, 'pytorch', 'conv1'),
        (50, 'pytorch', 'conv2'),
        (50, 'caffe', 'conv1'),
        (101, 'pytorch', 'conv2'),
    ],
)
@pytest.mark.parametrize('shortcut', [True, False])
def test_which_convolutions_become_deformable(
    depth: int, style: str, strided: str, shortcut: bool
) -> None:
    """App. A: the strided 3x3 of the clustered stages' first block, and by default its
    strided 1x1 projection shortcut; nothing else (the stem, the other stages, the
    non-strided convs of that block) becomes deformable."""
    from segplug.models.utils import DCNv2Downsample

    hc = MODELS.build(
        dict(
            type='HCResNet',
            hc_levels=2,
            style=style,
            dcn_shortcut=shortcut,
            **(BASE | dict(depth=depth)),
        )
    )
    deformable = sorted(n for n, m in hc.named_modules() if isinstance(m, DCNv2Downsample))
    expected = [f'layer{s}.0.{strided}' for s in (3, 4)]
    if shortcut:
        expected += [f'layer{s}.0.downsample.0' for s in (3, 4)]
    assert deformable == sorted(expected)
    for name in deformable:
        assert hc.get_submodule(name).stride == (2, 2)


def test_init_weights_keeps_the_offsets_zero() -> None:
    """ResNet's default init (Kaiming on every 'Conv2d') must not redraw the offset
    predictors: the DCNs start as the plain strided convs, also when trained from scratch."""
    hc = MODELS.build(dict(type='HCResNet', hc_levels=2, **BASE))
    hc.init_weights()
    offsets = [p for n, p in hc.named_parameters() if 'conv_offset' in n]
    assert len(offsets) == 8  # weight and bias of 2 stages x (3x3 + 1x1 shortcut)
    assert all(p.abs().max() == 0 for p in offsets)
    ref = ResNetV1c(**BASE)
    ref.load_state_dict(hc.state_dict(), strict=False)
    hc.eval(), ref.eval()
    x = torch.randn(1, 3, 64, 64)
    torch.testing.assert_close(hc(x)[-1], ref(x)[-1], atol=1e-5, rtol=1e-5)
