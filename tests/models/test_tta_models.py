"""Test-time augmentation (``tools/test.py --tta``: MMSegmentation's ``SegTTAModel`` over a
``TestTimeAug`` pipeline) for the model types that paper rows evaluate multi-scale: the HC
models (``HCEncoderDecoder``, HC paper Table 2) and the TI joint model
(``JointSuperpixelSegmentor``, TI paper Tables 5-6), on tiny versions of their CamVid configs
and one real CamVid frame."""

from __future__ import annotations

import copy

import pytest
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import segplug  # noqa: F401
from tests.helpers import DEMO_DATA, REPO

CONFIGS = {
    'HCEncoderDecoder': 'configs/hc/hcfcn32_r18-v1c_1xb4-600i_camvid-256x256.py',
    'JointSuperpixelSegmentor': 'configs/ti/ti-deeplabv3plus_r18-v1c_1xb4-200i_camvid-256x256.py',
}


def frame() -> str:
    stem = (DEMO_DATA / 'val.txt').read_text().split()[0]
    return str(DEMO_DATA / 'images' / 'val' / f'{stem}.jpg'), str(
        DEMO_DATA / 'labels' / 'val' / f'{stem}.png'
    )


def build(name: str) -> tuple[torch.nn.Module, Config]:
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(REPO / CONFIGS[name]))
    model = copy.deepcopy(cfg.model)
    model.pop('pretrained', None)
    torch.manual_seed(0)
    net = MODELS.build(model)
    net.init_weights()
    assert type(net).__name__ == name
    return net.eval(), cfg


def tta_data(ratios: list[float], flips: list[bool]) -> dict:
    """One frame through a TestTimeAug pipeline (the configs' shape), collated as the
    runner does: ``inputs`` / ``data_samples`` hold one list per augmentation."""
    img, label = frame()
    pipeline = Compose(
        [
            dict(type='LoadImageFromFile'),
            dict(
                type='TestTimeAug',
                transforms=[
                    [dict(type='Resize', scale_factor=r, keep_ratio=True) for r in ratios],
                    [dict(type='RandomFlip', prob=float(f), direction='horizontal') for f in flips],
                    [dict(type='LoadAnnotations')],
                    [dict(type='PackSegInputs')],
                ],
            ),
        ]
    )
    return pseudo_collate(
        [pipeline(dict(img_path=img, seg_map_path=label, reduce_zero_label=False, seg_fields=[]))]
    )


@pytest.fixture(scope='module', params=sorted(CONFIGS))
def model(request) -> tuple[torch.nn.Module, Config]:
    return build(request.param)


def test_configs_define_a_tta_pipeline(model) -> None:
    _, cfg = model
    assert 'tta_pipeline' in cfg and cfg.tta_model.type == 'SegTTAModel'


@torch.no_grad()
def test_multi_scale_flip_runs_at_the_original_size(model) -> None:
    net, _ = model
    tta = MODELS.build(dict(type='SegTTAModel', module=net))
    data = tta_data([0.25, 0.375], [False, True])
    assert len(data['inputs']) == 4
    (pred,) = tta.test_step(data)
    assert pred.pred_sem_seg.data.shape[-2:] == pred.gt_sem_seg.data.shape[-2:] == (360, 480)


@torch.no_grad()
def test_one_view_equals_plain_inference(model) -> None:
    """TTA with one scale and no flip predicts what the model alone predicts (the argmax of
    its probabilities: an untrained model has near ties that softmax rounding may break)."""
    net, _ = model
    tta = MODELS.build(dict(type='SegTTAModel', module=net))
    data = tta_data([0.25], [False])
    (pred,) = tta.test_step(data)
    (plain,) = net.test_step(dict(inputs=data['inputs'][0], data_samples=data['data_samples'][0]))
    expected = plain.seg_logits.data.softmax(0).argmax(0)
    torch.testing.assert_close(pred.pred_sem_seg.data[0], expected)


@torch.no_grad()
def test_flip_is_undone_before_averaging(model) -> None:
    """The flipped view's probabilities are flipped back, then averaged with the plain
    view's: the merged prediction is the argmax of that mean."""
    net, _ = model
    tta = MODELS.build(dict(type='SegTTAModel', module=net))
    data = tta_data([0.25], [False, True])
    (pred,) = tta.test_step(data)
    views = [
        net.test_step(dict(inputs=data['inputs'][i], data_samples=data['data_samples'][i]))[0]
        for i in range(2)
    ]
    plain = views[0].seg_logits.data.softmax(0)
    flipped = views[1].seg_logits.data.softmax(0)  # mmseg flips it back in postprocessing
    assert not torch.equal(plain, flipped)
    expected = ((plain + flipped) / 2).argmax(0)
    torch.testing.assert_close(pred.pred_sem_seg.data[0], expected)
