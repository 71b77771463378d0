"""FLOPs and parameters of a segmentor (MMSegmentation's get_flops, counting segplug's ops).

    python tools/analysis/get_flops.py CONFIG [--shape H [W]] [--mode predict|tensor]
                                       [--cfg-options ...] [--json out.json]

MMEngine's ``FlopAnalyzer`` with segplug's handles (deformable convolution, soft clustering,
cluster decoding, superpixel means; the convention is in ``segplug/utils/flops.py``). One
multiply-add counts as one FLOP, as in MMSegmentation's model zoo.

``--mode predict`` (default) counts what inference computes for one image or one slide
window: ``encode_decode``, logits at the input size. ``--mode tensor`` counts
``_forward``, the number MMSegmentation's own ``get_flops`` prints: for HC models the
decoded logits before the final resize, for TI models without the superpixel branch.
"""

from __future__ import annotations

import argparse
import json
import sys

from segplug.apis import load_model
from segplug.engine import CfgOptionsAction
from segplug.utils.flops import MODES, format_count, segmentor_complexity


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='FLOPs and parameters of a segmentor')
    parser.add_argument('config')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        default=None,
        help="input H [W]; default: the config's crop size, else 512 512",
    )
    parser.add_argument('--mode', choices=MODES, default='predict')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--json', help='also write the numbers to this JSON file')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    return parser.parse_args(argv)


def input_shape(shape: list[int] | None, model_size: tuple[int, int] | None) -> tuple[int, int]:
    if shape:
        if len(shape) > 2:
            raise ValueError(f'--shape takes H [W], got {shape}')
        return shape[0], shape[-1]
    return tuple(model_size) if model_size else (512, 512)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    model = load_model(
        args.config, cfg_options=args.cfg_options, init_weights=False, device=args.device
    )
    shape = input_shape(args.shape, getattr(model.data_preprocessor, 'size', None))
    result = segmentor_complexity(model, shape, args.mode)
    line = '=' * 30
    print(
        f'{line}\nConfig: {args.config}\nMode: {args.mode}\n'
        f'Input shape: {result.input_shape}\nFlops: {format_count(result.flops)}\n'
        f'Params: {format_count(result.params)}\n{line}'
    )
    for name, flops in result.by_module.items():
        print(f'  {name:<16} {format_count(flops):>10}  {flops / result.flops:6.1%}')
    if result.uncounted_ops:
        print(
            'not counted (no handle): '
            + ', '.join(f'{op} x{n}' for op, n in sorted(result.uncounted_ops.items()))
        )
    out = dict(
        config=args.config,
        mode=args.mode,
        input_shape=list(result.input_shape),
        flops=result.flops,
        params=result.params,
        by_module=result.by_module,
        uncounted_ops=result.uncounted_ops,
    )
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(out, f, indent=2)
    return out


if __name__ == '__main__':
    main(sys.argv[1:])
