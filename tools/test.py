"""Test (and evaluate) a segmentor: MMSegmentation's ``tools/test.py`` command line.

    python tools/test.py CONFIG CHECKPOINT [--out DIR] [--show-dir DIR] [--tta]
    bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [same options]
"""
from __future__ import annotations

import argparse
import os
import os.path as osp

from mmengine.config import Config, ConfigDict, DictAction
from mmengine.runner import Runner

import segplug  # noqa: F401  (registers segplug's modules)
from segplug.datasets import check_dataset_cfg
from segplug.engine import adapt_cfg, init_cpu_distributed, load_cfg


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and evaluate) a segmentor (segplug)')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where evaluation results are written as json')
    parser.add_argument('--out', help='directory to save the predictions (label PNGs)')
    parser.add_argument('--show', action='store_true', help='show prediction results')
    parser.add_argument('--show-dir', help='directory where painted images are saved '
                                           '(under work_dir/timestamp/)')
    parser.add_argument('--wait-time', type=float, default=2, help='interval of --show (s)')
    parser.add_argument('--tta', action='store_true', help='test time augmentation')
    parser.add_argument('--no-checks', action='store_true',
                        help="skip segplug's up-front data checks")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def trigger_visualization_hook(cfg: Config, args: argparse.Namespace) -> Config:
    """Turn on MMSegmentation's ``SegVisualizationHook`` for --show / --show-dir."""
    hooks = cfg.default_hooks
    if 'visualization' not in hooks:
        raise ValueError("--show/--show-dir need default_hooks.visualization = "
                         "dict(type='SegVisualizationHook') in the config")
    hooks.visualization.draw = True
    # MMSegmentation's hook paints every 50th image by default; --show-dir means all of them
    hooks.visualization.interval = 1
    if args.show:
        hooks.visualization.show = True
        hooks.visualization.wait_time = args.wait_time
    if args.show_dir:
        cfg.visualizer.save_dir = args.show_dir
    return cfg


def main() -> None:
    args = parse_args()
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint file not found: {args.checkpoint}')
    cfg = load_cfg(args.config, args.cfg_options, args.work_dir, args.launcher)
    cfg.load_from = args.checkpoint
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
        for ev in (evaluator if isinstance(evaluator, list) else [evaluator]):
            if isinstance(ev, (dict, ConfigDict)) and ev.get('type') == 'IoUMetric':
                ev['output_dir'] = args.out
                ev['keep_results'] = True
    adapt_cfg(cfg, add_hooks=not args.no_checks)
    if not args.no_checks:
        check_dataset_cfg(cfg.test_dataloader.dataset, 'test_dataloader.dataset')
    init_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    runner.test()


if __name__ == '__main__':
    main()
