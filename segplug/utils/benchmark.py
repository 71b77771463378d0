"""Inference speed of a segmentor, two ways.

* **Fixed frame** (:func:`fixed_frame_benchmark`, segplug's own): ``model.test_step`` (data
  preprocessing, forward, resize of the logits) on one real image resized to a fixed shape,
  warm-up then N timed iterations, repeated; the median ms/image with its spread, and peak
  memory. For comparing models on one input.
* **Dataloader** (:func:`dataloader_benchmark`, MMSegmentation's
  ``tools/analysis_tools/benchmark.py``): the config's test dataloader, real images at the
  test pipeline's size; per batch the data preprocessor runs untimed (as MMSegmentation
  runs it, in training mode), then ``model(inputs, samples, mode='predict')`` is timed; the
  first ``warmup`` images are skipped and fps is images / seconds over the next ``iters``,
  once per repeat, each repeat with a fresh dataloader. Its fps compare with MMSegmentation's
  model-zoo fps on the same device.
"""

from __future__ import annotations

import os.path as osp
import platform
import resource
import statistics
import time
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import torch
from mmengine.config import Config
from torch import nn

#: the real frame every timing tool feeds by default, relative to a checkout's root (a CamVid
#: val image of the demo subset; the installed package does not ship it: tools join it to
#: their checkout, library callers pass ``image``)
DEMO_FRAME = osp.join('data', 'camvid_demo', 'images', 'val', '0016E5_07959.jpg')


def device_name(device: str) -> str:
    """'NVIDIA H100 80GB HBM3' or 'x86_64 CPU, 2 threads'."""
    if device.startswith('cuda'):
        return torch.cuda.get_device_name(torch.device(device))
    return f'{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} threads'


def check_device(device: str) -> None:
    if device.startswith('cuda') and not torch.cuda.is_available():
        raise ValueError(f'--device {device}: no GPU is visible here')


def frame_batch(image: str, shape: tuple[int, int], batch_size: int) -> dict:
    """``batch_size`` copies of a real image resized to (H, W), packed as a test batch."""
    from mmseg.registry import TRANSFORMS

    img = cv2.imread(image)
    if img is None:
        raise FileNotFoundError(f'--image: cannot read {image}')
    img = cv2.resize(img, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    pack = TRANSFORMS.build(dict(type='PackSegInputs'))
    items = [
        pack(
            dict(
                img=img.copy(),
                img_path=image,
                ori_shape=shape,
                img_shape=shape,
                pad_shape=shape,
                scale_factor=(1.0, 1.0),
                flip=False,
                flip_direction=None,
                reduce_zero_label=False,
            )
        )
        for _ in range(batch_size)
    ]
    return dict(
        inputs=[i['inputs'] for i in items], data_samples=[i['data_samples'] for i in items]
    )


def fixed_frame_step(
    model: nn.Module, image: str, shape: tuple[int, int], batch_size: int = 1
) -> Callable[[], None]:
    """A closure running one ``model.test_step`` on ``batch_size`` copies of ``image`` at
    ``shape``, synchronising CUDA if the model is there."""
    data = frame_batch(image, shape, batch_size)
    device = model_device(model)

    def step() -> None:
        with torch.no_grad():
            model.test_step(data)
        if device.type == 'cuda':
            torch.cuda.synchronize(device)

    return step


def time_step(
    step: Callable[[], None], warmup: int, iters: int, batch_size: int = 1
) -> list[float]:
    """``warmup`` untimed calls of ``step``, then ``iters`` timed ones: ms per image each."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000 / batch_size)
    return times


def training_step(
    model: nn.Module, optimizer: torch.optim.Optimizer, data: dict
) -> Callable[[], None]:
    """A closure running one training step of ``model`` on the preprocessed batch ``data``
    (``model(**data, mode='loss')``, the sum of the ``loss`` terms, backward, ``optimizer``),
    synchronising CUDA if the model is there."""
    device = model_device(model)

    def step() -> None:
        losses = model(**data, mode='loss')
        total = sum(v for k, v in losses.items() if 'loss' in k)
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        if device.type == 'cuda':
            torch.cuda.synchronize(device)

    return step


def time_in_turns(steps: list[Callable[[], None]], warmup: int, iters: int) -> list[list[float]]:
    """``warmup`` untimed rounds, then ``iters`` timed rounds, each round calling every step
    once in turn (so a slow phase of the machine hits every model alike): seconds per call,
    one list per step."""
    times: list[list[float]] = [[] for _ in steps]
    for i in range(warmup + iters):
        for step, t in zip(steps, times):
            t0 = time.perf_counter()
            step()
            if i >= warmup:
                t.append(time.perf_counter() - t0)
    return times


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's parameters (``cuda:1`` stays ``cuda:1``: every CUDA call
    below names it, not the current device)."""
    return next(model.parameters()).device


def _peak_memory(device: torch.device) -> dict[str, Any]:
    if device.type == 'cuda':
        return dict(
            peak_memory_mb=torch.cuda.max_memory_allocated(device) / 2**20,
            peak_memory_kind=f'CUDA max_memory_allocated on {device}',
        )
    return dict(
        peak_memory_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        peak_memory_kind='process peak RSS',
    )


def fixed_frame_benchmark(
    model: nn.Module,
    image: str,
    shape: tuple[int, int],
    warmup: int = 3,
    iters: int = 10,
    repeat: int = 3,
    batch_size: int = 1,
) -> dict[str, Any]:
    """Median, p10 and p90 of ms/image over ``repeat`` x ``iters`` timed ``test_step`` calls
    (each repeat re-warmed with ``warmup`` calls), fps from the median, peak memory."""
    device = model_device(model)
    step = fixed_frame_step(model, image, shape, batch_size)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)
    repeats = [time_step(step, warmup, iters, batch_size) for _ in range(repeat)]
    all_ms = [t for r in repeats for t in r]
    med = statistics.median(all_ms)
    return dict(
        mode='frame',
        input=[batch_size, 3, *shape],
        ms_per_image_median=med,
        ms_per_image_p10=float(np.percentile(all_ms, 10)),
        ms_per_image_p90=float(np.percentile(all_ms, 90)),
        repeat_medians_ms=[statistics.median(r) for r in repeats],
        fps=1000.0 / med,
        **_peak_memory(device),
        peak_rss_increase_mb=(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024,
        warmup=warmup,
        iters=iters,
        repeat=repeat,
    )


def dataloader_benchmark(
    model: nn.Module,
    cfg: Config,
    warmup: int = 5,
    iters: int = 200,
    repeat: int = 1,
    log_interval: int = 50,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """fps over the config's test dataloader, as MMSegmentation's benchmark measures it.

    Per repeat: a fresh dataloader; the first ``warmup`` batches untimed, then the next
    ``iters`` timed (the forward only: ``mode='predict'`` after the data preprocessor,
    CUDA synchronised around it); fps = images / seconds. The dataset must hold at least
    ``warmup + iters`` batches.

    Returns the fps of every repeat, their mean and (population) variance, as
    MMSegmentation's JSON has them, and the mean image size seen.
    """
    from mmengine.runner import Runner

    device = model_device(model)
    cuda = device.type == 'cuda'
    fps_list, sizes = [], []
    if cuda:
        torch.cuda.reset_peak_memory_stats(device)
    for r in range(repeat):
        loader = Runner.build_dataloader(cfg.test_dataloader)
        if len(loader) < warmup + iters:
            raise ValueError(
                f'test_dataloader has {len(loader)} batches, fewer than '
                f'--warmup {warmup} + --iters {iters}'
            )
        images, seconds = 0, 0.0
        for i, data in enumerate(loader):
            # a dict (MMSegmentation 1.2.2's script unpacks it as a tuple: its keys)
            data = model.data_preprocessor(data, True)
            inputs, samples = data['inputs'], data['data_samples']
            if cuda:
                torch.cuda.synchronize(device)
            t0 = time.perf_counter()
            with torch.no_grad():
                model(inputs, samples, mode='predict')
            if cuda:
                torch.cuda.synchronize(device)
            elapsed = time.perf_counter() - t0
            if i >= warmup:
                seconds += elapsed
                images += inputs.shape[0]
                sizes.append(tuple(inputs.shape[-2:]))
                if (i + 1 - warmup) % log_interval == 0:
                    log(
                        f'run {r + 1}: image [{i + 1 - warmup:>3}/{iters}], '
                        f'fps: {images / seconds:.2f} img / s'
                    )
            if i + 1 == warmup + iters:
                break
        fps_list.append(images / seconds)
        log(f'run {r + 1}: overall fps {fps_list[-1]:.2f} img / s')
    return dict(
        mode='dataloader',
        fps_per_run=fps_list,
        average_fps=float(np.mean(fps_list)),
        fps_variance=float(np.var(fps_list)),
        fps=float(np.mean(fps_list)),
        mean_input_hw=[
            float(np.mean([s[0] for s in sizes])),
            float(np.mean([s[1] for s in sizes])),
        ],
        **_peak_memory(device),
        warmup=warmup,
        iters=iters,
        repeat=repeat,
    )


def benchmark_config(
    config: str,
    checkpoint: str | None = None,
    *,
    mode: str = 'frame',
    shape: list[int] | None = None,
    batch_size: int = 1,
    warmup: int | None = None,
    iters: int | None = None,
    repeat: int | None = None,
    log_interval: int = 50,
    device: str = 'cpu',
    threads: int | None = None,
    image: str | None = None,
    cfg_options: dict | None = None,
) -> dict[str, Any]:
    """Benchmark ``config`` (its ``checkpoint`` strictly loaded) as ``tools/benchmark.py`` does.

    ``mode='frame'``: :func:`fixed_frame_benchmark` on ``image`` (a path, required) resized
    to ``shape`` (H [W]; default the preprocessor's ``size``, else 512 x 512); warm-up /
    iters / repeat default to 3 / 10 / 3; ``torch.backends.cudnn.benchmark`` on.
    ``mode='dataloader'``: :func:`dataloader_benchmark`, defaults 5 / 200 / 1, cuDNN
    benchmark as the config's ``env_cfg.cudnn_benchmark`` (MMSegmentation's rule).
    ``device`` may name an index (``cuda:1``): synchronisation and peak memory are read on
    that device. Returns the result dict with ``config``, ``checkpoint``, ``device`` and
    ``torch`` added.
    """
    from segplug.apis import load_model  # segplug.apis imports this module's package
    from segplug.engine import load_cfg

    if mode not in ('frame', 'dataloader'):
        raise ValueError(f"mode must be 'frame' or 'dataloader', got {mode!r}")
    frame = mode == 'frame'
    if frame and not image:
        raise ValueError(
            f"mode='frame' needs image= (tools/benchmark.py passes the checkout's {DEMO_FRAME})"
        )
    warmup = (3 if frame else 5) if warmup is None else warmup
    iters = (10 if frame else 200) if iters is None else iters
    repeat = (3 if frame else 1) if repeat is None else repeat
    check_device(device)
    if threads:
        torch.set_num_threads(threads)
    model = load_model(
        config, checkpoint, cfg_options=cfg_options, init_weights=False, strict=True, device=device
    )
    cfg = load_cfg(config, cfg_options)
    # fixed-size frames: let cuDNN pick its fastest kernels, as a deployment would; the
    # dataloader mode follows the config's env_cfg.cudnn_benchmark, as MMSegmentation's does
    cudnn_benchmark = frame or bool(cfg.get('env_cfg', {}).get('cudnn_benchmark', False))
    torch.backends.cudnn.benchmark = cudnn_benchmark
    if frame:
        result = fixed_frame_benchmark(
            model, image, _frame_shape(model, shape), warmup, iters, repeat, batch_size
        )
    else:
        result = dataloader_benchmark(model, cfg, warmup, iters, repeat, log_interval)
    return dict(
        config=config,
        checkpoint=checkpoint,
        device=device_name(device),
        torch=torch.__version__,
        cudnn_benchmark=cudnn_benchmark if torch.device(device).type == 'cuda' else None,
        **result,
    )


def _frame_shape(model: nn.Module, shape: list[int] | None) -> tuple[int, int]:
    if shape:
        if len(shape) > 2:
            raise ValueError(f'--shape takes H [W], got {shape}')
        return (shape[0], shape[-1])
    size = getattr(model.data_preprocessor, 'size', None)
    return tuple(size) if size else (512, 512)


def format_result(r: dict[str, Any]) -> str:
    """The lines ``tools/benchmark.py`` prints for a :func:`benchmark_config` result."""
    lines = [
        f'config      {r["config"]}' + (f'  ({r["checkpoint"]})' if r['checkpoint'] else ''),
        f'device      {r["device"]}, torch {r["torch"]}',
    ]
    if r['mode'] == 'dataloader':
        h, w = r['mean_input_hw']
        lines += [
            f'input       test dataloader, mean {h:.0f}x{w:.0f}  ({r["warmup"]} warm-up + '
            f'{r["iters"]} timed images) x {r["repeat"]} runs',
            f'fps/run     {", ".join(f"{f:.2f}" for f in r["fps_per_run"])}  '
            f'(variance {r["fps_variance"]:.4f})',
            f'fps         {r["fps"]:.2f}',
        ]
    else:
        spread = f'{min(r["repeat_medians_ms"]):.1f}-{max(r["repeat_medians_ms"]):.1f}'
        lines += [
            f'input       {"x".join(map(str, r["input"]))}  ({r["warmup"]} warm-up + '
            f'{r["iters"]} timed iterations) x {r["repeat"]} repeats',
            f'ms/image    median {r["ms_per_image_median"]:.1f}  p10 '
            f'{r["ms_per_image_p10"]:.1f}  p90 {r["ms_per_image_p90"]:.1f}  '
            f'repeat medians {spread}',
            f'fps         {r["fps"]:.2f}',
        ]
    lines.append(f'peak memory {r["peak_memory_mb"]:.0f} MiB ({r["peak_memory_kind"]})')
    return '\n'.join(lines)
