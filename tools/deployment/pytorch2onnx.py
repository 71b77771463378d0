"""Export a segplug / MMSegmentation model to ONNX, check it, and compare it with PyTorch.

    python tools/deployment/pytorch2onnx.py CONFIG [CHECKPOINT] --shape H W OUT.onnx \
        [--dynamic] [--opset N] [--fp16] [--argmax] [--image IMG] [--force]

The exported model takes (B, 3, H, W) float32 BGR pixels in 0..255 (an image as OpenCV
reads it, channels first) and returns (B, C, H, W) logits at the input size, or (B, H, W)
int64 labels with --argmax: the data preprocessor's normalisation and the segmentor's whole
inference path are inside. After exporting, the file is checked with onnx.checker and run
in ONNX Runtime (CPU) on IMG resized to H x W (and, with --dynamic, to a second, odd size)
against PyTorch; the exit status is 1 if they differ by more than --atol or agree on fewer
than --min-agreement of the labels. Without CHECKPOINT the model has its initial weights.
"""

from __future__ import annotations

import argparse
import os.path as osp
import sys

from mmengine.logging import MMLogger

import segplug  # noqa: F401  (registers segplug's modules)
from segplug.deployment import (
    ExportError,
    ExportWrapper,
    OrtRunner,
    build_segmentor,
    check_model,
    check_parity,
    export_onnx,
    read_frame,
)
from segplug.engine import CfgOptionsAction
from segplug.utils.benchmark import DEMO_FRAME

DEFAULT_IMAGE = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), DEMO_FRAME)


def second_size(shape: tuple[int, int]) -> tuple[int, int]:
    """An odd size about 3/4 of ``shape``, to run a dynamic model at an untraced size."""
    return tuple(max(3, (s * 3 // 4) | 1) for s in shape)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('paths', nargs='+', metavar='[CHECKPOINT] OUT.onnx')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        required=True,
        metavar=('H', 'W'),
        help='input size traced (and checked)',
    )
    parser.add_argument('--batch', type=int, default=1)
    parser.add_argument(
        '--dynamic', action='store_true', help='batch, height and width free in the exported model'
    )
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument(
        '--fp16',
        action='store_true',
        help='float16 convolutions and matmuls, float32 islands (as AMP)',
    )
    parser.add_argument('--argmax', action='store_true', help='output labels, not logits')
    parser.add_argument(
        '--image',
        default=DEFAULT_IMAGE,
        help='frame for the parity check (default: a CamVid demo frame)',
    )
    parser.add_argument(
        '--atol',
        type=float,
        default=None,
        help='largest |ORT - PyTorch| logit allowed (1e-4; 0.1 with --fp16)',
    )
    parser.add_argument(
        '--min-agreement',
        type=float,
        default=None,
        help='least share of equal labels (0.9999; 0.99 with --fp16)',
    )
    parser.add_argument('--threads', type=int, default=None, help='ONNX Runtime threads')
    parser.add_argument('--force', action='store_true', help='overwrite OUT.onnx')
    parser.add_argument(
        '--no-check', action='store_true', help='export only: no onnx.checker, no ONNX Runtime run'
    )
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override config entries, e.g. model.test_cfg.mode=whole',
    )
    # intermixed: OUT.onnx may follow --shape H W, as the usage line writes it
    args = parser.parse_intermixed_args()
    if len(args.paths) > 2:
        parser.error(f'expected [CHECKPOINT] OUT.onnx, got {args.paths}')
    args.checkpoint, args.out = args.paths if len(args.paths) == 2 else (None, args.paths[0])
    if not args.out.endswith('.onnx'):
        parser.error(f'OUT must end in .onnx, got {args.out}')
    if args.atol is None:
        args.atol = 0.1 if args.fp16 else 1e-4
    if args.min_agreement is None:
        args.min_agreement = 0.99 if args.fp16 else 0.9999
    return args


def main() -> int:
    args = parse_args()
    MMLogger.get_instance('segplug_pytorch2onnx', log_level='WARNING')
    if osp.exists(args.out) and not args.force:  # before the model is built
        print(f'error: {args.out} exists: pass --force to overwrite it', file=sys.stderr)
        return 2
    try:
        model = build_segmentor(args.config, args.checkpoint, args.cfg_options)
        wrapper = ExportWrapper(model, argmax=args.argmax)
        result = export_onnx(
            wrapper,
            args.out,
            args.shape,
            batch=args.batch,
            dynamic=args.dynamic,
            opset=args.opset,
            fp16=args.fp16,
            force=args.force,
        )
    except (ExportError, ValueError, FileExistsError, FileNotFoundError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(
        f'exported {args.out} in {result.seconds:.1f} s (opset {result.opset}, input '
        f'img {result.input_shape}{" dynamic" if args.dynamic else ""}, output '
        f'{result.output}{", fp16" if args.fp16 else ""})'
    )
    if args.no_check:
        return 0
    check_model(args.out)
    print('onnx.checker: ok')
    runner = OrtRunner(args.out, threads=args.threads)
    sizes = [tuple(args.shape)] + ([second_size(args.shape)] if args.dynamic else [])
    images = [read_frame(args.image, s).repeat(args.batch, 0) for s in sizes]
    ok = True
    for parity in check_parity(wrapper, runner, images):
        good = parity.ok(args.atol, args.min_agreement)
        ok &= good
        print(f'{"ok  " if good else "FAIL"} {parity}')
    if not ok:
        print(
            f'error: ONNX Runtime differs from PyTorch beyond atol={args.atol} / '
            f'agreement={args.min_agreement}',
            file=sys.stderr,
        )
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
