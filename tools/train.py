"""Train a segmentor: MMSegmentation's ``tools/train.py`` command line, plus segplug's checks.

python tools/train.py CONFIG [--work-dir DIR] [--resume] [--amp] [--cfg-options K=V ...]
bash tools/dist_train.sh CONFIG GPUS [same options]
"""

from __future__ import annotations

import argparse
import os

from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

import segplug  # noqa: F401  (registers segplug's modules)
from segplug.datasets import check_dataset_cfg
from segplug.engine import (
    CfgOptionsAction,
    adapt_cfg,
    blame_cfg_options,
    configure_amp,
    init_cpu_distributed,
    load_cfg,
    resolve_resume,
    without_checks,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a segmentor (segplug)')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        action='store_true',
        help='resume from the newest whole checkpoint in the work dir (or '
        'from load_from); a damaged one is skipped with a warning, and '
        'with none training starts from the beginning. A learning rate '
        'changed in the config since then takes effect',
    )
    parser.add_argument(
        '--amp',
        action='store_true',
        help='automatic mixed precision: float16 autocast with dynamic loss '
        'scaling on CUDA, bfloat16 autocast on CPU',
    )
    parser.add_argument(
        '--amp-dtype',
        choices=['float16', 'bfloat16'],
        default=None,
        help='autocast dtype for --amp (default: float16 on CUDA, bfloat16 '
        'on CPU; float16 needs a GPU)',
    )
    parser.add_argument(
        '--no-checks', action='store_true', help="skip segplug's up-front data checks and NaN guard"
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config settings, key=value (e.g. '
        'train_cfg.max_iters=100 model.decode_head.num_classes=11); a '
        'top-level key the config lacks is an error',
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


def check_cfg(cfg: Config) -> None:
    """Check every dataset config's paths before anything is built."""
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if loader and loader.get('dataset') and cfg.get(f'{split}_cfg') is not None:
            check_dataset_cfg(loader['dataset'], f'{split}_dataloader.dataset')


def main() -> None:
    args = parse_args()
    cfg = load_cfg(args.config, args.cfg_options, args.work_dir, args.launcher, require_model=True)

    if args.amp_dtype and not args.amp:
        raise ValueError('--amp-dtype is an option of --amp: add --amp')
    if args.amp:
        configure_amp(cfg, args.amp_dtype)
    cfg.resume = args.resume

    adapt_cfg(cfg)
    if args.no_checks:
        without_checks(cfg)
    if not args.no_checks:
        check_cfg(cfg)
    resolve_resume(cfg)

    init_cpu_distributed(cfg)
    with blame_cfg_options(args.cfg_options):
        runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
        runner.train()


if __name__ == '__main__':
    main()
