"""Every method against its control from the ImageNet start, from benchmarks/methods_camvid_in1k.sh.

    python benchmarks/methods_in1k_table.py [WORK_ROOT] [--camvid-root DIR] [--no-probes]
        [--json docs/results/methods_camvid_in1k.json]

One row per variant (issue 34): the seeds found, mIoU per seed and mean +- std (population std
over seeds), the gain over its control paired by seed (mean +- std of the per-seed
differences), the per-class IoU (mean over seeds; the thin classes first) and boundary F at
3 px (BSDS convention; 1 and 5 px in the JSON). The controls (``BASELINE``):

- CPP-KL auxiliary loss over the same head with CE on nearest-downsampled labels (and, second,
  over the stage-1 segmenter, MMSegmentation's auxiliary CE on upsampled logits);
- UOI (CE, then 0.7 UOI + 0.3 CE) and TI (segmenter, then joint with the superpixel FCN) over
  the same stage 1 trained on with CE alone for the same iterations (TI, second: over its
  stage-1 segmenter, the paper's comparison, which credits TI with the extra iterations);
- the semantic features (hypercolumn head, Eq. 1 beside CE) over the same model with Eq. 1 at
  weight 0. Their features are also scored by ``tools/analysis/eval_features.py`` (kNN and
  linear-probe pixel accuracy, intra / inter-class distance ratio; CamVid from
  ``--camvid-root``), run here once per finished run and kept as ``seedN/probes.json``.

With ``--json`` the same numbers, the commit and the date are written for the README.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys

from segplug.utils.multi_seed import (
    finished_runs,
    paired_gain,
    run_commits,
    seeds_table,
    summary,
    write_seeds_json,
)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
BASELINE = {
    'deeplabv3plus-cpp': 'deeplabv3plus-nearest',
    'ft-deeplabv3plus-uoi': 'ft-deeplabv3plus',
    'ti-deeplabv3plus': 'ft-deeplabv3plus',
    'ft-deeplabv3plus': 'deeplabv3plus',
    'semantic-features-fcn32': 'semantic-features-w0-fcn32',
}
ALSO = {'deeplabv3plus-cpp': 'deeplabv3plus', 'ti-deeplabv3plus': 'deeplabv3plus'}
PROBED = ('semantic-features-fcn32', 'semantic-features-w0-fcn32')
PROBE_KEYS = ('knn_acc', 'knn_macc', 'probe_acc', 'probe_macc', 'ratio')


def last_checkpoint(seed_dir: str) -> str:
    """The run's last checkpoint, as MMEngine recorded it in ``last_checkpoint``."""
    path = osp.join(seed_dir, 'last_checkpoint')
    if not osp.isfile(path):
        raise FileNotFoundError(f'no last_checkpoint in {seed_dir}')
    with open(path) as f:
        ckpt = f.read().strip()
    # recorded as the trainer saw it; relative to where the runner ran (the repository root)
    return ckpt if osp.isabs(ckpt) or osp.isfile(ckpt) else osp.join(REPO, ckpt)


def probe(seed_dir: str, camvid_root: str) -> dict:
    """The feature probes of one run (``seed_dir/probes.json``, computed when missing)."""
    out = osp.join(seed_dir, 'probes.json')
    if not osp.isfile(out):
        configs = sorted(glob.glob(osp.join(seed_dir, '*.py')))  # the config MMEngine dumped
        if not configs:
            raise FileNotFoundError(f'no dumped config in {seed_dir}')
        cmd = [
            sys.executable,
            osp.join(REPO, 'tools', 'analysis', 'eval_features.py'),
            configs[0],
            last_checkpoint(seed_dir),
            '--data-root',
            camvid_root,
            '--json',
            out,
        ]
        print('probing:', ' '.join(cmd), flush=True)
        subprocess.run(cmd, check=True, env=dict(os.environ, OMP_NUM_THREADS='1'))
    with open(out) as f:
        return json.load(f)['features']


def probes_table(probes: dict) -> tuple[str, dict]:
    """{variant: {seed: probe numbers}} -> a Markdown table and, per variant, the numbers per
    seed, mean, std and gains over its control paired by seed."""
    lines = [
        '| variant | seeds | kNN acc | kNN mAcc | probe acc | probe mAcc | intra / inter | '
        'kNN acc gain (paired) | intra / inter gain (paired) |',
        '|---|---|---|---|---|---|---|---|---|',
    ]
    result = {}
    for name, rows in probes.items():
        stats = {k: summary([r[k] for r in rows.values()]) for k in PROBE_KEYS}
        base = BASELINE.get(name)
        gains = {k: paired_gain(rows, probes.get(base, {}), base, key=k) for k in PROBE_KEYS}
        result[name] = dict(
            per_seed=rows,
            mean={k: s['mean'] for k, s in stats.items()},
            std={k: s['std'] for k, s in stats.items()},
            gains=gains,
        )

        def cell(k: str, fmt: str) -> str:
            return f'{stats[k]["mean"]:{fmt}} +- {stats[k]["std"]:{fmt}}'

        def gain(k: str, fmt: str) -> str:
            g = gains[k]
            return '-' if g is None else f'{g["gain_mean"]:+{fmt}} +- {g["gain_std"]:{fmt}}'

        lines.append(
            f'| {name} | {len(rows)} | '
            + ' | '.join(cell(k, '.1f') for k in PROBE_KEYS[:4])
            + f' | {cell("ratio", ".3f")} | {gain("knn_acc", ".1f")} | {gain("ratio", ".3f")} |'
        )
    return '\n'.join(lines), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_root', nargs='?', default='work_dirs/methods_camvid_in1k')
    parser.add_argument('--camvid-root', default='data/camvid', help='CamVid, for the probes')
    parser.add_argument('--no-probes', action='store_true', help='skip the feature probes')
    parser.add_argument('--json', help='also write the numbers, commit and date here')
    args = parser.parse_args()
    found = finished_runs(args.work_root)
    if not found:
        raise SystemExit(f'no finished run under {args.work_root}')
    seed_dir = {
        name: {s: osp.join(args.work_root, name, s) for s in rows} for name, rows in found.items()
    }
    commits = run_commits(args.work_root, found)
    text, result = seeds_table(found, BASELINE, ALSO, commits)
    print(text, flush=True)
    iters = sorted(
        {osp.basename(last_checkpoint(d)) for dirs in seed_dir.values() for d in dirs.values()}
    )
    if not args.no_probes:
        probes = {
            name: {s: probe(d, args.camvid_root) for s, d in seed_dir[name].items()}
            for name in PROBED
            if name in found
        }
        if probes:
            text, numbers = probes_table(probes)
            print('\nFeature probes (tools/analysis/eval_features.py):\n' + text)
            for name, n in numbers.items():
                result[name]['probes'] = n
    if args.json:
        write_seeds_json(
            args.json,
            'bash benchmarks/methods_camvid_in1k.sh CAMVID_ROOT WORK_ROOT BSDS500_ROOT',
            result,
            REPO,
            conditions=f'last checkpoints {", ".join(iters)} (per stage)',
        )


if __name__ == '__main__':
    main()
