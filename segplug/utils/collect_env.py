"""The environment report: what to paste into an issue.

    python -m segplug.utils.collect_env        (or python tools/misc/collect_env.py)

MMEngine's ``collect_env`` (Python, platform, CUDA, GCC, PyTorch and how it was built,
TorchVision, OpenCV, MMEngine) with mmcv's additions (its version and the compilers of its
ops), then what segplug adds: whether mmcv's ops are compiled and with CUDA or not (segplug
needs them compiled; its DCNv2 runs on torchvision's CUDA kernel, or mmcv's when built with
CUDA), TorchVision's CUDA, MMSegmentation, timm and segplug with its git commit.
MMSegmentation's own ``collect_env`` is not used as is: the ``+hash`` it appends to its
version is the git commit of whatever repository the current directory is in.
"""

from __future__ import annotations

import os.path as osp
import subprocess
from collections import OrderedDict


def mmcv_ops_status() -> str:
    """'compiled, CPU only', 'compiled with CUDA 12.1' or 'not compiled (mmcv-lite?): ...'."""
    try:
        from mmcv.ops import get_compiling_cuda_version
    except Exception as err:  # ImportError, or the extension failing to load
        return f'not compiled (mmcv-lite?): {type(err).__name__}: {err}'
    cuda = get_compiling_cuda_version()
    return 'compiled, CPU only' if cuda == 'not available' else f'compiled with CUDA {cuda}'


def cuda_version(version: int | str | None) -> str:
    """torchvision's ``version.cuda`` (13000 for 13.0, or '12.1', or None) as 'M.m'."""
    if not version:
        return 'none (CPU build)'
    if str(version).isdigit():
        return f'{int(version) // 1000}.{int(version) % 1000 // 10}'
    return str(version)


def git_commit(path: str) -> str | None:
    """Short commit of the git checkout holding ``path``, '+dirty' if it has changes; None
    outside a checkout (an installed wheel)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ['git', '-C', path, *args], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()

    try:
        commit = git('rev-parse', '--short', 'HEAD')
        dirty = git('status', '--porcelain', '--untracked-files=no')
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ('+dirty' if dirty else '')


def collect_env() -> OrderedDict:
    """``{name: value}`` of the environment, in the order printed."""
    import mmseg
    import timm
    import torchvision
    from mmcv.utils.env import collect_env as mmcv_collect_env

    import segplug

    env = mmcv_collect_env()  # MMEngine's collect_env + MMCV and its compilers
    env['MMCV ops'] = mmcv_ops_status()
    env['TorchVision CUDA'] = cuda_version(torchvision.version.cuda)
    env['MMSegmentation'] = mmseg.__version__
    env['timm'] = timm.__version__
    commit = git_commit(osp.dirname(osp.abspath(segplug.__file__)))
    env['segplug'] = segplug.__version__ + (f' (git {commit})' if commit else '')
    env['segplug path'] = osp.dirname(osp.abspath(segplug.__file__))
    return env


def main() -> None:
    for name, value in collect_env().items():
        print(f'{name}: {value}')


if __name__ == '__main__':
    main()
