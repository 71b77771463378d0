"""HCEncoderDecoder decodes the heads' predictions through the clusters, in loss and predict."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmseg.registry import MODELS
from mmseg.utils import register_all_modules

import segplug  # noqa: F401
from segplug.ops import hierarchical_decode
from tests.helpers import REPO


def build(name: str) -> torch.nn.Module:
    register_all_modules()
    cfg = Config.fromfile(str(REPO / 'configs/_base_/models' / name))
    cfg.model.decode_head.num_classes = 5
    cfg.model.auxiliary_head.num_classes = 5
    cfg.model.data_preprocessor.size = (64, 64)
    return MODELS.build(cfg.model)


def test_inference_is_head_then_cluster_decoding_then_bilinear() -> None:
    torch.manual_seed(0)
    model = build('hcfcn32_r18-v1c.py').eval()
    x = torch.randn(1, 3, 70, 90)
    metas = [dict(img_shape=(70, 90), pad_shape=(70, 90), ori_shape=(70, 90))]
    with torch.no_grad():
        out = model.encode_decode(x, metas)
        feats = model.backbone(x)
        logits = model.decode_head(feats)  # stride 32: (3, 3)
        decoded = hierarchical_decode(logits, feats.assignments)  # stride 8: (9, 12)
        want = F.interpolate(decoded, (70, 90), mode='bilinear', align_corners=False)
    assert logits.shape[-2:] == (3, 3) and decoded.shape[-2:] == (9, 12)
    torch.testing.assert_close(out, want)


def test_aux_head_decodes_from_its_own_stride() -> None:
    a1 = torch.softmax(torch.randn(1, 9, 5, 6), 1)  # stride 16 pixels, seeds at 32: (3, 3)
    a2 = torch.softmax(torch.randn(1, 9, 9, 12), 1)  # stride 8 pixels, seeds at 16: (5, 6)
    aux = torch.randn(1, 4, 5, 6)  # an auxiliary prediction at stride 16
    torch.testing.assert_close(
        hierarchical_decode(aux, [a1, a2], strict=False), hierarchical_decode(aux, [a2])
    )
    fine = torch.randn(1, 4, 9, 12)  # already at the finest level: unchanged
    assert hierarchical_decode(fine, [a1, a2], strict=False) is fine


def test_loss_backpropagates_into_clustering_and_slide_inference_runs() -> None:
    torch.manual_seed(1)
    model = build('hcpspnet_r18-v1c.py')
    data = train_batch(model)  # PSP's 1x1 pooling BN needs B > 1
    losses = model(**data, mode='loss')
    assert {'decode.loss_ce', 'aux.loss_ce'} <= set(losses)
    sum(losses[k] for k in ('decode.loss_ce', 'aux.loss_ce')).backward()
    grads = [p.grad for n, p in model.named_parameters() if 'clusterings' in n]
    assert grads and all(g is not None and g.abs().sum() > 0 for g in grads)
    model.eval()
    from mmengine.config import ConfigDict

    model.test_cfg = ConfigDict(mode='slide', crop_size=(48, 48), stride=(32, 32))
    with torch.no_grad():
        out = model.test_step(
            dict(
                inputs=[torch.randint(0, 255, (3, 80, 72), dtype=torch.uint8)],
                data_samples=[_sample(80, 72)],
            )
        )
    assert out[0].pred_sem_seg.data.shape == (1, 80, 72)


def train_batch(model: torch.nn.Module, size: int = 64) -> dict:
    """Two random uint8 images with 5-class labels, through the model's data preprocessor."""
    return model.data_preprocessor(
        dict(
            inputs=[torch.randint(0, 255, (3, size, size), dtype=torch.uint8) for _ in range(2)],
            data_samples=[_sample(size), _sample(size)],
        ),
        True,
    )


def _sample(h: int, w: int | None = None):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    w = w or h
    s = SegDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w)))
    s.gt_sem_seg = PixelData(data=torch.randint(0, 5, (1, h, w)))
    return s


def test_tensor_mode_decodes_through_the_clusters() -> None:
    """``model(x, mode='tensor')`` (MMSegmentation's FLOP counting and export path) is the
    head's prediction decoded through the clusters, not the raw stride-32 logits."""
    torch.manual_seed(0)
    model = build('hcfcn32_r18-v1c.py').eval()
    x = torch.randn(1, 3, 70, 90)
    with torch.no_grad():
        out = model(x, mode='tensor')
        feats = model.backbone(x)
        want = hierarchical_decode(model.decode_head(feats), feats.assignments)
    assert out.shape[-2:] == (9, 12)
    torch.testing.assert_close(out, want)
