"""SSN and HCSSN: the pixel-feature networks (HCSSN's decoding is the reference Eq. 3 product
of its own assignments), and the segmentor's loss, superpixels and predictions."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import register_all_modules
from scipy import ndimage

import segplug  # noqa: F401
from segplug.models.backbones.ssn import HCSSNPixelFeatures, SSNPixelFeatures
from segplug.ops import label_edges
from segplug.ops.differentiable_slic import (
    compactness_loss,
    differentiable_slic,
    slic_cell_size,
    xylab_features,
)
from segplug.ops.superpixel_fcn import hard_superpixels, one_hot_labels, superpixel_loss
from tests.ops.test_soft_clustering import to_dense


def seeds_of(size: tuple[int, int]) -> tuple[int, int]:
    return (size[0] + 1) // 2, (size[1] + 1) // 2


@pytest.mark.parametrize('cls', [SSNPixelFeatures, HCSSNPixelFeatures])
@pytest.mark.parametrize('size', [(13, 10), (8, 8), (1, 3)])
def test_features_end_with_the_input(cls: type, size: tuple[int, int]) -> None:
    torch.manual_seed(0)
    net = cls(channels=8, feature_dim=20).eval()
    x = torch.randn(2, 5, *size)
    out = net(x)
    assert out.shape == (2, 20, *size)
    assert torch.equal(out[:, 15:], x)
    convs = [m for n, m in net.named_modules() if isinstance(m, nn.Conv2d) and 'cluster' not in n]
    assert len(convs) == 7  # SSN's CNN: two per scale and the output convolution
    assert all(float(c.weight.std()) < 0.002 for c in convs)  # N(0, 0.001^2)


def test_hcssn_decodes_through_its_assignments_as_eq3() -> None:
    """The coarse scales at full size equal the dense Eq. 3 product A^(1) (A^(2)) x of the
    same assignments and features: scale 2 through one level, scale 3 through two."""
    torch.manual_seed(0)
    net = HCSSNPixelFeatures(channels=6, cluster_dim=4, init_std=0.3).double().eval()
    x = torch.randn(2, 5, 13, 10, dtype=torch.float64)
    pyramid = net.pyramid(x)
    a2, a1 = net.assignments(pyramid)  # coarse to fine
    assert a1.shape == (2, 9, 13, 10) and a2.shape == (2, 9, *seeds_of((13, 10)))
    d1 = to_dense(a1, *pyramid[1].shape[-2:])  # (B, U, V)
    d2 = to_dense(a2, *pyramid[2].shape[-2:])
    s2 = torch.einsum('buv,bcv->bcu', d1, pyramid[1].flatten(2))
    s3 = torch.einsum('buv,bcv->bcu', d1, torch.einsum('buv,bcv->bcu', d2, pyramid[2].flatten(2)))
    up2, up3 = net.upsample(pyramid)
    torch.testing.assert_close(up2.flatten(2), s2, rtol=0, atol=1e-12)
    torch.testing.assert_close(up3.flatten(2), s3, rtol=0, atol=1e-12)
    # and the forward uses exactly these, not a bilinear upsampling
    expected = net.out_conv(torch.cat([x, pyramid[0], up2, up3], 1))
    torch.testing.assert_close(net(x)[:, :15], expected)
    bilinear = SSNPixelFeatures.upsample(net, pyramid)
    assert not torch.allclose(bilinear[1], up3)


def test_feature_dim_must_leave_learnt_channels() -> None:
    with pytest.raises(ValueError, match='feature_dim=5'):
        SSNPixelFeatures(feature_dim=5)


def segmentor(feature_type: str = 'SSNPixelFeatures', **kw) -> nn.Module:
    register_all_modules(init_default_scope=True)
    cfg = dict(
        type='SSNSegmentor',
        data_preprocessor=dict(
            type='SegDataPreProcessor', bgr_to_rgb=True, seg_pad_val=255, size=(24, 30)
        ),
        feature_net=dict(type=feature_type, channels=8),
        num_labels=6,
        train_cfg=dict(num_superpixels=12, n_iter=2),
        test_cfg=dict(num_superpixels=20, n_iter=3),
    )
    cfg.update(kw)
    torch.manual_seed(0)
    return MODELS.build(cfg)


def batch(size=(24, 30), n=2) -> dict:
    g = torch.Generator().manual_seed(0)
    samples = []
    for _ in range(n):
        s = SegDataSample(metainfo=dict(img_shape=size, ori_shape=size, pad_shape=size))
        lab = torch.randint(0, 6, (1, *size), generator=g)
        lab[:, :2] = 255
        s.gt_sem_seg = PixelData(data=lab)
        samples.append(s)
    imgs = [torch.randint(0, 256, (3, *size), generator=g, dtype=torch.uint8) for _ in range(n)]
    return dict(inputs=imgs, data_samples=samples)


@pytest.mark.parametrize('feature_type', ['SSNPixelFeatures', 'HCSSNPixelFeatures'])
def test_loss_is_reconstruction_plus_compactness(feature_type: str) -> None:
    model = segmentor(feature_type, compactness=0.5)
    model.train()
    data = model.data_preprocessor(batch(), True)
    losses = model(**data, mode='loss')
    inputs = data['inputs']
    s = slic_cell_size(12, inputs.shape[-2:])
    assert s == 8  # 24 x 30 / 12 = 60 px per superpixel: cells of 8, a 3 x 4 grid
    feats = model.feature_net(xylab_features(inputs, s))
    assoc, _ = differentiable_slic(feats, s, 2)
    labels = torch.stack([d.gt_sem_seg.data[0] for d in data['data_samples']])
    assert model.num_classes == 6  # the one-hot size, as EncoderDecoder's num_classes
    recon, _ = superpixel_loss(assoc, one_hot_labels(labels, model.num_classes), s, m=0.0)
    torch.testing.assert_close(losses['loss_recon'], recon)
    torch.testing.assert_close(losses['loss_compact'], 0.5 * compactness_loss(assoc, s))
    sum(losses.values()).backward()
    assert all(p.grad is not None for p in model.parameters())


def test_superpixels_follow_test_cfg_and_are_connected() -> None:
    model = segmentor(test_cfg=dict(num_superpixels=20, n_iter=3, enforce_connectivity=False))
    model.eval()
    data = model.data_preprocessor(batch(), False)
    inputs = data['inputs']
    s = slic_cell_size(20, inputs.shape[-2:])
    feats = model.feature_net(xylab_features(inputs, s))
    with torch.no_grad():
        expected = hard_superpixels(differentiable_slic(feats, s, 3)[0], s).numpy()
    raw = model.superpixels(inputs)
    assert all(np.array_equal(r, e) for r, e in zip(raw, expected))
    model.test_cfg['enforce_connectivity'] = True
    out = model.test_step(batch())
    sp = out[0].pred_superpixels.data[0].numpy()
    assert sp.shape == (24, 30)
    for i in np.unique(sp):
        assert ndimage.label(sp == i)[1] == 1
    edges = label_edges(sp).astype(np.int64)
    assert np.array_equal(out[0].pred_sem_seg.data[0].numpy(), edges)


def test_prediction_at_each_images_own_size() -> None:
    """A padded batch: each image's superpixels come from its own size, then ori_shape."""
    model = segmentor().eval()
    data = batch(size=(20, 26), n=1)
    sample = data['data_samples'][0]
    sample.set_metainfo(dict(img_shape=(20, 26), ori_shape=(40, 52)))
    padded = torch.nn.functional.pad(data['inputs'][0].float(), (0, 6, 0, 4))[None]
    out = model.predict(padded.flip(1), [sample])  # BGR -> RGB as the preprocessor does
    assert out[0].pred_superpixels.data.shape == (1, 40, 52)
    alone = model.superpixels(data['inputs'][0].float().flip(0)[None])[0]
    assert np.array_equal(out[0].pred_superpixels.data[0, ::2, ::2].numpy(), alone)


def test_a_normalising_preprocessor_is_refused() -> None:
    with pytest.raises(ValueError, match='must not normalise'):
        segmentor(data_preprocessor=dict(type='SegDataPreProcessor', mean=[1, 2, 3], std=[1, 1, 1]))
