"""The trained CamVid comparison models tested at larger input scales: is HC's thin-object
deficit one of resolution?

    python benchmarks/hc_test_scale.py WORK_ROOT CAMVID_ROOT [--scales 1 2]
        [--variants fcn32 hcfcn32 hcfcn32-assign atrousfcn] [--json OUT.json]

The hypothesis it tests: a 360x480 CamVid frame gives a 12x15 stride-32 map, where a
pedestrian or a sign is a fraction of one cell, so the encoder's own features lose it and no
decoder restores it; the HC paper's 1024x2048 Cityscapes frames give 32x64. Every finished
run of ``benchmarks/hc_camvid_in1k.sh`` under WORK_ROOT (``<variant>/seed<N>/iter_<N>.pth``,
the training length read from the run's dumped config) is tested on CamVid val with the
frame resized by each of ``--scales`` (2: 720x960, within the 0.5-2x scale range the models
were trained on; 1, the table's own setting, is the run's own validation as logged, which
this test reproduces: FCN-32 seed 0 50.59 both ways) and the prediction scored at
the label's 360x480, as the table scores. One row per variant and scale (``fcn32@2x``):
mIoU mean +- std over seeds, the gain over FCN-32 at the same scale paired by seed,
per-class IoU and BF@3. If resolution is the cause, HC's gain over FCN-32 on the thin
classes grows at 2x.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import os.path as osp
import tempfile

from mmengine.config import Config
from mmengine.runner import Runner
from mmseg.utils import register_all_modules

from segplug.utils.multi_seed import (
    last_metrics,
    run_commit,
    run_iterations,
    seeds_table,
    write_seeds_json,
)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: CamVid's frame size as the test pipeline's Resize takes it, (w, h)
FRAME = (480, 360)


def test_at_scale(seed_dir: str, camvid: str, scale: float) -> dict[str, float]:
    """The validation metrics of the run in ``seed_dir`` with the val frames resized by
    ``scale`` (labels kept at their size), kept in ``seed_dir.scale<S>.json`` beside the run
    and read from there when a later call asks again (a stopped comparison continues)."""
    saved = f'{seed_dir}.scale{scale:g}.json'
    if osp.isfile(saved):
        with open(saved) as f:
            return json.load(f)
    metrics = {k: float(v) for k, v in _test(seed_dir, camvid, scale).items()}  # numpy -> JSON
    with open(saved + '.part', 'w') as f:
        json.dump(metrics, f)
    os.replace(saved + '.part', saved)
    return metrics


def _test(seed_dir: str, camvid: str, scale: float) -> dict[str, float]:
    iters = run_iterations(seed_dir)
    ckpt = osp.join(seed_dir, f'iter_{iters}.pth')
    cfg = Config.fromfile(glob.glob(osp.join(seed_dir, '*.py'))[0])
    resize = [t for t in cfg.test_dataloader.dataset.pipeline if t['type'] == 'Resize']
    if len(resize) != 1:
        raise ValueError(f'{seed_dir}: the test pipeline has {len(resize)} Resize steps, not 1')
    resize[0]['scale'] = (round(FRAME[0] * scale), round(FRAME[1] * scale))
    cfg.test_dataloader.dataset.data_root = camvid
    cfg.load_from = ckpt
    cfg.resume = False
    cfg.visualizer = dict(type='SegLocalVisualizer', vis_backends=[])
    cfg.default_hooks.pop('visualization', None)
    with tempfile.TemporaryDirectory() as work:
        cfg.work_dir = work
        return Runner.from_cfg(cfg).test()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_root')
    parser.add_argument('camvid_root')
    parser.add_argument('--scales', type=float, nargs='+', default=[1.0, 2.0])
    parser.add_argument(
        '--variants', nargs='+', default=['fcn32', 'hcfcn32', 'hcfcn32-assign', 'atrousfcn']
    )
    parser.add_argument('--json', help='also write the numbers, commit and date here')
    args = parser.parse_args()
    register_all_modules()
    found: dict[str, dict[str, dict[str, float]]] = {}
    commits: dict[str, dict[str, str]] = {}
    baseline: dict[str, str] = {}
    for variant in args.variants:
        for seed_dir in sorted(glob.glob(osp.join(args.work_root, variant, 'seed*'))):
            if not osp.isdir(seed_dir):
                continue
            if not osp.isfile(osp.join(seed_dir, f'iter_{run_iterations(seed_dir)}.pth')):
                continue  # not finished
            seed = osp.basename(seed_dir)
            for scale in args.scales:
                name = f'{variant}@{scale:g}x'
                if scale == 1:
                    metrics = last_metrics(seed_dir)
                else:
                    metrics = test_at_scale(seed_dir, args.camvid_root, scale)
                found.setdefault(name, {})[seed] = metrics
                commits.setdefault(name, {})[seed] = run_commit(seed_dir)
                if variant != 'fcn32':
                    baseline[name] = f'fcn32@{scale:g}x'
                print(f'{name} {seed}: mIoU {metrics["mIoU"]:.2f}', flush=True)
    if not found:
        raise SystemExit(f'no finished run of {args.variants} under {args.work_root}')
    text, result = seeds_table(found, baseline, None, commits)
    print(text)
    if args.json:
        scales = ' '.join(f'{s:g}' for s in args.scales)
        write_seeds_json(
            args.json,
            f'python benchmarks/hc_test_scale.py WORK_ROOT CAMVID_ROOT --scales {scales} '
            f'--variants {" ".join(args.variants)}',
            result,
            REPO,
            conditions="the val frames resized by each scale, scored at the labels' 360x480",
        )


if __name__ == '__main__':
    main()
