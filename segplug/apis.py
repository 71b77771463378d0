"""What the tools share: a model from a config (and a checkpoint), and the images.

``tools/show_clusters.py`` and ``tools/show_features.py`` take ``CONFIG [CHECKPOINT] IMAGE
...``: without a checkpoint they draw an untrained model, whose weights come from its
``init_weights`` under a fixed seed so the picture is reproducible. (MMSegmentation's
``mmseg.apis.init_model`` needs a checkpoint for that and skips ``init_weights``.)
Checkpoints load strictly (``strict=True``): a checkpoint of another model is an error naming
it, not a warning (the tools' ``--allow-partial-checkpoint`` loads the part that fits).
"""

from __future__ import annotations

import os.path as osp
from collections.abc import Iterator

import cv2
import numpy as np
import torch
from mmseg.registry import MODELS
from mmseg.utils import register_all_modules

from .engine.checkpoint import load_checkpoint
from .engine.runtime import load_cfg


def split_checkpoint(inputs: list[str]) -> tuple[str | None, list[str]]:
    """``[CHECKPOINT] IMAGE ...`` -> (checkpoint or None, images). A first argument ending
    in ``.pth`` is the checkpoint. Every file must exist: the error names the first one
    missing, before any model is built."""
    checkpoint = inputs[0] if inputs and inputs[0].endswith('.pth') else None
    images = inputs[1:] if checkpoint else list(inputs)
    if not images:
        raise ValueError('no IMAGE given')
    for path in ([checkpoint] if checkpoint else []) + images:
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: file not found')
    return checkpoint, images


def drop_pretrained(cfg: dict) -> None:
    """Remove every ``init_cfg=dict(type='Pretrained', ...)`` from a model config, in place:
    pictures need no ImageNet weights, and fetching them may not be possible offline."""
    for key, value in list(cfg.items()):
        if key == 'init_cfg' and isinstance(value, dict) and value.get('type') == 'Pretrained':
            del cfg[key]
        elif isinstance(value, dict):
            drop_pretrained(value)


def load_model(
    config: str,
    checkpoint: str | None = None,
    seed: int = 0,
    cfg_options: dict | None = None,
    init_weights: bool = True,
    strict: bool = True,
    device: str = 'cpu',
) -> torch.nn.Module:
    """The config's model in eval mode on ``device``: ``init_weights`` under ``seed`` (unless
    ``init_weights=False``: counting FLOPs or timing needs no initialisation), then the
    checkpoint if one is given (ImageNet ``pretrained`` weights are not fetched).

    ``strict`` (default): a checkpoint of another model (keys or shapes) is a ValueError
    naming the file and the config (:func:`segplug.engine.checkpoint.load_checkpoint`);
    ``strict=False`` loads what fits and warns about the rest.
    """
    register_all_modules()
    cfg = load_cfg(config, cfg_options)
    cfg.model.pop('pretrained', None)
    drop_pretrained(cfg.model)
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    if init_weights:
        model.init_weights()
    if checkpoint:
        load_checkpoint(model, checkpoint, strict=strict, config=config)
    model.cfg = cfg  # as mmseg.apis.init_model sets it: inference_model reads its pipeline
    return model.to(device).eval()


def read_images(paths: list[str]) -> Iterator[tuple[str, np.ndarray]]:
    """(path, (H, W, 3) uint8 BGR image) for each path; an unreadable file raises."""
    for path in paths:
        img = cv2.imread(path)
        if img is None:
            raise ValueError(f'{path}: not an image OpenCV can read')
        yield path, img
