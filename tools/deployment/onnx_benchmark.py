"""ONNX Runtime against PyTorch: ms/image and peak memory of the same model on the same frame.

    python tools/deployment/onnx_benchmark.py CONFIG [CHECKPOINT] [CONFIG [CHECKPOINT] ...] \
        --shape H W [--image IMG] [--rounds 5] [--threads 2] [--work-dir DIR]

Each model is exported (fp32, static H x W) into DIR, checked against PyTorch on the frame,
then all engines of all models are timed interleaved in one run (a round runs each once;
the median over rounds is reported), with the same intra-op thread count for PyTorch and
ONNX Runtime. Peak memory is measured in a fresh process per engine and model. The table's
last columns compare every model with the first CONFIG (its time / the model's), in each
engine. --profile adds ONNX Runtime's per-op-type share of node time for every model.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import os.path as osp
import platform
import sys

import torch
from mmengine.config import DictAction
from mmengine.logging import MMLogger

import segplug  # noqa: F401  (registers segplug's modules)
from segplug.deployment import (
    ExportWrapper,
    OrtRunner,
    build_segmentor,
    compare,
    export_onnx,
    profile_summary,
    read_frame,
)
from segplug.deployment.benchmark import (
    interleaved_times,
    markdown_table,
    peak_memory_mb,
    summarise,
)
from segplug.utils.benchmark import DEMO_FRAME

DEFAULT_IMAGE = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), DEMO_FRAME)


def split_models(items: list[str]) -> list[tuple[str, str | None]]:
    """CONFIG [CHECKPOINT] ... -> [(config, checkpoint or None)]; a .pth follows its config."""
    models: list[tuple[str, str | None]] = []
    for item in items:
        if item.endswith('.pth'):
            if not models or models[-1][1] is not None:
                raise ValueError(f'checkpoint {item} does not follow a config')
            models[-1] = (models[-1][0], item)
        else:
            models.append((item, None))
    return models


def cpu_name() -> str:
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown CPU'


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('models', nargs='+', metavar='CONFIG [CHECKPOINT]')
    parser.add_argument('--shape', type=int, nargs=2, required=True, metavar=('H', 'W'))
    parser.add_argument('--image', default=DEFAULT_IMAGE, help='frame (resized to H x W)')
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument(
        '--threads', type=int, default=2, help='intra-op threads of both engines (default 2)'
    )
    parser.add_argument(
        '--work-dir', default='work_dirs/onnx_benchmark', help='where the exported .onnx files go'
    )
    parser.add_argument(
        '--reuse-onnx',
        action='store_true',
        help='use an .onnx already in --work-dir instead of exporting again '
        '(the parity check against PyTorch still runs)',
    )
    parser.add_argument('--no-memory', action='store_true', help='skip peak memory')
    parser.add_argument(
        '--profile', action='store_true', help="print ONNX Runtime's per-op-type share of node time"
    )
    parser.add_argument('--out', help='also write the results as JSON here')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='config overrides applied to every model',
    )
    args = parser.parse_args()
    MMLogger.get_instance('segplug_onnx_benchmark', log_level='WARNING')
    try:
        models = split_models(args.models)
    except ValueError as e:
        parser.error(str(e))
    torch.set_num_threads(args.threads)
    img = read_frame(args.image, args.shape)
    x = torch.from_numpy(img)
    os.makedirs(args.work_dir, exist_ok=True)

    engines, meta = {}, {}
    for config, checkpoint in models:
        name = osp.splitext(osp.basename(config))[0]
        wrapper = ExportWrapper(build_segmentor(config, checkpoint, args.cfg_options))
        path = osp.join(args.work_dir, f'{name}_{args.shape[0]}x{args.shape[1]}.onnx')
        if not (args.reuse_onnx and osp.isfile(path)):
            export_onnx(wrapper, path, args.shape, force=True)
        runner = OrtRunner(path, threads=args.threads)
        with torch.no_grad():
            parity = compare(wrapper(x).numpy(), runner(img), argmax=False)
        print(f'{name}: {path}; {parity}', flush=True)

        def run_torch(wrapper=wrapper):
            with torch.no_grad():
                return wrapper(x)

        engines[(name, 'pytorch')] = run_torch
        engines[(name, 'onnxruntime')] = lambda runner=runner: runner(img)
        meta[name] = dict(config=config, checkpoint=checkpoint, onnx=path, parity=parity)

    times = interleaved_times(engines, args.rounds, args.warmup)
    # the timed engines hold every model twice: free them before the memory processes start
    del engines, run_torch, wrapper, runner
    gc.collect()
    results = []
    for name, m in meta.items():
        result = summarise(
            name, {engine: times[(name, engine)] for engine in ('pytorch', 'onnxruntime')}
        )
        result.max_abs_diff = m['parity'].max_abs_diff
        result.label_agreement = m['parity'].label_agreement
        results.append(result)
        print(
            f'{name}: PyTorch {result.ms["pytorch"]:.0f} ms, ONNX Runtime '
            f'{result.ms["onnxruntime"]:.0f} ms ({result.speedup:.2f}x)',
            flush=True,
        )
    write_json(args, results)
    if not args.no_memory:
        for result, m in zip(results, meta.values()):
            for engine in ('pytorch', 'onnxruntime'):
                result.peak_mb[engine] = peak_memory_mb(
                    engine,
                    m['config'],
                    m['checkpoint'],
                    args.cfg_options,
                    m['onnx'],
                    img,
                    args.threads,
                )
            print(
                f'{result.name}: peak memory PyTorch {result.peak_mb["pytorch"]:.0f} MB, '
                f'ONNX Runtime {result.peak_mb["onnxruntime"]:.0f} MB',
                flush=True,
            )
        write_json(args, results)

    import onnxruntime

    print(
        f'\n{cpu_name()}, {os.cpu_count()} logical CPUs; {args.threads} intra-op threads '
        f'in both engines; torch {torch.__version__}, onnxruntime {onnxruntime.__version__};'
        f' input {args.shape[0]}x{args.shape[1]} ({osp.basename(args.image)}); median of '
        f'{args.rounds} interleaved rounds after {args.warmup} warm-up\n'
    )
    print(markdown_table(results), flush=True)
    if args.profile:
        for name, m in meta.items():  # a separate session: profiling slows the timed one
            profiled = OrtRunner(m['onnx'], threads=args.threads, profile=True)
            for _ in range(2):
                profiled(img)
            rows = profile_summary(profiled.end_profiling())
            del profiled
            print(
                f'\n{name}, ONNX Runtime node time by op type: '
                + ', '.join(f'{op} {100 * share:.0f}% ({n} nodes)' for op, share, n in rows),
                flush=True,
            )
    return 0


def write_json(args: argparse.Namespace, results: list) -> None:
    """The results so far, to --out (rewritten as memory numbers come in)."""
    if not args.out:
        return
    with open(args.out, 'w') as f:
        json.dump(
            dict(
                cpu=cpu_name(),
                threads=args.threads,
                shape=args.shape,
                image=args.image,
                rounds=args.rounds,
                results=[
                    dict(
                        name=r.name,
                        ms=r.ms,
                        ms_all=r.ms_all,
                        peak_mb=r.peak_mb,
                        max_abs_diff=r.max_abs_diff,
                        label_agreement=r.label_agreement,
                    )
                    for r in results
                ],
            ),
            f,
            indent=2,
        )


if __name__ == '__main__':
    sys.exit(main())
