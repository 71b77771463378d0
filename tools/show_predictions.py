"""Prediction panels: image | ground truth | prediction | boundary errors | HC clusters.

    python tools/show_predictions.py CONFIG CHECKPOINT [IMAGE ...] --out-dir DIR
        [--ann-dir DIR [--seg-suffix .png]] [--num N] [--tolerance 2] [--device cpu]

Without IMAGEs, the first ``--num`` samples of the config's test set are drawn (ground truth
from the dataset, its label map applied). With IMAGEs, ground truth is read from
``--ann-dir/{stem}{--seg-suffix}`` when given; label values outside the classes count as
unlabelled. Writes ``DIR/{stem}_panels.png`` per image:

* ground truth and prediction coloured by MMSegmentation's ``SegLocalVisualizer``;
* boundary errors at ``--tolerance`` pixels (``segplug.ops.boundaries``), drawn with
  MMEngine's visualizer: green = true predicted edges, red = false edges (no ground-truth
  edge within the tolerance), blue = missed ground-truth edges;
* for HC models, the finest cluster boundaries over the image (``tools/show_clusters.py``);
  for models whose predictions carry ``pred_superpixels``, their boundaries (magenta).
"""

from __future__ import annotations

import argparse
import os
import os.path as osp

from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmseg.apis import init_model
from mmseg.registry import DATASETS
from mmseg.visualization import SegLocalVisualizer

import segplug  # noqa: F401  (registers segplug's modules)
from segplug.engine import check_checkpoint_path, load_checkpoint
from segplug.visualization.panels import load_label, panels, save_panels


def samples_from_args(
    args: argparse.Namespace, cfg: Config
) -> list[tuple[str, str | None, dict | None]]:
    """(image path, label path or None, label map or None) for each image to draw."""
    if args.images:
        out = []
        for img in args.images:
            if not osp.isfile(img):
                raise FileNotFoundError(f'image not found: {img}')
            label = None
            if args.ann_dir:
                stem = osp.splitext(osp.basename(img))[0]
                label = osp.join(args.ann_dir, stem + args.seg_suffix)
                if not osp.isfile(label):
                    raise FileNotFoundError(f'--ann-dir: no label for {img}: {label}')
            out.append((img, label, None))
        return out
    init_default_scope('mmseg')
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    n = min(args.num, len(dataset))
    infos = [dataset.get_data_info(i) for i in range(n)]
    return [(i['img_path'], i.get('seg_map_path'), i.get('label_map')) for i in infos]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('images', nargs='*', help='images (default: the test set)')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--ann-dir', help='ground-truth labels for IMAGEs, by stem')
    parser.add_argument('--seg-suffix', default='.png')
    parser.add_argument('--num', type=int, default=4, help='test-set images without IMAGEs')
    parser.add_argument('--tolerance', type=float, default=2, help='boundary tolerance (px)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--allow-partial-checkpoint',
        action='store_true',
        help='load only the weights of CHECKPOINT that fit the model (by '
        'default missing, unexpected or reshaped keys are an error)',
    )
    args = parser.parse_args()
    check_checkpoint_path(args.checkpoint)
    if args.tolerance < 0:
        raise ValueError(f'--tolerance must be >= 0 pixels, got {args.tolerance}')
    cfg = Config.fromfile(args.config)
    model = init_model(cfg, None, device='cpu')
    checkpoint = load_checkpoint(model, args.checkpoint, strict=not args.allow_partial_checkpoint)
    model.dataset_meta = (
        checkpoint.get('meta', {}).get('dataset_meta')
        or DATASETS.get(cfg.test_dataloader.dataset.type).METAINFO
    )
    model = revert_sync_batchnorm(model.to(args.device))
    vis = SegLocalVisualizer(name='show_predictions', alpha=0.6)
    vis.dataset_meta = dict(
        classes=model.dataset_meta['classes'], palette=model.dataset_meta['palette']
    )
    num_classes = len(vis.dataset_meta['classes'])
    os.makedirs(args.out_dir, exist_ok=True)
    for img, label_path, label_map in samples_from_args(args, cfg):
        label = None if label_path is None else load_label(label_path, label_map, num_classes)
        items, summary = panels(model, vis, img, label, args.tolerance)
        out = osp.join(args.out_dir, osp.splitext(osp.basename(img))[0] + '_panels.png')
        save_panels(items, out, legend=label is not None)
        print(f'{out}  {summary}', flush=True)


if __name__ == '__main__':
    main()
