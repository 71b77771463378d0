"""Training-step time of every model of the ImageNet-start comparison (issue 34), side by side.

    python benchmarks/methods_in1k_step_time.py [--root data/camvid] [--bsds-root data/bsds500]
        [--steps 10] [--threads 0] [--iters 1000] [--seeds 3] [--json FILE]

Each variant of benchmarks/methods_camvid_in1k.sh (and the HC comparison's FCN-32, whose
s/iter in full runs is known, for scale) is built from its config and trained for
``--steps`` steps after 2 warm-up steps on one batch drawn by its own train dataloader
(batch 8 of 256 x 256 CamVid crops; the superpixel FCN: 8 BSDS500 crops of 208 x 208): forward,
loss, backward, AdamW step. The models take turns step by step, so a busy machine slows all
alike: the ratios to FCN-32 hold better than the absolute times. Printed: median ms/step,
ratio to FCN-32, and the training time of the whole comparison at these speeds (``--iters``
per stage, ``--seeds`` seeds, the superpixel FCN once; validation not counted). Variants that
cost the same as another one (same model, another loss weight) are timed once.
"""

from __future__ import annotations

import argparse
import json
import os.path as osp

import numpy as np
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmseg.registry import MODELS
from mmseg.utils import register_all_modules

import segplug  # noqa: F401  (registers segplug's modules)
from segplug.utils.benchmark import time_in_turns, training_step

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
# name: (config, trained stages per seed in the comparison: who else costs the same)
MODELS_TIMED = {
    'fcn32 (HC, for scale)': ('configs/hc/fcn32_efflite0-in1k_1xb8-1k_camvid-256x256.py', 0),
    # stage 1 and ft-deeplabv3plus (its CE stage 2, the control of UOI and TI)
    'deeplabv3plus': ('configs/ti/deeplabv3plus_efflite0-in1k_1xb8-1k_camvid-256x256.py', 2),
    'deeplabv3plus-cpp': (
        'configs/cpp/deeplabv3plus-cpp_efflite0-in1k_1xb8-1k_camvid-256x256.py',
        1,
    ),
    'deeplabv3plus-nearest': (
        'configs/cpp/deeplabv3plus-nearest_efflite0-in1k_1xb8-1k_camvid-256x256.py',
        1,
    ),
    'ft-deeplabv3plus-uoi': (
        'configs/uoi/ft-deeplabv3plus-uoi_efflite0-in1k_1xb8-1k_camvid-256x256.py',
        1,
    ),
    'ti-deeplabv3plus': ('configs/ti/ti-deeplabv3plus_efflite0-in1k_1xb8-1k_camvid-256x256.py', 1),
    # and semantic-features-w0-fcn32 (the same model and loss, weight 0)
    'semantic-features-fcn32': (
        'configs/semantic_features/semantic-features-fcn32_efflite0-in1k_1xb8-1k_camvid-256x256.py',
        2,
    ),
}
SPIXELFCN = 'configs/ti/spixelfcn-norm127_1xb8-1k_bsds500-208x208.py'


def one_batch(cfg: Config, roots: dict) -> dict:
    """One batch of the config's own train dataloader (its pipeline, crops and batch size)."""
    loader = cfg.train_dataloader.copy()
    loader.update(num_workers=0, persistent_workers=False)
    ds = loader.dataset
    for d in ds.datasets if ds.type == 'ConcatDataset' else [ds]:
        d.data_root = roots['bsds' if 'BSDS' in d.type else 'camvid']
    torch.manual_seed(0)
    return next(iter(Runner.build_dataloader(loader, seed=0)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--root', default=osp.join(REPO, 'data', 'camvid'), help='CamVid')
    p.add_argument('--bsds-root', default=osp.join(REPO, 'data', 'bsds500'), help='BSDS500')
    p.add_argument('--steps', type=int, default=10)
    p.add_argument('--threads', type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument('--iters', type=int, default=1000, help='iterations per stage (estimate)')
    p.add_argument('--seeds', type=int, default=3, help='seeds (estimate)')
    p.add_argument('--json', help='also write the numbers here')
    args = p.parse_args()
    for root, what in ((args.root, 'train.txt'), (args.bsds_root, 'images/train')):
        if not osp.exists(osp.join(root, what)):
            p.error(f'no {what} under {root}: see docs/datasets.md')
    if args.threads:
        torch.set_num_threads(args.threads)
    register_all_modules(init_default_scope=True)
    roots = dict(camvid=args.root, bsds=args.bsds_root)
    runs = []
    for name, (path, stages) in [*MODELS_TIMED.items(), ('spixelfcn (once)', (SPIXELFCN, 0))]:
        cfg = Config.fromfile(osp.join(REPO, path))
        model_cfg = cfg.model
        model_cfg.pop('pretrained', None)
        torch.manual_seed(0)
        model = MODELS.build(model_cfg)
        model.init_weights()
        model.train()
        data = model.data_preprocessor(one_batch(cfg, roots), True)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
        runs.append(dict(name=name, stages=stages, model=model, opt=opt, data=data, times=[]))

    steps = [training_step(r['model'], r['opt'], r['data']) for r in runs]
    for r, t in zip(runs, time_in_turns(steps, 2, args.steps)):
        r['times'] = t
    base = float(np.median(runs[0]['times']))
    print(
        f'{torch.get_num_threads()} thread(s), median of {args.steps} training steps after 2, '
        'models taking turns'
    )
    print('| model | s / step | vs FCN-32 | stages per seed |')
    print('|---|---|---|---|')
    total = 0.0
    numbers = {}
    for r in runs:
        s = float(np.median(r['times']))
        numbers[r['name']] = dict(s_per_step=s, vs_fcn32=s / base, stages=r['stages'])
        once = r['name'].startswith('spixelfcn')
        total += s * args.iters * (1 if once else r['stages'] * args.seeds)
        print(f'| {r["name"]} | {s:.2f} | {s / base:.2f}x | {"once" if once else r["stages"]} |')
    print(
        f'\ntraining time of the comparison at these speeds ({args.iters} iterations per stage, '
        f'{args.seeds} seeds, validation not counted): {total / 3600:.1f} h'
    )
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(
                dict(models=numbers, hours=total / 3600, threads=torch.get_num_threads()),
                f,
                indent=1,
            )


if __name__ == '__main__':
    main()
