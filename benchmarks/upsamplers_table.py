"""The upsampler comparison's table from the runs of benchmarks/upsamplers_camvid.sh.

    python benchmarks/upsamplers_table.py [WORK_ROOT]    (default work_dirs/upsamplers_camvid)

One row per variant: seeds found, mIoU per seed and mean +- std (population std over
seeds), the gain over bilinear (fpn-bilinear_r18-v1c) paired by seed, the thin classes' IoU
(mean over seeds) and boundary F at 3 px in the BSDS convention (mean). Time is measured
side by side by benchmarks/upsamplers_speed.py.
"""

from __future__ import annotations

import argparse

from segplug.utils.multi_seed import finished_runs, summary

THIN = ('Pole', 'SignSymbol', 'Pedestrian', 'Bicyclist')
BASELINE = 'fpn-bilinear_r18-v1c'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_root', nargs='?', default='work_dirs/upsamplers_camvid')
    args = parser.parse_args()
    print(
        '| variant | seeds | mIoU per seed | mIoU | gain over bilinear per seed | '
        + ' | '.join(THIN)
        + ' | mBF@3 (bsds) |\n|---|---|---|---|---|'
        + '---|' * len(THIN)
        + '---|'
    )
    found = finished_runs(args.work_root)
    base = found.get(BASELINE, {})
    for name, rows in found.items():
        s = summary([r['mIoU'] for r in rows.values()])
        per_seed = ' / '.join(f'{r["mIoU"]:.2f}' for r in rows.values())
        gains = ' / '.join(
            f'{r["mIoU"] - base[k]["mIoU"]:+.2f}' if k in base else '-' for k, r in rows.items()
        )
        thin = [sum(r[f'IoU.{c}'] for r in rows.values()) / len(rows) for c in THIN]
        bf = sum(r.get('mBF@3', float('nan')) for r in rows.values()) / len(rows)
        print(
            f'| {name} | {len(rows)} | {per_seed} | {s["mean"]:.2f} +- {s["std"]:.2f} | '
            f'{gains} | ' + ' | '.join(f'{v:.2f}' for v in thin) + f' | {bf:.2f} |'
        )


if __name__ == '__main__':
    main()
