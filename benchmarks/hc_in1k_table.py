"""The ImageNet-start HC comparison's table from the runs of benchmarks/hc_camvid_in1k.sh.

    python benchmarks/hc_in1k_table.py [WORK_ROOT] [--json docs/results/hc_camvid_in1k.json]

One row per variant: the seeds found, mIoU per seed and mean +- std (population std over
seeds), the gain over its baseline (FCN-32; for FPN, bilinear) paired by seed (mean +- std
of the per-seed differences), the per-class IoU (mean over seeds; the thin classes first)
and boundary F at 3 px (BSDS convention). With ``--json`` the same numbers, the commit and
the date are written for the README, with the runs' training length (read from their
dumped configs: runs of different lengths in one table are refused).
"""

from __future__ import annotations

import argparse
import os.path as osp

from segplug.utils.multi_seed import (
    common_iterations,
    finished_runs,
    run_commits,
    seeds_table,
    write_seeds_json,
)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

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
#: the variant each row's gain is paired against (none for a baseline itself)
BASELINE = {v: b for b, rows in BASELINES.items() for v in rows if v != b}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_root', nargs='?', default='work_dirs/hc_camvid_in1k')
    parser.add_argument('--json', help='also write the numbers, commit and date here')
    args = parser.parse_args()
    found = finished_runs(args.work_root)
    if not found:
        raise SystemExit(f'no finished run under {args.work_root}')
    commits = run_commits(args.work_root, found)
    iters = common_iterations(args.work_root, found)
    text, result = seeds_table(found, BASELINE, ALSO, commits)
    print(f'{iters} iterations\n{text}')
    if args.json:
        prefix = '' if iters == 1000 else f'ITERS={iters} '  # the script's default: 1000
        write_seeds_json(
            args.json,
            f'{prefix}bash benchmarks/hc_camvid_in1k.sh CAMVID_ROOT WORK_ROOT',
            result,
            REPO,
            iterations=iters,
            conditions=f'{iters} iterations of batch 8 from the ImageNet start',
        )


if __name__ == '__main__':
    main()
