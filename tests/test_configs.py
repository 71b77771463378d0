"""Every config under configs/ builds, trains one step and predicts at a tiny size (the
configs a metafile names do more, in test_paper_configs.py); metafiles point at configs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import register_all_modules

import segplug  # noqa: F401
from tests.helpers import REPO

# configs a metafile names also train and evaluate on real frames in test_paper_configs.py,
# which covers everything checked here
PAPER = {
    REPO / m['Config']
    for f in (REPO / 'configs').rglob('metafile.yaml')
    for m in yaml.safe_load(f.read_text())['Models']
}
CONFIGS = sorted(
    p
    for p in (REPO / 'configs').rglob('*.py')
    if '_base_' not in p.parts and not p.name.startswith('_') and p not in PAPER
)
MODEL_BASES = sorted((REPO / 'configs' / '_base_' / 'models').glob('*.py'))


def tiny_batch(num_classes: int, size: int = 64) -> dict:
    torch.manual_seed(0)
    samples = []
    for _ in range(2):
        s = SegDataSample(
            metainfo=dict(img_shape=(size, size), ori_shape=(size, size), pad_shape=(size, size))
        )
        s.gt_sem_seg = PixelData(data=torch.randint(0, num_classes, (1, size, size)))
        samples.append(s)
    return dict(
        inputs=[torch.randint(0, 256, (3, size, size), dtype=torch.uint8) for _ in range(2)],
        data_samples=samples,
    )


def forward_backward(model_cfg: dict, find_unused_parameters: bool = False) -> None:
    """One training step and one prediction at 64x64. Every trainable parameter must get a
    gradient, unless the config lets DDP find unused ones: under DDP (GPU, or CPU gloo) a
    parameter without one stops training ("Expected to have finished reduction")."""
    register_all_modules(init_default_scope=True)
    model_cfg = dict(model_cfg)
    model_cfg.pop('pretrained', None)
    model_cfg['data_preprocessor'] = dict(model_cfg['data_preprocessor'], size=(64, 64))
    model = MODELS.build(model_cfg)
    model.init_weights()
    # every segmentor has num_classes (MMSegmentation's copy its head's; the superpixel
    # segmentor, which has no head, its region-label count)
    num_classes = model.num_classes
    batch = tiny_batch(num_classes)
    model.train()
    data = model.data_preprocessor(batch, True)
    losses = model(**data, mode='loss')
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
    unused = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert find_unused_parameters or not unused, (
        f'{len(unused)} trainable parameters get no gradient (e.g. {unused[:3]}): DDP stops '
        'at the second step; set model_wrapper_cfg=dict(find_unused_parameters=True) or '
        'freeze them'
    )
    model.eval()
    with torch.no_grad():
        out = model.test_step(batch)
    assert out[0].pred_sem_seg.data.shape == (1, 64, 64)
    assert int(out[0].pred_sem_seg.data.max()) < num_classes


# the weight sweep is one model ten times: one of it in the fast tier
FAST_CONFIGS = [
    pytest.param(p, marks=pytest.mark.slow)
    if 'aux_weight_sweep' in p.parts and 'w0.5' not in p.name
    else p
    for p in CONFIGS
]


@pytest.mark.parametrize('path', FAST_CONFIGS, ids=lambda p: str(p.relative_to(REPO)))
def test_config_builds_and_runs(path: Path) -> None:
    cfg = Config.fromfile(str(path))
    assert 'segplug' in cfg.custom_imports['imports']
    wrapper = cfg.get('model_wrapper_cfg') or {}
    forward_backward(cfg.model, wrapper.get('find_unused_parameters', False))


@pytest.mark.parametrize('path', MODEL_BASES, ids=lambda p: p.name)
def test_model_base_builds_and_runs(path: Path) -> None:
    forward_backward(Config.fromfile(str(path)).model)


METAFILES = sorted((REPO / 'configs').rglob('metafile.yaml'))


@pytest.mark.parametrize('path', METAFILES, ids=lambda p: str(p.relative_to(REPO)))
def test_metafile_points_at_configs(path: Path) -> None:
    """Each metafile entry names an existing config by its stem; results state a metric."""
    meta = yaml.safe_load(path.read_text())
    assert meta['Models'], f'{path}: no models'
    for m in meta['Models']:
        config = REPO / m['Config']
        assert config.is_file(), f'{path}: {m["Name"]} points at missing {config}'
        assert config.stem == m['Name'], f'{path}: {m["Name"]} vs {config.name}'
        for r in m.get('Results', []):  # CamVid-only rows have no paper number
            assert r['Metrics'], f'{path}: {m["Name"]} lists a result without a metric'


def test_every_paper_row_is_in_the_reproduction_guide() -> None:
    """docs/reproduce.md has a line for every config a metafile names
    (regenerate its tables with tools/analysis/paper_rows.py)."""
    guide = (REPO / 'docs' / 'reproduce.md').read_text()
    missing = sorted(p.stem for p in PAPER if f'{p.stem}`' not in guide)
    assert not missing, f'docs/reproduce.md lacks {missing}'
    # and its table rows carry the metafiles' current numbers
    rows = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'analysis' / 'paper_rows.py')],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    stale = [line for line in rows.splitlines() if line.startswith('| `') and line not in guide]
    assert not stale, (
        'docs/reproduce.md rows differ from the metafiles (regenerate with '
        f'tools/analysis/paper_rows.py): {stale}'
    )


def test_a_parameter_without_gradient_is_caught() -> None:
    """The bilinear FPN on the HC backbone computes clusters nobody decodes through: without
    its find_unused_parameters the check above fails, naming the clustering."""
    cfg = Config.fromfile(
        str(REPO / 'configs/upsamplers/fpn-bilinear_hcr18-v1c_1xb4-600i_camvid-256x256.py')
    )
    with pytest.raises(AssertionError, match='get no gradient.*clustering'):
        forward_backward(cfg.model, find_unused_parameters=False)
