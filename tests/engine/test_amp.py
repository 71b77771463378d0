"""Mixed precision: what must stay float32 does, --amp picks the right wrapper, and every model
family trains under autocast without NaN (bfloat16 on CPU here; float16 and bfloat16 on CUDA
in tools/gpu_check.sh)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper

import segplug  # noqa: F401
from segplug.engine import AutocastOptimWrapper, configure_amp
from segplug.engine.smoke import FAMILIES, smoke_train
from segplug.models.losses import CPPKLLoss, SemanticFeatureLoss, UOILoss
from segplug.models.utils import SoftClustering, float32_compute
from segplug.models.utils.dcn_downsample import DCNv2Downsample
from tests.helpers import REPO

LOW = torch.bfloat16  # CPU autocast's dtype; CUDA's float16 is checked by the CUDA cases


def _autocast(device: torch.device):
    return torch.autocast(device.type, dtype=torch.float16 if device.type == 'cuda' else LOW)


def test_float32_compute_is_a_no_op_outside_autocast() -> None:
    seen = []

    @float32_compute
    def f(x: torch.Tensor) -> torch.Tensor:
        seen.append(x.dtype)
        return x

    x = torch.ones(2, dtype=torch.float64)
    assert f(x) is x and seen == [torch.float64]
    with torch.autocast('cpu', dtype=LOW):
        y = f(torch.ones(2, dtype=LOW))
        assert y.dtype == torch.float32 and torch.is_autocast_enabled('cpu')
    assert seen[-1] == torch.float32


def test_soft_clustering_and_dcn_stay_float32_under_autocast(device: torch.device) -> None:
    """Under autocast they compute exactly what they compute in float32 (the 1x1 projections
    and the offset conv included), not a low-precision approximation of it."""
    torch.manual_seed(0)
    clustering = SoftClustering(16, 24, dim=8, tau=0.07).to(device)
    dcn = DCNv2Downsample(16, 24, 3, stride=2, padding=1).to(device)
    with torch.no_grad():
        dcn.conv_offset.weight.normal_(0, 0.1)  # non-zero offsets: real sampling
    x = torch.randn(2, 16, 17, 19, device=device)
    seeds = torch.randn(2, 24, 9, 10, device=device)
    with _autocast(device):
        a_amp, d_amp = clustering(x, seeds), dcn(x)
    a32, d32 = clustering(x, seeds), dcn(x)
    assert a_amp.dtype == d_amp.dtype == torch.float32
    torch.testing.assert_close(a_amp, a32, rtol=0, atol=0)
    torch.testing.assert_close(d_amp, d32, rtol=0, atol=0)


def test_superpixel_losses_stay_float32_under_autocast(device: torch.device) -> None:
    """The superpixel FCN's Eq. 1 and SSN's SLIC and losses pool and unpool by batched
    products, which autocast would run in low precision: they compute what float32 does."""
    from mmengine.structures import PixelData
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample

    from segplug.models.backbones.superpixel_fcn import SuperpixelFCN

    g = torch.Generator().manual_seed(2)
    net = SuperpixelFCN(base_channels=4, cell_size=4).to(device)
    assoc = net(torch.randn(2, 3, 16, 20, generator=g).to(device))
    props = torch.rand(2, 3, 16, 20, generator=g).to(device)
    want = net.reconstruction_loss(assoc, props)
    with _autocast(device):
        got = net.reconstruction_loss(assoc, props)
    assert all(a.dtype == torch.float32 for a in got)
    torch.testing.assert_close(got, want, rtol=0, atol=0)
    ssn = MODELS.build(
        dict(
            type='SSNSegmentor',
            feature_net=dict(type='HCSSNPixelFeatures', channels=4, cluster_dim=4),
            num_labels=4,
            train_cfg=dict(num_superpixels=6, n_iter=2),
        )
    ).to(device)
    inputs = (torch.rand(2, 3, 16, 20, generator=g) * 255).to(device)
    samples = [
        SegDataSample(
            gt_sem_seg=PixelData(data=torch.randint(0, 4, (1, 16, 20), generator=g).to(device))
        )
        for _ in range(2)
    ]
    with _autocast(device):
        losses = ssn.loss(inputs, samples)
    assert all(v.dtype == torch.float32 and torch.isfinite(v) for v in losses.values())
    # the losses themselves, from one float32 association: what float32 gives, exactly
    assoc32, s = ssn.slic(inputs, 6, 2)
    ssn.slic = lambda *args: (assoc32.detach(), s)
    want = ssn.loss(inputs, samples)
    with _autocast(device):
        got = ssn.loss(inputs, samples)
    for k in want:
        torch.testing.assert_close(got[k], want[k], rtol=0, atol=0)


def _losses() -> dict[str, torch.nn.Module]:
    return dict(
        cpp_kl=CPPKLLoss(loss_weight=1.0),
        uoi=UOILoss(),
        metric=SemanticFeatureLoss(num_instances=2, num_pixels=20, repeats=2),
    )


@pytest.mark.parametrize('name', ['cpp_kl', 'uoi', 'metric'])
def test_losses_of_low_precision_inputs_are_float32_losses(device: torch.device, name: str) -> None:
    """Fed the low-precision tensors autocast produces, the loss equals the float32 loss of
    the same (rounded) values: its sums and ratios are not computed in low precision."""
    g = torch.Generator().manual_seed(1)
    low = torch.float16 if device.type == 'cuda' else LOW
    if name == 'metric':
        scores = torch.randn(2, 8, 12, 14, generator=g)
    else:
        scores = torch.randn(2, 5, 12, 14, generator=g) * 3
    labels = torch.randint(0, 5, (2, 24, 28) if name == 'cpp_kl' else (2, 12, 14), generator=g)
    scores, labels = scores.to(device, low), labels.to(device)
    want = _losses()[name](scores.float(), labels)
    with _autocast(device):
        got = _losses()[name](scores, labels)
    assert got.dtype == torch.float32
    torch.testing.assert_close(got, want, rtol=0, atol=0)


def test_configure_amp_per_device() -> None:
    cfg = Config(dict(optim_wrapper=dict(type='OptimWrapper', optimizer=dict(type='SGD'))))
    configure_amp(cfg, cuda=True)
    assert (cfg.optim_wrapper.type, cfg.optim_wrapper.dtype, cfg.optim_wrapper.loss_scale) == (
        'AmpOptimWrapper',
        'float16',
        'dynamic',
    )
    cfg = Config(dict(optim_wrapper=dict(type='OptimWrapper', optimizer=dict(type='SGD'))))
    configure_amp(cfg, 'bfloat16', cuda=True)
    assert cfg.optim_wrapper.dtype == 'bfloat16'
    cfg = Config(dict(optim_wrapper=dict(type='OptimWrapper', optimizer=dict(type='SGD'))))
    configure_amp(cfg, cuda=False)
    assert (cfg.optim_wrapper.type, cfg.optim_wrapper.dtype) == ('AutocastOptimWrapper', 'bfloat16')
    with pytest.raises(ValueError, match='float16 needs a GPU'):
        configure_amp(Config(dict(optim_wrapper=dict(type='OptimWrapper'))), 'float16', cuda=False)
    with pytest.raises(ValueError, match='--amp-dtype must be one of'):
        configure_amp(Config(dict(optim_wrapper=dict(type='OptimWrapper'))), 'fp8')


def test_autocast_optim_wrapper_runs_the_forward_in_bfloat16() -> None:
    model = torch.nn.Linear(4, 3)
    wrapper = AutocastOptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 4))
    assert out.dtype == torch.bfloat16
    with OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1)).optim_context(model):
        assert model(torch.randn(2, 4)).dtype == torch.float32


@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_every_family_trains_under_autocast(tmp_path: Path, family: str) -> None:
    """Two iterations of the family's own config under ``--amp`` (bfloat16 on CPU, float16
    with loss scaling on CUDA): finite losses, through segplug's NaN guard."""
    amp = 'float16' if torch.cuda.is_available() else 'bfloat16'
    # smoke_train's defaults are the device check's quick run: 2 iterations, batch 2, 64 crops
    result = smoke_train(family, str(tmp_path), str(REPO), amp=amp)
    assert result.error is None, result.error
    assert len(result.losses) == 2 and result.finite, result.losses
    assert (result.iters, result.crop, result.batch) == (2, 64, 2)


def test_ti_stack_and_dysample_stay_float32_under_float16_autocast() -> None:
    """CPU float16 autocast stands in for CUDA's: Transparent Initialization is the identity
    only in exact arithmetic, so under autocast the TI stack must still return its input
    (to float32 rounding); DySample's sampling positions are pixel positions."""
    from segplug.models.upsamplers import DySample
    from segplug.models.utils.transparent_layers import TransparentLayers

    torch.manual_seed(0)
    ti = TransparentLayers([42, 64, 64, 42], act_cfg=dict(type='ReLU'), conv=True, seed=0)
    x = torch.randn(2, 42, 9, 11) * 10
    with torch.autocast('cpu', dtype=torch.float16):
        y = ti(x)
    assert y.dtype == torch.float32
    torch.testing.assert_close(y, x, rtol=1e-5, atol=1e-4)  # float16 convs: errors ~1e-2

    up = DySample(16, scale=2, groups=4)
    with torch.no_grad():
        up.offset.weight.normal_(0, 0.5)  # non-zero offsets: real sampling
    feats = torch.randn(1, 16, 40, 60)
    want = up(feats, (80, 120))
    with torch.autocast('cpu', dtype=torch.float16):
        got = up(feats, (80, 120))
    assert got.dtype == torch.float32
    torch.testing.assert_close(got, want, rtol=0, atol=0)
