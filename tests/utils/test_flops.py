"""segplug.utils.flops: hand counts of the ops MMEngine's FlopAnalyzer misses, and segmentors."""

from __future__ import annotations

import pytest
import torch
from mmengine.analysis import FlopAnalyzer
from torch import nn

from segplug.models.utils import SoftClustering
from segplug.models.utils.dcn_downsample import DCNv2Downsample
from segplug.ops import cluster_decode
from segplug.utils.flops import flop_analyzer, segmentor_complexity
from tests.helpers import REPO

HC = str(REPO / 'configs/hc/hcfcn32_r18-v1c_1xb4-600i_camvid-256x256.py')
FCN = str(REPO / 'configs/hc/fcn32_r18-v1c_1xb4-600i_camvid-256x256.py')
TI = str(REPO / 'configs/ti/ti-deeplabv3plus_r18-v1c_1xb4-200i_camvid-256x256.py')
CPP = str(REPO / 'configs/cpp/pspnet32-cpp_r18-v1c_1xb4-500i_camvid-256x256.py')
PSP32 = str(REPO / 'configs/cpp/pspnet32_r18-v1c_1xb4-500i_camvid-256x256.py')


class _Call(nn.Module):
    """Wrap a function of tensors as a module, to trace it."""

    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, *args):
        return self.fn(*args)


def _dcn_hand_count(c: int, o: int, k: int, out_pixels: int) -> int:
    offset_conv = 3 * k * c * k * out_pixels  # conv_offset: 3 k^2 channels, k x k kernel
    modulation_scale = k * out_pixels  # 2 * sigmoid(m)
    macs = o * c * k * out_pixels  # one multiply-add per tap, in and out channel
    samples = c * k * out_pixels  # each costs 4 (bilinear) + 1 (modulation)
    return offset_conv + modulation_scale + macs + 5 * samples


@pytest.mark.parametrize('backend', ['torchvision', 'mmcv'])
def test_dcn_counts_taps_bilinear_and_modulation(backend: str) -> None:
    """DCNv2 4 -> 8, 3x3, stride 2 on 8x8 (4x4 out): what MMEngine alone counts, and ours."""
    dcn = DCNv2Downsample(4, 8, 3, stride=2, padding=1, backend=backend).eval()
    x = torch.randn(1, 4, 8, 8)
    expected = _dcn_hand_count(c=4, o=8, k=9, out_pixels=16)
    assert expected == 15552 + 144 + 4608 + 2880 == 23184
    with torch.no_grad():
        plain = FlopAnalyzer(dcn, (x,))
        plain.unsupported_ops_warnings(False)
        assert plain.total() == 15552  # the deformable conv itself is 0
        assert flop_analyzer(dcn, (x,)).total() == expected


def test_sampled_dcn_counts_the_same_plus_coordinates() -> None:
    """The embedding_bag + strided conv path: the same terms (4 multiply-adds per bilinear sample,
    as MMEngine counts ``grid_sampler``), the modulation folded into the 4 corner weights of
    each tap, plus the corner weights themselves (2 products per corner, tap and output
    pixel) and the positions (one per kernel row / column and output row / column)."""
    dcn = DCNv2Downsample(5, 8, 3, stride=2, padding=1, backend='sampled').eval()
    with torch.no_grad():
        counts = flop_analyzer(dcn, (torch.randn(1, 5, 8, 8),)).by_operator()
    taps = 9 * 16  # kernel taps x output pixels (4x4)
    offsets = 3 * taps * 5 * 9  # the offset predictor: 27 outputs, 5 x 3x3 in
    assert counts['conv'] == offsets + 8 * 5 * taps  # and the taps: 8 outputs, 5 x 3x3 in
    assert counts['embedding_bag'] == 4 * 5 * taps  # 4 per sampled value, C = 5
    modulation = 4 * taps + taps  # corner weights * mask, and 2 * sigmoid(m)
    corner_weights = 4 * 2 * taps  # wy * wx * inside, per corner
    assert counts['mul'] == modulation + corner_weights + (3 + 3) + (4 + 4)
    assert set(counts) == {'conv', 'mul', 'embedding_bag'}


def _soft_clustering_count(n: int, m: int, k: int, hw: int, seeds_hw: int) -> int:
    """N pixel channels on hw pixels, M seed channels on seeds_hw seeds, projections to K."""
    return (
        k * n * hw
        + k * m * seeds_hw  # the two 1x1 projections
        + 2 * k * hw
        + 2 * k * seeds_hw  # L2 normalisation: norm + division
        + 9 * k * hw  # Eq. 4: 9 dot products of length K
        + 9 * hw
    )  # similarities / tau


def test_soft_clustering_hand_count() -> None:
    """N=4 pixel channels at 6x8, M=6 seed channels at 3x4, K=5."""
    n, m, k, h, w = 4, 6, 5, 6, 8
    module = SoftClustering(n, m, dim=k).eval()
    feats, seeds = torch.randn(1, n, h, w), torch.randn(1, m, h // 2, w // 2)
    with torch.no_grad():
        analyzer = flop_analyzer(module, (feats, seeds))
        assert analyzer.total() == _soft_clustering_count(n, m, k, h * w, 12) == 4512
        assert not analyzer.unsupported_ops()


@pytest.mark.parametrize('size', [(6, 8), (5, 7)])
def test_cluster_decode_hand_count(size: tuple[int, int]) -> None:
    """Eq. 2: 9 products per pixel and channel, on the cell grid (odd sizes padded)."""
    c = 3
    coarse = torch.randn(1, c, 3, 4)
    assignment = torch.randn(1, 9, *size).softmax(1)
    with torch.no_grad():
        analyzer = flop_analyzer(_Call(cluster_decode), (coarse, assignment))
        assert analyzer.total() == 9 * c * 6 * 8
        assert not analyzer.unsupported_ops()


def _model(config: str) -> nn.Module:
    from segplug.apis import load_model

    return load_model(config, init_weights=False)


def test_baseline_counts_are_mmsegmentations() -> None:
    """FCN-32: tensor mode is exactly MMEngine's own count of ``_forward`` (MMSegmentation's
    get_flops number); predict mode adds the resize of 11 logits to 64x96 (4 per value)."""
    model = _model(FCN)
    tensor = segmentor_complexity(model, (64, 96), 'tensor')
    predict = segmentor_complexity(model, (64, 96), 'predict')
    x = torch.randn(1, 3, 64, 96)
    with torch.no_grad():
        model.forward = model._forward
        plain = FlopAnalyzer(model, (x,))
        plain.unsupported_ops_warnings(False)
        assert tensor.flops == plain.total()
        del model.forward
    assert predict.flops - tensor.flops == 4 * 11 * 64 * 96
    assert predict.input_shape == (3, 64, 96) and not predict.uncounted_ops
    aux = sum(p.numel() for p in model.auxiliary_head.parameters())
    assert predict.params == sum(p.numel() for p in model.parameters()) - aux


def test_hc_predict_counts_clustering_and_decoding() -> None:
    """HCFCN-32 at 64x96: logits decoded 2x3 -> 4x6 -> 8x12 through the clusters, then
    resized to 64x96; tensor mode (``_forward``) decodes too, without the final resize."""
    model = _model(HC)
    predict = segmentor_complexity(model, (64, 96), 'predict')
    tensor = segmentor_complexity(model, (64, 96), 'tensor')
    decode = 9 * 11 * (4 * 6) + 9 * 11 * (8 * 12)
    assert predict.by_module['(segmentor)'] == decode + 4 * 11 * 64 * 96
    # (the clustering's own count: test_soft_clustering_hand_count)
    assert tensor.by_module['backbone'] == predict.by_module['backbone']
    assert tensor.by_module['(segmentor)'] == decode
    assert not predict.uncounted_ops


def test_ti_predict_counts_the_superpixel_branch() -> None:
    model = _model(TI)
    predict = segmentor_complexity(model, (64, 96), 'predict')
    tensor = segmentor_complexity(model, (64, 96), 'tensor')
    with torch.no_grad():
        spixel = flop_analyzer(model.superpixel_net, (torch.randn(1, 3, 64, 96),)).total()
    assert predict.by_module['superpixel_net'] == spixel > 0
    assert 'superpixel_net' not in tensor.by_module and 'fusion' in predict.by_module
    assert not predict.uncounted_ops


def test_cpp_costs_nothing_at_inference() -> None:
    """CPP changes the loss only: PSPNet-32 with and without it count the same."""
    cpp = segmentor_complexity(_model(CPP), (64, 96))
    base = segmentor_complexity(_model(PSP32), (64, 96))
    assert cpp.flops == base.flops and cpp.params == base.params


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="'train'"):
        segmentor_complexity(nn.Conv2d(3, 3, 1), (8, 8), 'train')
