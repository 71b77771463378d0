"""Several training runs of one config, differing only in their seed (TI supplement E).

The command line is ``tools/multi_seed.py``; each run is ``tools/train.py`` (or
``tools/dist_train.sh`` for several processes) in a subprocess, its last validation mIoU read
from MMEngine's ``scalars.json``.
"""

from __future__ import annotations

import glob
import json
import os
import os.path as osp
import subprocess
import sys
from collections.abc import Callable, Sequence

import numpy as np


def last_metrics(work_dir: str, key: str = 'mIoU') -> dict[str, float]:
    """The last validation row (every metric MMEngine logged, e.g. ``mIoU``, ``IoU.Pole``,
    ``BF@3``) under ``work_dir``: the newest run folder whose ``scalars.json`` has ``key``."""
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    for path in reversed(files):
        rows = [json.loads(line) for line in open(path) if f'"{key}"' in line]
        if rows:
            return {k: float(v) for k, v in rows[-1].items() if isinstance(v, (int, float))}
    raise RuntimeError(f'no validation {key} logged under {work_dir}')


def finished_runs(work_root: str) -> dict[str, dict[str, dict[str, float]]]:
    """{variant: {seedN: last validation metrics}} of the finished runs laid out as
    ``work_root/<variant>/seed<N>/`` (the CamVid comparisons of benchmarks/); runs that
    logged no validation yet are left out."""
    found = {}
    for variant in sorted(glob.glob(osp.join(work_root, '*'))):
        rows = {}
        for seed_dir in sorted(glob.glob(osp.join(variant, 'seed*'))):
            try:
                rows[osp.basename(seed_dir)] = last_metrics(seed_dir)
            except RuntimeError:
                continue  # not finished
        if rows:
            found[osp.basename(variant)] = rows
    return found


def last_miou(work_dir: str) -> float:
    """The last validation mIoU logged under ``work_dir`` (newest run folder first)."""
    return last_metrics(work_dir)['mIoU']


def summary(values: list[float]) -> dict[str, float]:
    """min, max, mean, population variance and standard deviation of ``values``."""
    v = np.asarray(values, dtype=np.float64)
    return dict(min=v.min(), max=v.max(), mean=v.mean(), var=v.var(), std=v.std())


def seed_list(seeds: Sequence[int] | None, same_seed: int | None, runs: int) -> list[int]:
    """``seeds``, or ``same_seed`` ``runs`` times; exactly one of the two must be given."""
    if (seeds is None) == (same_seed is None):
        raise ValueError('give either --seeds S1 S2 ... or --same-seed S --runs N')
    if same_seed is not None and runs < 1:
        raise ValueError(f'--runs must be >= 1, got {runs}')
    return list(seeds) if seeds is not None else [same_seed] * runs


def run_seeds(
    config: str,
    seeds: Sequence[int],
    work_dir: str,
    tools_dir: str,
    gpus: int = 1,
    deterministic: bool = False,
    cfg_options: Sequence[str] = (),
    run: Callable[..., subprocess.CompletedProcess] = subprocess.run,
    log: Callable[[str], None] = print,
) -> list[float]:
    """Train ``config`` once per seed (``randomness.seed``) and return each run's mIoU.

    Run ``i`` writes to ``{work_dir}/run{i}_seed{seed}`` with the checkout's
    ``{tools_dir}/train.py`` (the installed package ships no tools); ``gpus`` > 1 launches
    ``{tools_dir}/dist_train.sh`` with that many processes. ``run`` executes the commands.
    """
    if gpus < 1:
        raise ValueError(f'--gpus must be >= 1, got {gpus}')
    if deterministic:
        from segplug.engine.runtime import check_deterministic_possible

        check_deterministic_possible()  # before the first of N runs, not inside it
    values = []
    for i, seed in enumerate(seeds):
        work = osp.join(work_dir, f'run{i}_seed{seed}')
        opts = [f'randomness.seed={seed}', *cfg_options]
        if deterministic:
            opts.append('randomness.deterministic=True')
        if gpus > 1:
            cmd = ['bash', osp.join(tools_dir, 'dist_train.sh'), config, str(gpus)]
        else:
            cmd = [sys.executable, osp.join(tools_dir, 'train.py'), config]
        cmd += ['--work-dir', work, '--cfg-options', *opts]
        proc = run(
            cmd,
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONUNBUFFERED='1', PYTHON=sys.executable),
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f'run {i} (seed {seed}) failed ({proc.returncode}):\n{proc.stderr[-3000:]}'
            )
        values.append(last_miou(work))
        log(f'run {i}  seed {seed}  mIoU {values[-1]:.2f}')
    return values


def summary_table(values: list[float]) -> str:
    """The supplement's table row (Min, Max, Average, Var., Std.) with its header."""
    s = summary(values)
    return (
        '| Min | Max | Average | Var. | Std. |\n|---|---|---|---|---|\n'
        f'| {s["min"]:.2f} | {s["max"]:.2f} | {s["mean"]:.2f} | {s["var"]:.4f} | '
        f'{s["std"]:.4f} |'
    )
