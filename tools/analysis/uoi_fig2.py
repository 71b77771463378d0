"""Redraw Fig. 2 of the UOI paper: IOU and UOI as pixels of a real label image are flipped.

    python tools/analysis/uoi_fig2.py [--label PNG] [--out work_dirs/uoi/fig2.png]
        [--ignore 11] [--seed 0] [--max-frac 0.95]

The prediction starts equal to the ground truth; random pixels are flipped one by one, each
to a random wrong class, so every flip adds one false positive and one false negative
(FP = sum_k FP_k = sum_k FN_k = FN, the paper's x axis). After each flip the counted IOU
loss 1 - mean_k TP_k / (TP_k + FP_k + FN_k) (Eq. 1-2) and UOI = mean_k (TP_k + FP_k + FN_k)
/ TP_k (Eq. 6-7) are recorded (classes of the label image, ignore pixels never flipped).
The second panel shows their slopes per flip: the IOU loss changes fastest when there are
few mistakes and slowest when there are many, UOI the other way round (Sec. 3.2).
Default label: the first CamVid val frame (0016E5_07959) of the embedded ``data/camvid_demo``,
which is also the first of the full val split.
"""

from __future__ import annotations

import argparse
import os
import os.path as osp

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CAMVID = osp.join(REPO, 'data', 'camvid_demo')


def flip_curves(
    label: np.ndarray, ignore: int | None, seed: int, max_frac: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counted IOU loss and UOI after 0, 1, 2, ... flips (incremental TP/FP/FN counts).

    Returns (mistakes, iou_loss, uoi), each (T + 1,), T flips; stops before any class of
    the image loses its last true positive (UOI would be infinite).
    """
    gt = label.reshape(-1).astype(np.int64)
    pix = np.flatnonzero(gt != ignore) if ignore is not None else np.arange(gt.size)
    classes = np.unique(gt[pix])
    c = int(classes.max()) + 1
    rng = np.random.default_rng(seed)
    order = rng.permutation(pix)[: int(max_frac * pix.size)]
    tp = np.bincount(gt[pix], minlength=c).astype(np.float64)
    fp = np.zeros(c)
    fn = np.zeros(c)
    iou_loss, uoi = [], []

    def record():
        union = tp[classes] + fp[classes] + fn[classes]
        iou_loss.append(1 - np.mean(tp[classes] / union))
        uoi.append(np.mean(union / tp[classes]))

    record()
    for i in order:
        g = gt[i]
        if tp[g] == 1:  # the last true positive of class g: stop, UOI would be inf
            break
        wrong = classes[classes != g]
        p = wrong[rng.integers(len(wrong))]
        tp[g] -= 1
        fn[g] += 1
        fp[p] += 1
        record()
    return np.arange(len(uoi)), np.array(iou_loss), np.array(uoi)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--label', help='label PNG (class ids); default: first CamVid val frame')
    p.add_argument('--out', default=osp.join(REPO, 'work_dirs', 'uoi', 'fig2.png'))
    p.add_argument('--ignore', type=int, default=11, help='ignore id (CamVid: 11); -1: none')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument(
        '--max-frac',
        type=float,
        default=0.95,
        help='flip at most this fraction of the labelled pixels',
    )
    args = p.parse_args()
    import cv2
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    path = args.label
    if path is None:
        stem = open(osp.join(DEFAULT_CAMVID, 'val.txt')).readline().strip()
        path = osp.join(DEFAULT_CAMVID, 'labels', 'val', stem + '.png')
    label = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if label is None:
        raise FileNotFoundError(f'cannot read label image {path}')
    ignore = None if args.ignore < 0 else args.ignore
    mistakes, iou_loss, uoi = flip_curves(label, ignore, args.seed, args.max_frac)
    frac = mistakes / int((label != ignore).sum() if ignore is not None else label.size)

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    ax = axes[0]
    # from the first flip on: both are 0 at no mistakes, off a log axis
    ax.plot(frac[1:], iou_loss[1:], label='IOU loss, 1 - mean IOU_k')
    ax.plot(frac[1:], uoi[1:] - 1, label='UOI - 1, mean UOI_k - 1')
    ax.set_yscale('log')
    ax.set_xlabel('flipped pixels (FP = FN) / labelled pixels')
    ax.set_ylabel('loss')
    ax.legend()
    ax.set_title('Losses as random pixels are flipped')
    ax = axes[1]
    step = max(1, len(mistakes) // 200)  # slopes over windows of `step` flips
    x = frac[step::step]
    ax.plot(x, np.diff(iou_loss[::step]) / step, label='d(IOU loss) / d(flip)')
    ax.plot(x, np.diff(uoi[::step]) / step, label='d(UOI) / d(flip)')
    ax.set_yscale('log')
    ax.set_xlabel('flipped pixels (FP = FN) / labelled pixels')
    ax.set_ylabel('change per flipped pixel')
    ax.legend()
    ax.set_title('Slopes (UOI: small near 0 mistakes, large far away)')
    fig.suptitle(
        f'UOI paper Fig. 2 redrawn on {osp.basename(path)} ({label.shape[1]}x'
        f'{label.shape[0]}, seed {args.seed})'
    )
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    fig.savefig(args.out, dpi=120)
    n = len(mistakes) - 1
    first = max(1, n // 100)
    print(f'{osp.basename(path)}: {n} flips ({frac[-1]:.1%} of labelled pixels) -> {args.out}')
    print('| flipped | IOU loss | UOI |')
    print('|---|---|---|')
    for i in (0, n // 10, n // 4, n // 2, 3 * n // 4, n):
        print(f'| {frac[i]:.1%} | {iou_loss[i]:.4f} | {uoi[i]:.3f} |')
    s_iou = (iou_loss[first] - iou_loss[0]) / first, (iou_loss[n] - iou_loss[n - first]) / first
    s_uoi = (uoi[first] - uoi[0]) / first, (uoi[n] - uoi[n - first]) / first
    print(
        f'slope per flip over the first / last {first} flips: IOU loss {s_iou[0]:.2e} / '
        f'{s_iou[1]:.2e}, UOI {s_uoi[0]:.2e} / {s_uoi[1]:.2e}'
    )


if __name__ == '__main__':
    main()
