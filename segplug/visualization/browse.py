"""What the training pipeline feeds the model: its images with their labels coloured."""

from __future__ import annotations

import os
import os.path as osp

import numpy as np
from mmengine.config import Config


def browse_dataset(
    cfg: Config,
    output_dir: str | None = None,
    show: bool = False,
    max_items: int | None = None,
    show_interval: float = 2.0,
    with_labels: bool = True,
) -> list[str]:
    """Draw the output of ``cfg``'s training pipeline (MMSegmentation's browse_dataset).

    Every item of ``train_dataloader.dataset`` goes through its pipeline (random crops,
    flips and photometric changes included); its image is drawn with the ground truth in the
    dataset's palette (``SegLocalVisualizer``, the config's ``visualizer`` settings, ignored
    pixels left uncoloured), class names written on it with ``with_labels``.

    Args:
        cfg: a resolved config (``segplug.engine.load_cfg``).
        output_dir: write ``{index:05d}_{image stem}.png`` pictures here (PNG: lossless
            label colours), or None.
        show: open a window per picture (needs a display), ``show_interval`` seconds each.
        max_items: stop after this many items (default: the whole dataset).
    Returns:
        The files written, in order.
    """
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS, VISUALIZERS

    if output_dir is None and not show:
        raise ValueError(
            'nothing to do: give --output-dir, or drop --not-show to look at '
            'the pictures in a window'
        )
    if max_items is not None and max_items < 1:
        raise ValueError(f'--max must be at least 1, got {max_items}')
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    vis_cfg = dict(cfg.get('visualizer', None) or dict(type='SegLocalVisualizer'))
    # pictures are written here, not through the config's vis backends (which need a run's
    # save_dir); a name of its own so that a visualizer built earlier is not reused
    vis_cfg.update(vis_backends=None, save_dir=None, name='segplug_browse_dataset')
    visualizer = VISUALIZERS.build(vis_cfg)
    visualizer.dataset_meta = dataset.metainfo
    if output_dir is not None:
        os.makedirs(output_dir, exist_ok=True)
    written = []
    n = len(dataset) if max_items is None else min(max_items, len(dataset))
    for index in range(n):
        item = dataset[index]
        # BGR -> RGB, contiguous: OpenCV's drawing refuses negative strides
        image = np.ascontiguousarray(item['inputs'].permute(1, 2, 0).numpy()[..., ::-1])
        sample = item['data_samples'].numpy()
        name = osp.basename(sample.img_path)
        stem = osp.splitext(name)[0]
        out_file = None if output_dir is None else osp.join(output_dir, f'{index:05d}_{stem}.png')
        visualizer.add_datasample(
            name,
            image,
            sample,
            draw_gt=True,
            draw_pred=False,
            show=show,
            wait_time=show_interval,
            out_file=out_file,
            with_labels=with_labels,
        )
        if out_file is not None:
            written.append(out_file)
    return written
