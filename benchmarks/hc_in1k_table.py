"""The ImageNet-start HC comparison's table from the runs of benchmarks/hc_camvid_in1k.sh.

    python benchmarks/hc_in1k_table.py [WORK_ROOT] [--json docs/results/hc_camvid_in1k.json]

One row per variant: the seeds found, mIoU per seed and mean +- std (population std over
seeds), the gain over its baseline (FCN-32; for FPN, bilinear) paired by seed (mean +- std
of the per-seed differences), the per-class IoU (mean over seeds; the thin classes first)
and boundary F at 3 px (BSDS convention). With ``--json`` the same numbers, the commit and
the date are written for the README.
"""

from __future__ import annotations

import argparse
import datetime
import glob
import json
import os.path as osp
import subprocess

from segplug.utils.multi_seed import finished_runs, summary

THIN = ('Pole', 'SignSymbol', 'Pedestrian', 'Bicyclist')
OTHER = ('Sky', 'Building', 'Road', 'Pavement', 'Tree', 'Fence', 'Car')
#: a second paired comparison shown beside the first (a change to HCFCN-32 against HCFCN-32)
ALSO = {'hcfcn32-assign': 'hcfcn32', 'hcfcn32-offlr1': 'hcfcn32', 'hcfcn32-sepoff': 'hcfcn32'}
BASELINES = {
    'fcn32': (
        'fcn32',
        'hcfcn32',
        'hcfcn32-offlr1',
        'hcfcn32-assign',
        'hcfcn32-sepoff',
        'atrousfcn',
    ),
    'fpn-bilinear': ('fpn-hc', 'fpn-dysample'),
}


def baseline_of(variant: str) -> str | None:
    """The variant a row's gain is paired against (None for a baseline itself)."""
    return next((b for b, rows in BASELINES.items() if variant in rows and variant != b), None)


def paired(rows: dict, base: dict, base_name: str | None) -> dict | None:
    """The gain of ``rows`` over ``base`` paired by seed (None without common seeds)."""
    gains = [r['mIoU'] - base[k]['mIoU'] for k, r in rows.items() if k in base]
    if not gains:
        return None
    g = summary(gains)
    return dict(baseline=base_name, gain_mean=g['mean'], gain_std=g['std'], gains_per_seed=gains)


def run_commit(seed_dir: str) -> str:
    """The commit a run trained at: ``seed_dir.commit`` (written by _camvid_train.sh), else
    the branch's last commit before the run's start (its timestamped folder), marked ``~``
    (runs started before the commit was recorded)."""
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


def table(found: dict, commits: dict | None = None) -> tuple[str, dict]:
    lines = [
        '| variant | seeds | mIoU per seed | mIoU | gain over its baseline (paired) | '
        + ' | '.join(THIN + OTHER)
        + ' | BF@3 (bsds) |',
        '|---|---|---|---|---|' + '---|' * (len(THIN) + len(OTHER)) + '---|',
    ]
    result = {}
    for name, rows in found.items():
        s = summary([r['mIoU'] for r in rows.values()])
        g = paired(rows, found.get(baseline_of(name), {}), baseline_of(name))
        classes = {c: sum(r[f'IoU.{c}'] for r in rows.values()) / len(rows) for c in THIN + OTHER}
        bf = sum(r.get('BF@3', float('nan')) for r in rows.values()) / len(rows)
        result[name] = dict(
            seeds=sorted(rows),
            baseline=baseline_of(name),
            miou_per_seed={k: r['mIoU'] for k, r in rows.items()},
            miou_mean=s['mean'],
            miou_std=s['std'],
            gain_mean=None if g is None else g['gain_mean'],
            gain_std=None if g is None else g['gain_std'],
            gains_per_seed=None if g is None else g['gains_per_seed'],
            also=paired(rows, found.get(ALSO.get(name), {}), ALSO.get(name)),
            class_iou=classes,
            bf3=bf,
            commits=(commits or {}).get(name, {}),
        )
        lines.append(
            f'| {name} | {len(rows)} | '
            + ' / '.join(f'{r["mIoU"]:.2f}' for r in rows.values())
            + f' | {s["mean"]:.2f} +- {s["std"]:.2f} | '
            + ('-' if g is None else f'{g["gain_mean"]:+.2f} +- {g["gain_std"]:.2f}')
            + ' | '
            + ' | '.join(f'{classes[c]:.1f}' for c in THIN + OTHER)
            + f' | {bf:.2f} |'
        )
    return '\n'.join(lines), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_root', nargs='?', default='work_dirs/hc_camvid_in1k')
    parser.add_argument('--json', help='also write the numbers, commit and date here')
    args = parser.parse_args()
    found = finished_runs(args.work_root)
    if not found:
        raise SystemExit(f'no finished run under {args.work_root}')
    commits = {
        name: {seed: run_commit(osp.join(args.work_root, name, seed)) for seed in rows}
        for name, rows in found.items()
    }
    text, result = table(found, commits)
    print(text)
    if args.json:
        commit = subprocess.run(
            ['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True
        ).stdout.strip()
        meta = dict(
            command='bash benchmarks/hc_camvid_in1k.sh CAMVID_ROOT WORK_ROOT',
            date=datetime.date.today().isoformat(),
            commit=commit,
        )
        with open(args.json, 'w') as f:
            json.dump(dict(meta=meta, variants=result), f, indent=1)
            f.write('\n')


if __name__ == '__main__':
    main()
