"""segplug's quick start: train on the embedded CamVid subset on CPU, evaluate, draw.

    python tools/run_demo.py [--config CONFIG] [--work-dir work_dirs/demo] [--iters N]

Evaluates the untrained model on the 40 val frames, trains, evaluates again, prints per-class
IoU and mIoU before and after, and writes prediction panels (image with ground truth |
prediction) to ``{work_dir}/predictions/``. The numbers are also saved to
``{work_dir}/demo_result.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import time

import mmcv
from mmengine.config import Config
from mmengine.runner import Runner

import segplug  # noqa: F401  (registers segplug's modules)
from segplug.datasets import check_dataset_cfg
from segplug.engine import adapt_cfg

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT_CONFIG = osp.join(
    REPO, 'configs', 'demo', 'hcfcn32_efflite0-in1k_1xb4-500i_camvid-demo-256x256.py'
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--work-dir', default=osp.join(REPO, 'work_dirs', 'demo'))
    parser.add_argument('--iters', type=int, default=None, help='override max_iters')
    parser.add_argument('--num-images', type=int, default=4, help='prediction panels to draw')
    parser.add_argument(
        '--publish',
        metavar='JSON',
        help='also write the numbers with the commit and date here (docs/results/demo.json, '
        'which the README renders)',
    )
    return parser.parse_args()


def build_cfg(args: argparse.Namespace) -> Config:
    cfg = Config.fromfile(args.config)
    cfg.work_dir = args.work_dir
    for split in ('train', 'val', 'test'):
        dataset = cfg[f'{split}_dataloader'].dataset
        if not osp.isabs(dataset.data_root):  # run from any folder
            dataset.data_root = osp.join(REPO, dataset.data_root)
    if args.iters:
        cfg.train_cfg.max_iters = args.iters
        for sched in cfg.param_scheduler:
            sched.end = min(sched.end, args.iters)
            sched.begin = min(sched.begin, args.iters - 1)
    # Evaluate once before training (the untrained baseline) and once at the end.
    cfg.train_cfg.val_interval = cfg.train_cfg.max_iters
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [dict(type='ValBeforeTrainHook')]
    for key in ('val_evaluator', 'test_evaluator'):
        cfg[key] = dict(cfg[key], type='PerClassIoUMetric')
    adapt_cfg(cfg)
    for split in ('train', 'val'):
        check_dataset_cfg(cfg[f'{split}_dataloader'].dataset, f'{split}_dataloader.dataset')
    return cfg


def draw_predictions(runner: Runner, out_dir: str, num_images: int) -> list[str]:
    """Write ``num_images`` val panels: image with ground truth | image with prediction."""
    os.makedirs(out_dir, exist_ok=True)
    model = runner.model.module if hasattr(runner.model, 'module') else runner.model
    model.eval()
    visualizer = runner.visualizer
    dataset = runner.val_loop.dataloader.dataset
    visualizer.dataset_meta = dataset.metainfo
    step = max(1, len(dataset) // num_images)
    written = []
    for idx in range(0, step * num_images, step):
        item = dataset[idx]
        batch = dict(inputs=[item['inputs']], data_samples=[item['data_samples']])
        sample = model.test_step(batch)[0]
        image = mmcv.imread(sample.img_path, channel_order='rgb')
        name = osp.splitext(osp.basename(sample.img_path))[0]
        path = osp.join(out_dir, f'{name}.png')
        visualizer.add_datasample(
            name, image, sample, draw_gt=True, draw_pred=True, show=False, out_file=path
        )
        written.append(path)
    return written


def per_class_table(before: dict, after: dict, classes: tuple) -> str:
    rows = [f'{"class":<12} {"IoU before":>10} {"IoU after":>10}']
    for c in classes:
        rows.append(
            f'{c:<12} {before.get(f"IoU.{c}", float("nan")):>10.2f} '
            f'{after.get(f"IoU.{c}", float("nan")):>10.2f}'
        )
    rows.append(f'{"mIoU":<12} {before["mIoU"]:>10.2f} {after["mIoU"]:>10.2f}')
    return '\n'.join(rows)


def publish_result(result: dict, path: str, classes: tuple) -> None:
    """The demo's numbers for the README: mIoU before / after, per-class IoU, the time,
    the command, commit and date (``segplug.utils.results_tables`` renders them)."""
    import datetime
    import subprocess

    commit = subprocess.run(
        ['git', '-C', REPO, 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True
    ).stdout.strip()
    data = dict(
        meta=dict(
            command='bash tools/setup_env.sh && python tools/run_demo.py',
            date=datetime.date.today().isoformat(),
            commit=commit,
        ),
        config=result['config'],
        iters=result['iters'],
        train_and_eval_seconds=result['train_and_eval_seconds'],
        miou_before=result['before']['mIoU'],
        miou_after=result['after']['mIoU'],
        class_iou_after={c: result['after'][f'IoU.{c}'] for c in classes},
    )
    with open(path, 'w') as f:
        json.dump(data, f, indent=1)
        f.write('\n')


def main() -> None:
    args = parse_args()
    cfg = build_cfg(args)
    t0 = time.time()
    runner = Runner.from_cfg(cfg)
    runner.train()
    train_s = time.time() - t0
    history = next(h for h in runner.hooks if type(h).__name__ == 'ValBeforeTrainHook').history
    (_, before), (_, after) = history[0], history[-1]
    classes = runner.val_loop.dataloader.dataset.metainfo['classes']
    panels = draw_predictions(runner, osp.join(cfg.work_dir, 'predictions'), args.num_images)
    result = dict(
        config=osp.relpath(args.config, REPO),
        iters=cfg.train_cfg.max_iters,
        train_and_eval_seconds=round(train_s, 1),
        before={k: float(v) for k, v in before.items()},
        after={k: float(v) for k, v in after.items()},
        predictions=panels,
    )
    with open(osp.join(cfg.work_dir, 'demo_result.json'), 'w') as f:
        json.dump(result, f, indent=2)
    if args.publish:
        publish_result(result, args.publish, classes)
    print('\n' + '=' * 60)
    print(
        f'CamVid demo subset, val (40 frames), {cfg.train_cfg.max_iters} iterations '
        f'in {train_s / 60:.1f} min'
    )
    print(per_class_table(before, after, classes))
    print(f'untrained mIoU {before["mIoU"]:.2f} -> trained mIoU {after["mIoU"]:.2f}')
    print(f'prediction panels: {osp.dirname(panels[0])}/ ({len(panels)} PNGs)')
    print(f'numbers: {osp.join(cfg.work_dir, "demo_result.json")}')
    if not after['mIoU'] > before['mIoU']:
        raise SystemExit('demo: training did not improve mIoU over the untrained model')


if __name__ == '__main__':
    main()
