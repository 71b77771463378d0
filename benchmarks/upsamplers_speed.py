"""The cost of training the upsamplers: the two ways of computing a k x k reassembly (HC's
decoding, k = 3; CARAFE's, k = 5), and one training step of each FPN variant, in one run.

    python benchmarks/upsamplers_speed.py [--rounds 5] [--device cpu] [--no-steps]
                                          [--shape 360 480]

Part 1 times ``reassemble_cells_shifted`` (k^2 shifted full-resolution products) against
``reassemble_cells_batched`` (``F.unfold`` of each cell's neighbourhood, then one batched
product per cell) on FPN-sized maps, forward only and forward + backward; the two give the
same values (tests/ops), and ``reassemble_cells`` takes the batched one when a gradient is
needed. Part 2 times one training step (forward, loss, backward; batch 4 at 256x256, the
CamVid schedule's) of the FPN upsampler variants in ``configs/upsamplers``, and part 3 their
inference (``model.test_step`` on a real CamVid frame at ``--shape``, with bilinear on the
HC backbone as a fifth row). Everything is timed
in interleaved rounds (the order reversed every other round), and medians over all rounds are
reported with their ratio to the first row.
"""

from __future__ import annotations

import argparse
import os.path as osp
import statistics
import time
from collections.abc import Callable

import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from segplug.ops.soft_clustering import reassemble_cells_batched, reassemble_cells_shifted
from segplug.utils.benchmark import DEMO_FRAME, check_device, device_name, fixed_frame_step

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
FRAME = osp.join(REPO, DEMO_FRAME)
# (C, h, w) of the map being upsampled: the FPN's stride-8 level of a 256x256 training crop,
# its stride-4 target, and the stride-8 level of a 360x480 CamVid frame
SHAPES = [(256, 16, 16), (256, 32, 32), (256, 45, 60)]
VARIANTS = [
    'fpn-bilinear_r18-v1c',
    'fpn-hc_hcr18-v1c',
    'fpn-dysample_r18-v1c',
    'fpn-carafe_r18-v1c',
]
INFERENCE = [*VARIANTS, 'fpn-bilinear_hcr18-v1c']


def build(variant: str, device: str) -> torch.nn.Module:
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'upsamplers', f'{variant}_1xb4-600i_camvid-256x256.py')
    )
    return MODELS.build(cfg.model).to(device)


def sync(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def interleaved(steps: dict[str, Callable[[], None]], rounds: int, device: str) -> dict:
    """Median ms of each step over ``rounds`` interleaved rounds (one warm-up call each)."""
    for step in steps.values():
        step()
    times: dict[str, list[float]] = {name: [] for name in steps}
    for r in range(rounds):
        for name in list(steps)[:: 1 if r % 2 == 0 else -1]:
            sync(device)
            t0 = time.perf_counter()
            steps[name]()
            sync(device)
            times[name].append((time.perf_counter() - t0) * 1000)
    return {name: statistics.median(ts) for name, ts in times.items()}


def reassembly_steps(shape: tuple[int, int, int], k: int, backward: bool, device: str) -> dict:
    """Both reassembly paths on a (B, C, h + k - 1, w + k - 1) map and (B, k^2, h, 2, w, 2)
    kernels: B = 1 forward only (inference), B = 4 with ``backward`` (training; each call also
    back-propagates a sum of squares)."""
    c, h, w = shape
    b = 4 if backward else 1
    gen = torch.Generator().manual_seed(0)
    padded = torch.randn(b, c, h + k - 1, w + k - 1, generator=gen).to(device)
    cells = torch.randn(b, k * k, h, 2, w, 2, generator=gen).softmax(1).to(device)
    padded.requires_grad_(backward)
    cells.requires_grad_(backward)

    def make(fn: Callable) -> Callable[[], None]:
        def step() -> None:
            with torch.set_grad_enabled(backward):
                out = fn(padded, cells, k)
                if backward:
                    out.square().sum().backward()

        return step

    return {'shifted': make(reassemble_cells_shifted), 'batched': make(reassemble_cells_batched)}


def train_step(variant: str, device: str) -> Callable[[], None]:
    """One forward + loss + backward of ``variant`` on a fixed batch of 4 random 256x256
    images with random CamVid labels (the cost does not depend on the values)."""
    model = build(variant, device).train()
    gen = torch.Generator().manual_seed(0)
    inputs = [
        torch.randint(0, 256, (3, 256, 256), generator=gen, dtype=torch.uint8).to(device)
        for _ in range(4)
    ]
    samples = []
    for _ in range(4):
        sample = SegDataSample()
        label = torch.randint(0, 11, (1, 256, 256), generator=gen).to(device)
        sample.gt_sem_seg = PixelData(data=label)
        sample.set_metainfo(dict(img_shape=(256, 256), ori_shape=(256, 256), pad_shape=(256, 256)))
        samples.append(sample)
    data = model.data_preprocessor(dict(inputs=inputs, data_samples=samples), training=True)

    def step() -> None:
        model.zero_grad(set_to_none=True)
        losses = model(**data, mode='loss')
        sum(v for key, v in losses.items() if 'loss' in key).backward()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--no-steps', action='store_true', help='only part 1')
    parser.add_argument('--shape', type=int, nargs=2, default=(360, 480), help='part 3: H W')
    args = parser.parse_args()
    check_device(args.device)
    print(f'device: {device_name(args.device)}; torch {torch.__version__}; {args.rounds} rounds')
    print('\n| k | (C, h, w) | pass | shifted ms | batched ms | shifted / batched |')
    print('|---|---|---|---|---|---|')
    for k in (3, 5):
        for shape in SHAPES:
            for backward in (False, True):
                med = interleaved(
                    reassembly_steps(shape, k, backward, args.device), args.rounds, args.device
                )
                label = 'fwd+bwd, batch 4' if backward else 'fwd, batch 1'
                print(
                    f'| {k} | {shape} | {label} | {med["shifted"]:.1f} | {med["batched"]:.1f} | '
                    f'{med["shifted"] / med["batched"]:.2f} |'
                )
    if args.no_steps:
        return
    steps = {v: train_step(v, args.device) for v in VARIANTS}
    med = interleaved(steps, args.rounds, args.device)
    print('\n| FPN variant | ms per training step (batch 4, 256x256) | / bilinear |')
    print('|---|---|---|')
    for v in VARIANTS:
        print(f'| {v} | {med[v]:.0f} | {med[v] / med[VARIANTS[0]]:.2f} |')
    del steps
    shape = tuple(args.shape)
    steps = {v: fixed_frame_step(build(v, args.device).eval(), FRAME, shape) for v in INFERENCE}
    med = interleaved(steps, args.rounds, args.device)
    print(f'\n| FPN variant | ms/image, inference at {shape[0]}x{shape[1]} | / bilinear |')
    print('|---|---|---|')
    for v in INFERENCE:
        print(f'| {v} | {med[v]:.1f} | {med[v] / med[INFERENCE[0]]:.3f} |')


if __name__ == '__main__':
    main()
