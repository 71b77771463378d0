"""Several training runs of one config, differing only in their seed (TI supplement E).

The command line is ``tools/multi_seed.py``; each run is ``tools/train.py`` (or
``tools/dist_train.sh`` for several processes) in a subprocess, its last validation mIoU read
from MMEngine's ``scalars.json``. The CamVid comparisons of ``benchmarks/`` lay their runs out
as ``WORK_ROOT/<variant>/seed<N>/``: :func:`finished_runs` reads them and :func:`seeds_table`
summarises them (mean +- std, gains paired by seed, per-class IoU, boundary F).
"""

from __future__ import annotations

import datetime
import glob
import json
import os
import os.path as osp
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence

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


#: CamVid's thin classes (shown first) and the others, as the seeds tables list them
CAMVID_THIN = ('Pole', 'SignSymbol', 'Pedestrian', 'Bicyclist')
CAMVID_OTHER = ('Sky', 'Building', 'Road', 'Pavement', 'Tree', 'Fence', 'Car')
BOUNDARY_KEYS = ('BF@1', 'BF@3', 'BF@5')


def paired_gain(
    rows: Mapping[str, Mapping[str, float]],
    base: Mapping[str, Mapping[str, float]],
    base_name: str | None,
    key: str = 'mIoU',
) -> dict | None:
    """The gain of ``rows`` over ``base`` ({seed: metrics} each) in ``key``, paired by seed:
    mean +- std of the per-seed differences over the seeds both have (None without any)."""
    gains = [r[key] - base[k][key] for k, r in rows.items() if k in base]
    if not gains:
        return None
    g = summary(gains)
    return dict(baseline=base_name, gain_mean=g['mean'], gain_std=g['std'], gains_per_seed=gains)


def run_commit(seed_dir: str) -> str:
    """The commit a run trained at: ``seed_dir.commit`` (written by benchmarks/_camvid_train.sh),
    else the branch's last commit before the run's start (its timestamped folder), marked
    ``~`` (runs started before the commit was recorded); ``?`` when neither is known."""
    if osp.isfile(seed_dir + '.commit'):
        with open(seed_dir + '.commit') as f:
            return f.read().strip()
    stamps = sorted(glob.glob(osp.join(seed_dir, '2*_*')))
    if not stamps:
        return '?'
    start = datetime.datetime.strptime(osp.basename(stamps[0]), '%Y%m%d_%H%M%S')
    found = subprocess.run(
        ['git', 'rev-list', '-1', f'--before={start.isoformat()}', 'HEAD'],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return f'~{found[:7]}' if found else '?'


def run_commits(work_root: str, found: Mapping[str, Mapping[str, object]]) -> dict:
    """{variant: {seedN: :func:`run_commit`}} of the runs in ``found`` (as
    :func:`finished_runs` returns them) under ``work_root``."""
    return {
        name: {seed: run_commit(osp.join(work_root, name, seed)) for seed in rows}
        for name, rows in found.items()
    }


def run_iterations(seed_dir: str) -> int:
    """The training length of a run: ``train_cfg.max_iters`` of the config MMEngine dumped
    into ``seed_dir`` (a ValueError naming the folder without exactly one)."""
    from mmengine.config import Config

    dumped = glob.glob(osp.join(seed_dir, '*.py'))
    if len(dumped) != 1:
        raise ValueError(f'{seed_dir}: expected one dumped config (*.py), found {len(dumped)}')
    return int(Config.fromfile(dumped[0]).train_cfg.max_iters)


def common_iterations(work_root: str, found: Mapping[str, Mapping[str, object]]) -> int:
    """The one training length of every run in ``found`` ({variant: {seedN: ...}} under
    ``work_root``); a ValueError listing the lengths when the runs differ (one table, one
    schedule)."""
    lengths = {
        f'{name}/{seed}': run_iterations(osp.join(work_root, name, seed))
        for name, rows in found.items()
        for seed in rows
    }
    if len(set(lengths.values())) != 1:
        raise ValueError(f'{work_root}: runs of different lengths in one table: {lengths}')
    return next(iter(lengths.values()))


def seeds_table(
    found: Mapping[str, Mapping[str, Mapping[str, float]]],
    baseline: Mapping[str, str],
    also: Mapping[str, str] | None = None,
    commits: Mapping[str, Mapping[str, str]] | None = None,
    classes: Sequence[str] = CAMVID_THIN + CAMVID_OTHER,
) -> tuple[str, dict]:
    """A Markdown table and its numbers, one row per variant of :func:`finished_runs`.

    Each row: the seeds, mIoU per seed and mean +- std (population std over seeds), the gain
    over ``baseline[variant]`` paired by seed (and over ``also[variant]``, a second paired
    comparison kept in the numbers), the per-class IoU of ``classes`` and the boundary F
    (``BF@1/3/5`` where logged; BF@3 in the table), means over seeds, and each seed's commit.
    A variant without a baseline (a baseline itself) has gain None.
    """
    also = also or {}
    lines = [
        '| variant | seeds | mIoU per seed | mIoU | gain over its baseline (paired) | '
        + ' | '.join(classes)
        + ' | BF@3 (bsds) |',
        '|---|---|---|---|---|' + '---|' * len(classes) + '---|',
    ]
    result = {}
    for name, rows in found.items():
        s = summary([r['mIoU'] for r in rows.values()])
        base = baseline.get(name)
        g = paired_gain(rows, found.get(base, {}), base)
        class_iou = {c: sum(r[f'IoU.{c}'] for r in rows.values()) / len(rows) for c in classes}
        bf = {
            k: sum(r.get(k, float('nan')) for r in rows.values()) / len(rows) for k in BOUNDARY_KEYS
        }
        result[name] = dict(
            seeds=sorted(rows),
            baseline=base,
            miou_per_seed={k: r['mIoU'] for k, r in rows.items()},
            miou_mean=s['mean'],
            miou_std=s['std'],
            gain_mean=None if g is None else g['gain_mean'],
            gain_std=None if g is None else g['gain_std'],
            gains_per_seed=None if g is None else g['gains_per_seed'],
            also=paired_gain(rows, found.get(also.get(name), {}), also.get(name)),
            class_iou=class_iou,
            bf3=bf['BF@3'],
            bf=bf,
            commits=(commits or {}).get(name, {}),
        )
        lines.append(
            f'| {name} | {len(rows)} | '
            + ' / '.join(f'{r["mIoU"]:.2f}' for r in rows.values())
            + f' | {s["mean"]:.2f} +- {s["std"]:.2f} | '
            + ('-' if g is None else f'{g["gain_mean"]:+.2f} +- {g["gain_std"]:.2f}')
            + ' | '
            + ' | '.join(f'{class_iou[c]:.1f}' for c in classes)
            + f' | {bf["BF@3"]:.2f} |'
        )
    return '\n'.join(lines), result


def write_seeds_json(path: str, command: str, variants: dict, repo: str, **meta) -> None:
    """Write a seeds table's numbers (``variants``, as :func:`seeds_table` returns them) to
    ``path`` as ``{"meta": {command, date, commit, **meta}, "variants": variants}``, the
    commit being that of the checkout ``repo`` (``+dirty`` with uncommitted changes)."""
    from .collect_env import git_commit

    head = dict(
        command=command,
        date=datetime.date.today().isoformat(),
        commit=git_commit(repo) or '?',
        **meta,
    )
    with open(path, 'w') as f:
        json.dump(dict(meta=head, variants=variants), f, indent=1)
        f.write('\n')


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
