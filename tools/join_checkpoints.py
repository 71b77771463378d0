"""Join a trained segmenter and a trained superpixel FCN into one checkpoint for the TI models.

    python tools/join_checkpoints.py SEGMENTER.pth SUPERPIXEL.pth OUT.pth

SEGMENTER.pth: any MMSegmentation ``EncoderDecoder`` checkpoint (``backbone.*``,
``decode_head.*``, ``auxiliary_head.*`` keys), e.g. DeepLabV3+ trained on VOC aug.
SUPERPIXEL.pth: the superpixel FCN, trained by ``configs/ti/spixelfcn_1xb8-1k_bsds500-208x208.py``
(keys ``superpixel_net.*``), or a bare ``SuperpixelFCN`` state dict (its keys get the prefix).
OUT.pth holds both under the names ``JointSuperpixelSegmentor`` uses, so that

- ``tools/test.py configs/ti/sp-deeplabv3plus_...py OUT.pth`` evaluates the paper's "SP" rows
  (the pretrained parts joined by logit consistency, no fine-tuning, Table 4), and
- ``--cfg-options load_from=OUT.pth`` starts a TI fine-tuning from both parts at once (the TI
  layers are missing from OUT.pth and keep their transparent initialization).

MMEngine loads one checkpoint per model (``load_from``, or the test checkpoint), and a test run
does not apply ``init_cfg``: hence this tool. Both inputs are checked first; the error names
the file and what its keys lack. Nothing is overwritten unless ``--force`` is given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

import segplug  # noqa: F401  (lets torch's safe unpickler read MMEngine's checkpoint contents)
from segplug.engine.join_checkpoints import SP_PREFIX, join_checkpoints


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('segmenter', help='segmenter checkpoint (backbone.*, decode_head.*)')
    parser.add_argument('superpixel', help='superpixel FCN checkpoint (superpixel_net.*)')
    parser.add_argument('out', help='joined checkpoint to write')
    parser.add_argument('--force', action='store_true', help='overwrite OUT if it exists')
    args = parser.parse_args(argv)
    if Path(args.out).exists() and not args.force:
        print(f'error: {args.out} exists (give --force to overwrite it)', file=sys.stderr)
        return 2
    try:
        state = join_checkpoints(args.segmenter, args.superpixel)
    except (FileNotFoundError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {'state_dict': state, 'meta': {'joined_from': [args.segmenter, args.superpixel]}}, args.out
    )
    n_sp = sum(k.startswith(SP_PREFIX) for k in state)
    print(f'wrote {args.out}: {len(state) - n_sp} segmenter and {n_sp} superpixel FCN tensors')
    return 0


if __name__ == '__main__':
    sys.exit(main())
