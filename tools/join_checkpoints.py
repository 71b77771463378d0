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
from mmengine.runner.checkpoint import _load_checkpoint

import segplug  # noqa: F401  (lets torch's safe unpickler read MMEngine's checkpoint contents)

SEG_PARTS = ('backbone.', 'decode_head.')
SP_PREFIX = 'superpixel_net.'


def _state_dict(path: str) -> dict[str, torch.Tensor]:
    if not Path(path).is_file():
        raise FileNotFoundError(f'{path}: checkpoint not found')
    ckpt = _load_checkpoint(path, map_location='cpu')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or not state:
        raise ValueError(f'{path}: no state dict in this file')
    return {k.removeprefix('module.'): v for k, v in state.items()}


def join(segmenter: str, superpixel: str) -> dict[str, torch.Tensor]:
    """The joined state dict: the segmenter's keys and ``superpixel_net.*``."""
    seg = _state_dict(segmenter)
    lacking = [p for p in SEG_PARTS if not any(k.startswith(p) for k in seg)]
    if lacking:
        raise ValueError(f'{segmenter}: no {lacking} keys: not a segmenter checkpoint '
                         f'(its keys start with {sorted({k.split(".")[0] for k in seg})})')
    if any(k.startswith(SP_PREFIX) for k in seg):
        raise ValueError(f'{segmenter}: already holds {SP_PREFIX}* keys (a joined model?)')
    sp = _state_dict(superpixel)
    if any(k.startswith(SP_PREFIX) for k in sp):
        sp = {k: v for k, v in sp.items() if k.startswith(SP_PREFIX)}
    elif any(k.startswith(SEG_PARTS) for k in sp):
        raise ValueError(f'{superpixel}: a segmenter checkpoint, not the superpixel FCN '
                         f'(no {SP_PREFIX}* keys)')
    else:  # a bare SuperpixelFCN state dict
        sp = {SP_PREFIX + k: v for k, v in sp.items()}
    return {**seg, **sp}


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
        state = join(args.segmenter, args.superpixel)
    except (FileNotFoundError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    torch.save({'state_dict': state,
                'meta': {'joined_from': [args.segmenter, args.superpixel]}}, args.out)
    n_sp = sum(k.startswith(SP_PREFIX) for k in state)
    print(f'wrote {args.out}: {len(state) - n_sp} segmenter and {n_sp} superpixel FCN tensors')
    return 0


if __name__ == '__main__':
    sys.exit(main())
