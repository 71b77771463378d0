"""The upsampler comparison's table from the runs of benchmarks/upsamplers_camvid.sh.

    python benchmarks/upsamplers_table.py [WORK_ROOT]    (default work_dirs/upsamplers_camvid)

One row per variant: seeds found, mIoU mean +- std (population std over seeds), the thin
classes' IoU (mean over seeds), boundary F at 3 px in the BSDS convention (mean), and
the median ms/image at 360x480 from bench.json (tools/benchmark.py).
"""

from __future__ import annotations

import argparse
import glob
import json
import os.path as osp

from segplug.utils.multi_seed import last_metrics, summary

THIN = ('Pole', 'SignSymbol', 'Pedestrian', 'Bicyclist')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_root', nargs='?', default='work_dirs/upsamplers_camvid')
    args = parser.parse_args()
    print(
        '| variant | seeds | mIoU | '
        + ' | '.join(THIN)
        + ' | mBF@3 (bsds) | ms/image |\n|---|---|---|'
        + '---|' * len(THIN)
        + '---|---|'
    )
    for variant in sorted(glob.glob(osp.join(args.work_root, '*'))):
        rows = []
        for seed_dir in sorted(glob.glob(osp.join(variant, 'seed*'))):
            try:
                rows.append(last_metrics(seed_dir))
            except RuntimeError:
                continue  # not finished
        if not rows:
            continue
        s = summary([r['mIoU'] for r in rows])
        thin = [sum(r[f'IoU.{c}'] for r in rows) / len(rows) for c in THIN]
        bf = sum(r.get('mBF@3', float('nan')) for r in rows) / len(rows)
        bench = osp.join(variant, 'bench.json')
        ms = json.load(open(bench)).get('ms_per_image_median') if osp.isfile(bench) else None
        print(
            f'| {osp.basename(variant)} | {len(rows)} | {s["mean"]:.2f} +- {s["std"]:.2f} | '
            + ' | '.join(f'{v:.2f}' for v in thin)
            + f' | {bf:.2f} | {"-" if ms is None else f"{ms:.1f}"} |'
        )


if __name__ == '__main__':
    main()
