"""What CPP-KL and UOI add to a training step: PSPNet-R18 on CamVid, against plain CE.

    python benchmarks/cpp_uoi_step_overhead.py [--d8] [--batch 4] [--crop 256] [--iters 10]
        [--threads 1] [--root data/camvid]

Models: the three configs of the CamVid comparison (configs/cpp/pspnet32_r18-v1c...: CE on
both heads; configs/cpp/pspnet32-cpp_...: CPP-KL on the auxiliary head; configs/uoi/
pspnet32-uoi_...: 0.7 UOI + 0.3 CE on the decode head), stride-32 ResNetV1c-18 as in the
quality runs, or the published stride-8 PSPNet with ``--d8``. One batch of real CamVid
train frames (fixed random crops), same initial weights; one training step = forward, loss,
backward, AdamW step. The models take turns step by step (so a busy machine slows all
alike); the median over ``--iters`` steps after 2 warm-up steps is reported, with the ratio
to CE measured in the same run.
"""

from __future__ import annotations

import argparse
import os.path as osp
import time

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import register_all_modules

import segplug  # noqa: F401  (registers segplug's modules)
from segplug.utils.benchmark import time_in_turns, training_step

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

CONFIGS = [
    ('CE (baseline)', 'configs/cpp/pspnet32_r18-v1c_1xb4-500i_camvid-256x256.py'),
    ('CE + CPP-KL aux', 'configs/cpp/pspnet32-cpp_r18-v1c_1xb4-500i_camvid-256x256.py'),
    ('0.7 UOI + 0.3 CE', 'configs/uoi/pspnet32-uoi_r18-v1c_1xb4-500i_camvid-256x256.py'),
]


def camvid_batch(root: str, n: int, crop: int) -> dict:
    rng = np.random.default_rng(0)
    stems = [s.strip() for s in open(osp.join(root, 'train.txt')) if s.strip()][:n]
    inputs, samples = [], []
    for stem in stems:
        img = cv2.imread(osp.join(root, 'images', 'train', stem + '.jpg'))
        lab = cv2.imread(osp.join(root, 'labels', 'train', stem + '.png'), cv2.IMREAD_UNCHANGED)
        if img is None or lab is None:
            raise FileNotFoundError(f'CamVid frame {stem} not found under {root}')
        y, x = rng.integers(0, img.shape[0] - crop), rng.integers(0, img.shape[1] - crop)
        img, lab = img[y : y + crop, x : x + crop], lab[y : y + crop, x : x + crop].astype(np.int64)
        lab[lab == 11] = 255  # Unlabelled -> ignore, as CamVidDataset does
        inputs.append(torch.from_numpy(img).permute(2, 0, 1).contiguous())
        s = SegDataSample(
            metainfo=dict(img_shape=(crop, crop), ori_shape=(crop, crop), pad_shape=(crop, crop))
        )
        s.gt_sem_seg = PixelData(data=torch.from_numpy(lab)[None])
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--d8', action='store_true', help='dilated stride-8 backbone (published)')
    p.add_argument('--batch', type=int, default=4)
    p.add_argument('--crop', type=int, default=256)
    p.add_argument('--iters', type=int, default=10)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument(
        '--root',
        default=osp.join(REPO, 'data', 'camvid'),
        help="CamVid in the configs' layout (docs/datasets.md)",
    )
    args = p.parse_args()
    if not osp.isfile(osp.join(args.root, 'train.txt')):
        p.error(
            f'CamVid not found at {args.root} (no train.txt): prepare it with '
            'tools/dataset_converters/camvid.py (docs/datasets.md) or pass --root'
        )
    torch.set_num_threads(args.threads)
    register_all_modules(init_default_scope=True)
    batch = camvid_batch(args.root, args.batch, args.crop)
    runs = []
    state = None
    for name, path in CONFIGS:
        cfg = Config.fromfile(osp.join(REPO, path)).model
        if args.d8:
            cfg.backbone.update(dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1))
        cfg.data_preprocessor.size = (args.crop, args.crop)
        torch.manual_seed(0)
        model = MODELS.build(cfg)
        model.init_weights()
        if state is None:
            state = model.state_dict()
        model.load_state_dict(state)  # same initial weights for every loss
        model.train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
        data = model.data_preprocessor(batch, True)
        runs.append(dict(name=name, model=model, opt=opt, data=data, times=[]))

    steps = [training_step(r['model'], r['opt'], r['data']) for r in runs]
    for r, t in zip(runs, time_in_turns(steps, 2, args.iters)):
        r['times'] = t
    base = float(np.median(runs[0]['times']))
    kind = 'stride-8 (d8)' if args.d8 else 'stride-32'
    print(
        f'PSPNet-R18 {kind}, CamVid batch {args.batch}x{args.crop}x{args.crop}, '
        f'{args.threads} thread(s), median of {args.iters} training steps'
    )
    print('| losses | ms / step | vs CE |')
    print('|---|---|---|')
    for r in runs:
        ms = 1000 * float(np.median(r['times']))
        print(f'| {r["name"]} | {ms:.0f} | {ms / 1000 / base - 1:+.1%} |')
    loss_table(runs, batch, args.iters)


def loss_table(runs: list, batch: dict, iters: int) -> None:
    """The loss terms alone (forward + backward on the heads' real output sizes)."""
    labels = torch.stack([s.gt_sem_seg.data[0] for s in batch['data_samples']])
    model = runs[0]['model']
    with torch.no_grad():
        feats = model.extract_feat(runs[0]['data']['inputs'])
        sizes = dict(
            decode=model.decode_head.forward(feats).shape,
            aux=model.auxiliary_head.forward(feats).shape,
        )
    terms = [
        ('aux CE 0.4 (upsampled)', 'aux', dict(type='CrossEntropyLoss', loss_weight=0.4), True),
        ('aux CPP-KL 0.6 (native)', 'aux', dict(type='CPPKLLoss'), False),
        ('decode CE (upsampled)', 'decode', dict(type='CrossEntropyLoss'), True),
        ('decode UOI (upsampled)', 'decode', dict(type='UOILoss'), True),
    ]
    print(
        f'\nloss terms alone, forward + backward, median of {3 * iters} '
        f'(heads: decode {tuple(sizes["decode"])}, aux {tuple(sizes["aux"])})'
    )
    print('| term | ms |')
    print('|---|---|')
    for name, head, cfg, upsample in terms:
        loss = MODELS.build(cfg)
        times = []
        for _ in range(3 * iters):
            logits = torch.randn(sizes[head], requires_grad=True)
            t0 = time.perf_counter()
            x = (
                torch.nn.functional.interpolate(
                    logits, labels.shape[1:], mode='bilinear', align_corners=False
                )
                if upsample
                else logits
            )
            loss(x, labels, ignore_index=255).backward()
            times.append(time.perf_counter() - t0)
        print(f'| {name} | {1000 * float(np.median(times)):.1f} |')


if __name__ == '__main__':
    main()
