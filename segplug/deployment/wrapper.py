"""A segmentor's whole inference path as one module, the thing that is exported to ONNX.

MMSegmentation splits inference between the data preprocessor (channel order, mean / std),
the segmentor (``inference``: whole-image or sliding-window ``encode_decode``, logits resized
to the input) and ``postprocess_result`` (argmax). :class:`ExportWrapper` chains the same
calls on a (B, 3, H, W) image batch, so an exported model takes pixels and returns logits or
labels, and nothing of MMSegmentation is needed beside it.
"""

from __future__ import annotations

import os.path as osp

import torch
import torch.nn as nn
from mmengine.config import Config
from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.registry import MODELS
from mmseg.utils import register_all_modules
from torch import Tensor

from ..apis import drop_pretrained
from ..engine.cfg_options import merge_cfg_options
from ..engine.checkpoint import read_checkpoint


class ExportWrapper(nn.Module):
    """(B, 3, H, W) float32 pixels -> (B, C, H, W) logits, or (B, H, W) int64 labels.

    The input is what the data preprocessor receives: the image as ``LoadImageFromFile``
    reads it (BGR, 0..255, for every segplug config), channels first. The wrapper applies
    the preprocessor's channel conversion and normalisation, the segmentor's ``inference``
    (whole image, or the sliding window of ``test_cfg.mode='slide'``) and, with
    ``argmax=True``, the label decision of ``postprocess_result`` (argmax over classes;
    ``logit > threshold`` for a one-channel head).

    Args:
        segmentor: an MMSegmentation segmentor in eval mode with a ``SegDataPreProcessor``.
        argmax: return labels instead of logits.
    """

    def __init__(self, segmentor: nn.Module, argmax: bool = False) -> None:
        super().__init__()
        pre = segmentor.data_preprocessor
        if not isinstance(pre, SegDataPreProcessor):
            raise ValueError(
                f'{type(segmentor).__name__}: data_preprocessor is '
                f'{type(pre).__name__}; exporting needs SegDataPreProcessor'
            )
        if not hasattr(segmentor, 'inference'):
            raise ValueError(
                f'{type(segmentor).__name__} has no inference(inputs, metas): '
                'only EncoderDecoder-style segmentors export'
            )
        if pre.test_cfg:
            raise ValueError(
                f'data_preprocessor.test_cfg={pre.test_cfg} pads test images; '
                'export the model without test-time padding'
            )
        self.segmentor = segmentor
        self.argmax = argmax
        self.channel_conversion = pre.channel_conversion
        self.normalize = pre._enable_normalize
        if self.normalize:
            self.register_buffer('mean', pre.mean.clone().float(), persistent=False)
            self.register_buffer('std', pre.std.clone().float(), persistent=False)

    @property
    def slide(self) -> bool:
        """Whether the segmentor infers with a sliding window (static sizes only)."""
        return self.segmentor.test_cfg.get('mode', 'whole') == 'slide'

    def preprocess(self, img: Tensor) -> Tensor:
        """SegDataPreProcessor's test path on a batch: channel order, then (x - mean) / std."""
        if self.channel_conversion:
            img = img[:, [2, 1, 0]]
        return (img - self.mean) / self.std if self.normalize else img

    def forward(self, img: Tensor) -> Tensor:
        x = self.preprocess(img)
        size = x.shape[2:]
        metas = [dict(img_shape=size, ori_shape=size, pad_shape=size) for _ in range(x.shape[0])]
        logits = self.segmentor.inference(x, metas)
        if not self.argmax:
            return logits
        if logits.shape[1] == 1:
            return (logits.sigmoid() > self.segmentor.decode_head.threshold)[:, 0].long()
        return logits.argmax(dim=1)


def build_segmentor(
    config: str | Config,
    checkpoint: str | None = None,
    cfg_options: dict | None = None,
    seed: int = 0,
) -> nn.Module:
    """The config's segmentor in eval mode on CPU.

    Without a checkpoint the weights are ``init_weights`` under ``seed`` (ImageNet
    ``pretrained`` weights are not fetched), for speed and export checks. A checkpoint must
    fit the model: missing or unexpected keys raise, naming them.

    Raises:
        FileNotFoundError: ``config`` or ``checkpoint`` does not exist.
        ValueError: the checkpoint's keys do not match the model's.
    """
    register_all_modules()
    if isinstance(config, str):
        if not osp.isfile(config):
            raise FileNotFoundError(f'{config}: config not found')
        config = Config.fromfile(config)
    cfg = config.copy()
    merge_cfg_options(cfg, cfg_options)  # a top-level key the config lacks is refused
    cfg.model.pop('pretrained', None)
    drop_pretrained(cfg.model)
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    if checkpoint is not None:
        load_strict(model, checkpoint)
    return model.eval()


def load_strict(model: nn.Module, checkpoint: str, show: int = 8) -> None:
    """Load ``checkpoint`` (an MMEngine checkpoint or a bare state dict) into ``model``;
    a ValueError names up to ``show`` missing and unexpected keys when they differ."""
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'{checkpoint}: checkpoint not found')
    # segplug's safe reader: an empty, truncated, corrupt or non-checkpoint file is a
    # ValueError naming it (torch alone would advise weights_only=False, unsafe here)
    ckpt = read_checkpoint(checkpoint)
    state = ckpt.get('state_dict', ckpt)
    state = {k[len('module.') :] if k.startswith('module.') else k: v for k, v in state.items()}
    try:
        result = model.load_state_dict(state, strict=False)
    except RuntimeError as e:  # same keys, other shapes: torch names them
        raise ValueError(
            f"{checkpoint} does not fit the config's {type(model).__name__}: {e}"
        ) from e
    if result.missing_keys or result.unexpected_keys:

        def listed(keys: list[str]) -> str:
            more = f' (+{len(keys) - show} more)' if len(keys) > show else ''
            return (', '.join(keys[:show]) + more) if keys else 'none'

        raise ValueError(
            f"{checkpoint} does not fit the config's {type(model).__name__}: "
            f'missing keys: {listed(result.missing_keys)}; '
            f'unexpected keys: {listed(result.unexpected_keys)}'
        )
