"""Train a config N times and summarise mIoU like SeeThroughNet supplement Table 2.

    python tools/multi_seed.py CONFIG [--seeds 0 1 2 ...] [--same-seed 9802 --runs 10]
        [--gpus 8] [--work-dir work_dirs/multi_seed] [--deterministic] [--cfg-options k=v ...]

``--seeds`` runs once per listed seed ("w/ Random Seed" rows); ``--same-seed S --runs N``
runs N times with seed S ("w/ Same Seed" rows: on CPU these repeat exactly, so min = max;
on GPUs non-deterministic kernels make them differ, as the supplement notes, and
``--deterministic`` is refused there: torch has no deterministic CUDA backward for bilinear
interpolation, adaptive average pooling or weighted bincount, so every model would stop at
its first step). Each run is
``tools/train.py`` in a subprocess (``tools/dist_train.sh CONFIG GPUS`` with ``--gpus``, the
way the supplement's 8-GPU rows were trained) with ``randomness.seed`` set (and
``randomness.deterministic=True`` with ``--deterministic``); its mIoU is the last validation
of the run, read from MMEngine's ``vis_data/scalars.json``. Prints one line per run and
min / max / mean / variance / std (population variance, as ``numpy.var``).
"""

from __future__ import annotations

import argparse
import os.path as osp

from segplug.utils.multi_seed import run_seeds, seed_list, summary_table


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('--seeds', type=int, nargs='+')
    p.add_argument('--same-seed', type=int)
    p.add_argument('--runs', type=int, default=10)
    p.add_argument(
        '--gpus',
        type=int,
        default=1,
        help='processes per run; above 1 each run is tools/dist_train.sh',
    )
    p.add_argument('--work-dir', default=osp.join('work_dirs', 'multi_seed'))
    p.add_argument('--deterministic', action='store_true')
    p.add_argument('--cfg-options', nargs='+', default=[])
    args = p.parse_args()
    seeds = seed_list(args.seeds, args.same_seed, args.runs)
    values = run_seeds(
        args.config,
        seeds,
        args.work_dir,
        osp.dirname(osp.abspath(__file__)),
        args.gpus,
        args.deterministic,
        args.cfg_options,
        log=lambda line: print(line, flush=True),
    )
    kind = f'same seed ({args.same_seed})' if args.same_seed is not None else 'listed seeds'
    print(f'{osp.basename(args.config)}, {len(values)} runs, {kind}')
    print(summary_table(values))


if __name__ == '__main__':
    main()
