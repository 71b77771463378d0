"""Prediction panels: image | ground truth | prediction | boundary errors | HC clusters.

* ground truth and prediction coloured by MMSegmentation's ``SegLocalVisualizer``;
* boundary errors (``segplug.ops.boundaries``), drawn with MMEngine's visualizer: green =
  true predicted edges, red = false edges (no ground-truth edge within the tolerance),
  blue = missed ground-truth edges;
* for HC models, the finest cluster boundaries over the image (``clusters_of``); for models
  whose predictions carry ``pred_superpixels``, their boundaries (magenta).
"""

from __future__ import annotations

import os.path as osp

import matplotlib

matplotlib.use('Agg')  # files only; no display on servers
import matplotlib.pyplot as plt  # noqa: E402
import mmcv  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from mmengine.structures import PixelData  # noqa: E402
from mmseg.apis import inference_model  # noqa: E402
from mmseg.structures import SegDataSample  # noqa: E402
from mmseg.visualization import SegLocalVisualizer  # noqa: E402
from skimage.segmentation import mark_boundaries  # noqa: E402

from segplug.ops.boundaries import boundary_counts, boundary_errors, boundary_scores  # noqa: E402

from .clusters import clusters_of  # noqa: E402

ERROR_COLOURS = {'true edge': (0, 200, 0), 'false edge': (255, 0, 0), 'missed edge': (0, 80, 255)}


def load_label(path: str, label_map: dict | None, num_classes: int) -> np.ndarray:
    """(H, W) int64 labels; the dataset's label map applied, unknown ids -> 255."""
    raw = mmcv.imread(path, flag='unchanged', backend='pillow')
    if raw is None or raw.ndim != 2:
        raise ValueError(f'{path}: expected a single-channel label image')
    label = raw.astype(np.int64)
    if label_map:
        mapped = label.copy()
        for old, new in label_map.items():
            mapped[label == old] = new
        label = mapped
    label[(label < 0) | ((label >= num_classes) & (label != 255))] = 255
    return label


def panels(
    model, vis: SegLocalVisualizer, img_path: str, label: np.ndarray | None, tolerance: float
) -> tuple[list[tuple[str, np.ndarray]], str]:
    """The panels (title, RGB image) of one image, and a one-line summary."""
    image = mmcv.imread(img_path, channel_order='rgb')
    result = inference_model(model, img_path)
    pred = result.pred_sem_seg.data[0].cpu().numpy().astype(np.int64)
    out = [('image', image)]
    sample = SegDataSample(pred_sem_seg=PixelData(data=result.pred_sem_seg.data))
    if label is not None:
        if label.shape != pred.shape:
            raise ValueError(
                f'{img_path}: label {label.shape} and prediction {pred.shape} differ in size'
            )
        # 255 (unlabelled) is no class id: the visualizer leaves it uncoloured
        sample.gt_sem_seg = PixelData(data=np.asarray(label)[None])
    # one call per map: _draw_sem_seg leaves the map it drew as the visualizer's image
    if label is not None:
        vis.add_datasample('gt', image, sample, draw_gt=True, draw_pred=False, with_labels=False)
        out.append(('ground truth', vis.get_image()))
    vis.add_datasample('pred', image, sample, draw_gt=False, draw_pred=True, with_labels=False)
    out.append(('prediction', vis.get_image()))
    summary = f'{osp.basename(img_path)}:'
    if label is not None:
        true, false, missed = boundary_errors(pred, label, tolerance)
        vis.set_image(image // 2 + 64)  # dimmed, so thin edges stand out
        vis.draw_binary_masks(
            np.stack([true, false, missed]), colors=list(ERROR_COLOURS.values()), alphas=1.0
        )
        n = len(vis.dataset_meta['classes'])
        f = boundary_scores(boundary_counts(pred, label, n, (tolerance,)))['fscore'][-1, 0]
        out.append((f'boundary errors @{tolerance:g}px (BF {100 * f:.1f})', vis.get_image()))
        summary += (
            f' true edges {int(true.sum())}, false edges {int(false.sum())}, '
            f'missed edges {int(missed.sum())}, BF@{tolerance:g} {100 * f:.2f}'
        )
    try:
        clusters = clusters_of(model, image[..., ::-1].copy())
    except ValueError:  # not an HC model: no cluster panel
        clusters = None
    if clusters is not None:
        over = mark_boundaries(image / 255.0, clusters, color=(1, 1, 0))
        out.append((f'HC clusters ({len(np.unique(clusters))})', (over * 255).astype(np.uint8)))
        summary += f', {len(np.unique(clusters))} clusters'
    if 'pred_superpixels' in result:  # a model that predicts superpixel ids (H, W)
        sp = result.pred_superpixels.data.cpu().numpy().squeeze()
        over = mark_boundaries(image / 255.0, sp, color=(1, 0, 1))
        out.append((f'superpixels ({len(np.unique(sp))})', (over * 255).astype(np.uint8)))
        summary += f', {len(np.unique(sp))} superpixels'
    return out, summary


def save_panels(items: list[tuple[str, np.ndarray]], path: str, legend: bool) -> None:
    """Write the panels side by side to ``path`` (the boundary-error legend with ``legend``)."""
    h, w = items[0][1].shape[:2]
    fig, axes = plt.subplots(1, len(items), figsize=(len(items) * w / 100, h / 100 + 0.5), dpi=100)
    for ax, (title, im) in zip(np.atleast_1d(axes), items):
        ax.imshow(im, interpolation='nearest')
        ax.set_title(title, fontsize=9)
        ax.axis('off')
    if legend:
        fig.legend(
            handles=[Patch(color=np.array(c) / 255, label=k) for k, c in ERROR_COLOURS.items()],
            loc='lower center',
            ncol=3,
            fontsize=8,
            frameon=False,
        )
    fig.subplots_adjust(left=0.005, right=0.995, top=0.92, bottom=0.06, wspace=0.02)
    fig.savefig(path)
    plt.close(fig)
