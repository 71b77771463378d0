"""Train a config N times and summarise mIoU like SeeThroughNet supplement Table 2.

    python tools/multi_seed.py CONFIG [--seeds 0 1 2 ...] [--same-seed 9802 --runs 10]
        [--gpus 8] [--work-dir work_dirs/multi_seed] [--deterministic] [--cfg-options k=v ...]

``--seeds`` runs once per listed seed ("w/ Random Seed" rows); ``--same-seed S --runs N``
runs N times with seed S ("w/ Same Seed" rows: on CPU these repeat exactly, so min = max;
on GPUs non-deterministic kernels make them differ, as the supplement notes). Each run is
``tools/train.py`` in a subprocess (``tools/dist_train.sh CONFIG GPUS`` with ``--gpus``, the
way the supplement's 8-GPU rows were trained) with ``randomness.seed`` set (and
``randomness.deterministic=True`` with ``--deterministic``); its mIoU is the last validation
of the run, read from MMEngine's ``vis_data/scalars.json``. Prints one line per run and
min / max / mean / variance / std (population variance, as ``numpy.var``).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def last_miou(work_dir: str) -> float:
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    for path in reversed(files):
        rows = [json.loads(line) for line in open(path) if '"mIoU"' in line]
        if rows:
            return float(rows[-1]['mIoU'])
    raise RuntimeError(f'no validation mIoU logged under {work_dir}')


def summary(values: list[float]) -> dict[str, float]:
    v = np.asarray(values, dtype=np.float64)
    return dict(min=v.min(), max=v.max(), mean=v.mean(), var=v.var(), std=v.std())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('--seeds', type=int, nargs='+')
    p.add_argument('--same-seed', type=int)
    p.add_argument('--runs', type=int, default=10)
    p.add_argument('--gpus', type=int, default=1,
                   help='processes per run; above 1 each run is tools/dist_train.sh')
    p.add_argument('--work-dir', default=osp.join('work_dirs', 'multi_seed'))
    p.add_argument('--deterministic', action='store_true')
    p.add_argument('--cfg-options', nargs='+', default=[])
    args = p.parse_args()
    if (args.seeds is None) == (args.same_seed is None):
        raise ValueError('give either --seeds S1 S2 ... or --same-seed S --runs N')
    if args.same_seed is not None and args.runs < 1:
        raise ValueError(f'--runs must be >= 1, got {args.runs}')
    if args.gpus < 1:
        raise ValueError(f'--gpus must be >= 1, got {args.gpus}')
    seeds = args.seeds or [args.same_seed] * args.runs
    values = []
    for i, seed in enumerate(seeds):
        work = osp.join(args.work_dir, f'run{i}_seed{seed}')
        opts = [f'randomness.seed={seed}'] + args.cfg_options
        if args.deterministic:
            opts.append('randomness.deterministic=True')
        if args.gpus > 1:
            cmd = ['bash', osp.join(REPO, 'tools', 'dist_train.sh'), args.config,
                   str(args.gpus)]
        else:
            cmd = [sys.executable, osp.join(REPO, 'tools', 'train.py'), args.config]
        cmd += ['--work-dir', work, '--cfg-options', *opts]
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              env=dict(os.environ, PYTHONUNBUFFERED='1',
                                       PYTHON=sys.executable))
        if proc.returncode != 0:
            raise RuntimeError(f'run {i} (seed {seed}) failed ({proc.returncode}):\n'
                               f'{proc.stderr[-3000:]}')
        values.append(last_miou(work))
        print(f'run {i}  seed {seed}  mIoU {values[-1]:.2f}', flush=True)
    s = summary(values)
    kind = f'same seed ({args.same_seed})' if args.same_seed is not None else 'listed seeds'
    print(f'{osp.basename(args.config)}, {len(values)} runs, {kind}')
    print('| Min | Max | Average | Var. | Std. |')
    print('|---|---|---|---|---|')
    print(f'| {s["min"]:.2f} | {s["max"]:.2f} | {s["mean"]:.2f} | {s["var"]:.4f} | '
          f'{s["std"]:.4f} |')


if __name__ == '__main__':
    main()
