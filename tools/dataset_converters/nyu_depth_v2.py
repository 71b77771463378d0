"""Convert NYU-Depth-v2's 1,449 labelled frames to 40 classes in MMSegmentation's layout.

    python tools/dataset_converters/nyu_depth_v2.py nyu_depth_v2_labeled.mat splits.mat \\
        data/nyu --mapping classMapping40.mat
    python tools/dataset_converters/nyu_depth_v2.py nyu_depth_v2_labeled.mat splits.mat \\
        data/nyu --labels40 labels40.mat

Inputs: the official labelled file (MATLAB v7.3, read with h5py), the official split
(``splits.mat``: 795 train / 654 test) and Gupta et al.'s 40 classes, either as the 894 -> 40
mapping (``classMapping40.mat``) or as the mapped labels (``labels40.mat``).
Writes ``OUT/images/{train,test}/NNNN.jpg`` (JPEG quality 95) and
``OUT/annotations/{train,test}/NNNN.png`` (grey, 0 = unlabelled, 1..40 the classes of
``configs/_base_/datasets/nyu_depth_v2.py``, which sets ``reduce_zero_label=True``), where NNNN is
the frame's 1-based number in the labelled file, as in ``splits.mat``.

Every input's structure is checked before anything is written (variables, shapes, split
indices, mapping values), and the error names the file. A frame whose raw labels lie outside
the mapping is reported and not written; frames in neither split are reported. The exit
status is 1 when a frame was skipped.
"""

from __future__ import annotations

import argparse
import sys

from segplug.datasets.converters.nyu_depth_v2 import convert


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('labeled', help='nyu_depth_v2_labeled.mat (MATLAB v7.3)')
    parser.add_argument('splits', help='splits.mat (trainNdxs, testNdxs)')
    parser.add_argument('out_dir', help='output root, e.g. data/nyu')
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument('--mapping', help='classMapping40.mat (mapClass: 894 -> 40)')
    group.add_argument('--labels40', help='labels40.mat (labels40: H x W x N, 0..40)')
    args = parser.parse_args(argv)
    try:
        done, problems, skipped = convert(
            args.labeled, args.splits, args.out_dir, args.mapping, args.labels40
        )
    except (FileNotFoundError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(
        f'converted {done.get("train", 0)} train and {done.get("test", 0)} test frames '
        f'into {args.out_dir}'
    )
    if problems:
        print(f'{len(problems)} problem(s):', *problems, sep='\n  ')
    return 1 if skipped else 0


if __name__ == '__main__':
    sys.exit(main())
