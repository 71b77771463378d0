"""Test (and evaluate) a segmentor: MMSegmentation's ``tools/test.py`` command line.

    python tools/test.py CONFIG CHECKPOINT [--out DIR] [--show-dir DIR] [--tta]
                         [--report-dir DIR [--boundary-tolerances 1 2 3 4 5]]
    bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [same options]

``--report-dir`` adds per-class IoU / accuracy, boundary F (``BoundaryMetric``) and a
confusion matrix to the test evaluator, prints the per-class table and writes
``metrics.json``, ``per_class.csv``, ``confusion_matrix.png`` and ``confusion_matrix.csv``.
"""

from __future__ import annotations

import argparse
import json
import os
import os.path as osp

import numpy as np
from mmengine.config import Config, ConfigDict
from mmengine.dist import is_main_process
from mmengine.runner import Runner
from prettytable import PrettyTable

import segplug  # noqa: F401  (registers segplug's modules)
from segplug.datasets import check_dataset_cfg
from segplug.engine import (
    CfgOptionsAction,
    adapt_cfg,
    blame_cfg_options,
    check_checkpoint_path,
    init_cpu_distributed,
    load_cfg,
    load_runner_checkpoint,
    read_checkpoint,
    without_checks,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a segmentor (segplug)')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where evaluation results are written as json')
    parser.add_argument('--out', help='directory to save the predictions (label PNGs)')
    parser.add_argument('--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir', help='directory where painted images are saved (under work_dir/timestamp/)'
    )
    parser.add_argument('--wait-time', type=float, default=2, help='interval of --show (s)')
    parser.add_argument('--tta', action='store_true', help='test time augmentation')
    parser.add_argument(
        '--report-dir',
        help='print per-class IoU, accuracy and boundary F and save them '
        '(metrics.json, per_class.csv) with a confusion matrix '
        '(confusion_matrix.png/.csv) in this directory',
    )
    parser.add_argument(
        '--boundary-tolerances',
        type=float,
        nargs='+',
        default=[1, 2, 3, 4, 5],
        help='pixel tolerances of the boundary F in --report-dir',
    )
    parser.add_argument(
        '--no-checks', action='store_true', help="skip segplug's up-front data checks"
    )
    parser.add_argument(
        '--allow-partial-checkpoint',
        action='store_true',
        help='load only the weights of CHECKPOINT that fit the model (by '
        'default missing, unexpected or reshaped keys are an error)',
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings, key=value; a top-level key the config lacks is an error',
    )
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher',
    )
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def trigger_visualization_hook(cfg: Config, args: argparse.Namespace) -> Config:
    """Turn on MMSegmentation's ``SegVisualizationHook`` for --show / --show-dir."""
    hooks = cfg.default_hooks
    if 'visualization' not in hooks:
        raise ValueError(
            '--show/--show-dir need default_hooks.visualization = '
            "dict(type='SegVisualizationHook') in the config"
        )
    hooks.visualization.draw = True
    # MMSegmentation's hook paints every 50th image by default; --show-dir means all of them
    hooks.visualization.interval = 1
    if args.show:
        hooks.visualization.show = True
        hooks.visualization.wait_time = args.wait_time
    if args.show_dir:
        cfg.visualizer.save_dir = args.show_dir
    return cfg


def add_report_metrics(cfg: Config, report_dir: str, tolerances: list[float]) -> None:
    """Per-class IoU, boundary F and a confusion matrix in ``cfg.test_evaluator``.

    An ``IoUMetric`` becomes ``PerClassIoUMetric`` (same arguments; it also returns the
    per-class values), a ``BoundaryMetric`` is added or told to return per-class values.
    """
    evaluator = cfg.test_evaluator
    metrics = list(evaluator) if isinstance(evaluator, (list, tuple)) else [evaluator]
    types = [m.get('type') for m in metrics]
    for m in metrics:
        if m.get('type') == 'IoUMetric':
            m['type'] = 'PerClassIoUMetric'
    if 'PerClassIoUMetric' not in [m.get('type') for m in metrics]:
        metrics.append(dict(type='PerClassIoUMetric', iou_metrics=['mIoU']))
    if 'BoundaryMetric' in types:
        for m in metrics:
            if m.get('type') == 'BoundaryMetric':
                m['per_class'] = True
    else:
        metrics.append(dict(type='BoundaryMetric', tolerances=tolerances, per_class=True))
    metrics.append(dict(type='ConfusionMatrixMetric', out_dir=report_dir))
    cfg.test_evaluator = metrics


def write_report(metrics: dict, classes: list[str], report_dir: str) -> str:
    """Print the per-class table and write ``metrics.json`` and ``per_class.csv``."""
    os.makedirs(report_dir, exist_ok=True)
    # MMSegmentation's IoUMetric returns numpy scalars, which json does not take
    metrics = {
        k: float(v) if isinstance(v, (int, float, np.number)) else v for k, v in metrics.items()
    }
    with open(osp.join(report_dir, 'metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=1)
    bf_cols = [
        k.split('.', 1)[0] for k in metrics if k.startswith('BF@') and k.endswith('.' + classes[0])
    ]
    columns = ['IoU', 'Acc'] + bf_cols
    table = PrettyTable(['Class'] + columns)
    lines = [','.join(['class'] + columns)]
    for name in classes:
        row = [metrics.get(f'{col}.{name}', float('nan')) for col in columns]
        table.add_row([name] + row)
        lines.append(','.join([name] + [str(v) for v in row]))
    path = osp.join(report_dir, 'per_class.csv')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('per-class report (%):\n' + table.get_string(), flush=True)
    print(
        f'report written to {report_dir}: metrics.json, per_class.csv, '
        'confusion_matrix.png, confusion_matrix.csv',
        flush=True,
    )
    return path


def main() -> None:
    args = parse_args()
    check_checkpoint_path(args.checkpoint)
    cfg = load_cfg(args.config, args.cfg_options, args.work_dir, args.launcher, require_model=True)
    # loaded below, strictly, rather than through cfg.load_from (MMEngine loads that
    # non-strictly: another model's checkpoint would score random layers)
    cfg.load_from = None
    checkpoint = read_checkpoint(args.checkpoint)
    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)
    if args.tta:
        if 'tta_pipeline' not in cfg:
            raise ValueError(f'--tta: {args.config} defines no tta_pipeline')
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:
        evaluator = cfg.test_evaluator
        for ev in evaluator if isinstance(evaluator, list) else [evaluator]:
            if isinstance(ev, (dict, ConfigDict)) and ev.get('type') == 'IoUMetric':
                ev['output_dir'] = args.out
                ev['keep_results'] = True
    if args.report_dir:
        add_report_metrics(cfg, args.report_dir, args.boundary_tolerances)
    adapt_cfg(cfg)
    if args.no_checks:
        without_checks(cfg)
    if not args.no_checks:
        check_dataset_cfg(cfg.test_dataloader.dataset, 'test_dataloader.dataset')
    init_cpu_distributed(cfg)
    with blame_cfg_options(args.cfg_options):
        runner = Runner.from_cfg(cfg)
        load_runner_checkpoint(
            runner, args.checkpoint, not args.allow_partial_checkpoint, checkpoint, args.config
        )
        metrics = runner.test()
    if args.report_dir and is_main_process():
        write_report(
            metrics, list(runner.test_dataloader.dataset.metainfo['classes']), args.report_dir
        )


if __name__ == '__main__':
    main()
