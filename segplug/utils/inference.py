"""MMSegmentation's inferencer for segplug models, loaded strictly and coloured right.

``mmseg.apis.init_model`` / ``inference_model`` and ``MMSegInferencer`` work on segplug's
configs as they are (``custom_imports`` in every config registers segplug's modules before
the model is built). Two things they do that this wrapper does not:

* a checkpoint of another model is loaded with a warning and random layers; here it is a
  ValueError naming the checkpoint and the config
  (:func:`segplug.engine.checkpoint.load_checkpoint`);
* ``MMSegInferencer`` draws with Cityscapes' class names and palette unless told otherwise,
  even when the checkpoint carries its dataset's (MMSegmentation 1.2.2); here the
  checkpoint's ``meta.dataset_meta`` is used, else the classes of the config's test dataset.
"""

from __future__ import annotations

import os.path as osp
import warnings

from mmengine.config import Config

from ..engine.checkpoint import load_checkpoint, read_checkpoint


def dataset_meta(checkpoint: dict, cfg: Config) -> dict | None:
    """``{'classes', 'palette'}`` from the checkpoint's meta, else from the config's test
    dataset class (``METAINFO``), else None."""
    meta = (checkpoint.get('meta') or {}).get('dataset_meta') or {}
    if meta.get('classes') and meta.get('palette'):
        return dict(classes=meta['classes'], palette=meta['palette'])
    from mmseg.registry import DATASETS

    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    cls = DATASETS.get(dataset.get('type', '')) if dataset.get('type') else None
    info = getattr(cls, 'METAINFO', {}) if cls is not None else {}
    if info.get('classes') and info.get('palette'):
        return dict(classes=list(info['classes']), palette=list(info['palette']))
    return None


def build_inferencer(config: str, checkpoint: str, device: str | None = None, strict: bool = True):
    """An ``mmseg.apis.MMSegInferencer`` for ``config`` with ``checkpoint``'s weights.

    Raises:
        FileNotFoundError: ``config`` or ``checkpoint`` missing. ValueError: a checkpoint
        that is not one, or (``strict``) one of another model.
    """
    from mmseg.apis import MMSegInferencer

    if not osp.isfile(config):
        raise FileNotFoundError(f'config file not found: {config}')
    ckpt = read_checkpoint(checkpoint)
    cfg = Config.fromfile(config)  # imports segplug through custom_imports
    meta = dataset_meta(ckpt, cfg) or {}
    with warnings.catch_warnings():  # 'weights is None': they are loaded below
        warnings.simplefilter('ignore')
        inferencer = MMSegInferencer(
            model=cfg,
            weights=None,
            classes=meta.get('classes'),
            palette=meta.get('palette'),
            device=device,
        )
    load_checkpoint(inferencer.model, checkpoint, strict=strict, checkpoint=ckpt, config=config)
    if meta:
        inferencer.model.dataset_meta = meta
    return inferencer
