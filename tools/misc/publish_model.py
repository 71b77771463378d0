"""Publish a checkpoint: keep ``meta`` and ``state_dict``, name it ``OUT-<sha256[:8]>.pth``.

python tools/misc/publish_model.py work_dirs/x/iter_600.pth x_camvid.pth
# -> x_camvid-1a2b3c4d.pth
"""

from __future__ import annotations

import argparse
import os.path as osp

from segplug.utils.publish import publish_checkpoint


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Process a checkpoint to be published')
    parser.add_argument('in_file', help='input checkpoint')
    parser.add_argument('out_file', help='output name OUT.pth; written as OUT-<hash>.pth')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    final = publish_checkpoint(args.in_file, args.out_file)
    print(f'{final} ({osp.getsize(final) / 2**20:.1f} MiB)')


if __name__ == '__main__':
    main()
