"""Plot training curves (losses, and mIoU or other validation metrics) from a work dir's logs.

    python tools/plot_curves.py WORK_DIR [--out curves.png] [--metrics mIoU mBF@2 ...]

Reads every ``WORK_DIR/{timestamp}/vis_data/scalars.json`` that MMEngine's
``LocalVisBackend`` writes (several when a run was resumed; later runs win at equal steps),
and draws, against the iteration, each loss of the training log in one panel and the chosen
validation metrics in another (matplotlib). Default output: ``WORK_DIR/curves.png``.
"""

from __future__ import annotations

import argparse
import glob
import json
import os.path as osp

import matplotlib

matplotlib.use('Agg')  # files only; no display on servers
import matplotlib.pyplot as plt  # noqa: E402


def read_scalars(work_dir: str) -> tuple[dict[str, dict[int, float]], dict[str, dict[int, float]]]:
    """Training and validation series ``{key: {step: value}}`` of a work dir."""
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not files:
        raise FileNotFoundError(
            f'no */vis_data/scalars.json under {work_dir}: is it a work '
            'dir of a run with LocalVisBackend?'
        )
    train: dict[str, dict[int, float]] = {}
    val: dict[str, dict[int, float]] = {}
    for path in files:
        with open(path) as f:
            for line in f:
                if not line.strip():
                    continue
                rec = json.loads(line)
                step = int(rec.get('step', rec.get('iter', 0)))
                # training records carry 'lr'; validation records carry the metrics
                series = train if 'lr' in rec else val
                for k, v in rec.items():
                    if isinstance(v, (int, float)) and k not in ('step', 'iter', 'epoch'):
                        series.setdefault(k, {})[step] = float(v)
    return train, val


def plot(train: dict, val: dict, metrics: list[str], out: str, title: str) -> list[str]:
    """Write the figure; returns the validation keys that were drawn."""
    losses = sorted(k for k in train if 'loss' in k)
    if not losses:
        raise ValueError(f'{title}: the training log has no loss')
    shown = [m for m in metrics if m in val]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for k in losses:
        steps = sorted(train[k])
        axes[0].plot(steps, [train[k][s] for s in steps], label=k, lw=1)
    axes[0].set_xlabel('iteration')
    axes[0].set_ylabel('loss')
    axes[0].set_title('training losses')
    axes[0].legend(fontsize=8)
    for k in shown:
        steps = sorted(val[k])
        axes[1].plot(steps, [val[k][s] for s in steps], marker='o', label=k)
    axes[1].set_xlabel('iteration')
    axes[1].set_ylabel('%')
    axes[1].set_title(
        'validation'
        if shown
        else f'validation: none of {metrics} logged (have: {sorted(val)[:6]})',
        fontsize=9 if not shown else None,
    )
    if shown:
        axes[1].legend(fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('work_dir')
    parser.add_argument('--out', help='PNG path (default WORK_DIR/curves.png)')
    parser.add_argument(
        '--metrics',
        nargs='+',
        default=['mIoU'],
        help='validation keys to plot, e.g. mIoU mBF@2 BF@2',
    )
    args = parser.parse_args()
    train, val = read_scalars(args.work_dir)
    out = args.out or osp.join(args.work_dir, 'curves.png')
    shown = plot(train, val, args.metrics, out, osp.abspath(args.work_dir))
    last = {k: train[k][max(train[k])] for k in train if 'loss' in k}
    print(
        f'{out}: losses {", ".join(f"{k} {v:.4f}" for k, v in sorted(last.items()))} '
        f'(last of {len(train.get("loss", {}))} logged); '
        + ', '.join(f'{k} {val[k][max(val[k])]:.2f} at {max(val[k])}' for k in shown),
        flush=True,
    )


if __name__ == '__main__':
    main()
