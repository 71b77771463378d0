"""The package stands alone: built as a wheel, installed into a fresh virtual environment and
used from a directory outside the checkout, every module imports, no module-level path points
at a file the wheel does not ship, and a model builds from the registry and runs."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.helpers import REPO

pytestmark = pytest.mark.slow  # a wheel build and a venv

SCRIPT = r"""
import importlib, os, pkgutil, sys
import segplug
here = os.path.dirname(segplug.__file__)
assert os.path.realpath(here).startswith(os.path.realpath(sys.prefix)), here  # the venv's copy
names = [m.name for m in pkgutil.walk_packages(segplug.__path__, 'segplug.')]
modules = [importlib.import_module(n) for n in names]
site = os.path.dirname(here)
dangling = [
    f'{m.__name__}.{k} = {v}'
    for m in modules
    for k, v in vars(m).items()
    if isinstance(v, str) and os.path.isabs(v) and v.startswith(site) and not os.path.exists(v)
]
assert not dangling, dangling
import torch
from mmseg.registry import MODELS
from mmseg.utils import register_all_modules
register_all_modules()
norm = dict(type='BN', requires_grad=True)
model = MODELS.build(dict(
    type='HCEncoderDecoder',
    data_preprocessor=dict(type='SegDataPreProcessor', size=(64, 64)),
    backbone=dict(type='HCResNet', depth=18, hc_levels=2, norm_cfg=norm),
    decode_head=dict(type='FCNHead', in_channels=512, in_index=3, channels=32, num_convs=1,
                     num_classes=3, norm_cfg=norm),
    assignment_loss=dict(type='HCAssignmentLoss'),
)).eval()
with torch.no_grad():
    out = model(torch.randn(1, 3, 64, 64), mode='tensor')
assert out.shape[1] == 3, out.shape
print('standalone ok', len(modules), 'modules')
"""


def test_wheel_in_a_fresh_venv_outside_the_checkout(tmp_path: Path) -> None:
    wheels = tmp_path / 'wheels'
    subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q',
         '-w', str(wheels), str(REPO)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    (wheel,) = wheels.glob('segplug-*.whl')
    env_dir = tmp_path / 'venv'
    # the dependencies (torch, MMSegmentation, ...) come from this environment; segplug
    # itself only from the wheel
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    py = str(env_dir / 'bin' / 'python')
    subprocess.run(
        [py, '-m', 'pip', 'install', '--no-deps', '-q', str(wheel)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    outside = tmp_path / 'elsewhere'
    outside.mkdir()
    proc = subprocess.run(
        [py, '-c', SCRIPT], cwd=outside, capture_output=True, text=True,
        env={'PATH': '/usr/bin:/bin', 'HOME': str(Path.home())},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert 'standalone ok' in proc.stdout
