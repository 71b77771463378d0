"""Every shipped config family trains two steps under 2-process DDP on CPU (gloo) with its
own model wrapper settings, the ranks ending in step; a family whose parameters go unused
without ``find_unused_parameters`` fails there as it would on GPUs. One torchrun launch
runs them all (tests/plugins/ddp_families.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mmengine.config import Config

from tests.engine.test_ddp import free_port
from tests.helpers import PY, REPO, dump_cfg, run_tool

pytestmark = pytest.mark.slow  # two processes, ~25 models

UNUSED = 'configs/upsamplers/fpn-bilinear_hcr18-v1c_1xb4-600i_camvid-256x256.py'


def _type(x) -> str:
    if isinstance(x, dict):
        return str(x.get('type'))
    if isinstance(x, (list, tuple)):
        return '+'.join(sorted(_type(i) for i in x))
    return '-'


def _losses(model: dict) -> tuple:
    heads = model.get('auxiliary_head')
    heads = [model.get('decode_head')] + (heads if isinstance(heads, list) else [heads])
    found = set()
    for head in heads:
        losses = head.get('loss_decode') if isinstance(head, dict) else None
        for loss in losses if isinstance(losses, (list, tuple)) else [losses]:
            if isinstance(loss, dict):
                found.add(str(loss['type']))
    return tuple(sorted(found))


def _segplug_types(x) -> bool:
    """Whether a config dict (nested) builds any module segplug registers."""
    from mmseg.registry import MODELS

    if isinstance(x, dict):
        t = x.get('type')
        if isinstance(t, str):
            cls = MODELS.get(t)
            if cls is not None and cls.__module__.startswith('segplug'):
                return True
        return any(_segplug_types(v) for v in x.values())
    if isinstance(x, (list, tuple)):
        return any(_segplug_types(v) for v in x)
    return False


def families() -> dict[tuple, str]:
    """One config per family: segmentor, backbone, neck, losses, assignment loss and the
    DDP setting; the smallest backbone of each (ResNet-18 / Lite0 before ResNet-101).
    Configs built from MMSegmentation's modules alone are MMSegmentation's to test."""
    from mmseg.utils import register_all_modules

    import segplug  # noqa: F401

    register_all_modules(init_default_scope=False)
    configs = sorted(
        p
        for p in (REPO / 'configs').rglob('*.py')
        if '_base_' not in p.parts and not p.name.startswith('_')
    )
    configs.sort(key=lambda p: any(s in p.name for s in ('r101', 's101', 'r152')))
    out: dict[tuple, str] = {}
    for path in configs:
        cfg = Config.fromfile(str(path))
        m = cfg.model
        if not _segplug_types(m.to_dict()):
            continue
        key = (
            m.type,
            _type(m.get('backbone')),
            _type(m.get('neck')),
            _losses(m),
            _type(m.get('assignment_loss')),
            bool((cfg.get('model_wrapper_cfg') or {}).get('find_unused_parameters')),
        )
        out.setdefault(key, str(path.relative_to(REPO)))
    return out


def test_every_family_trains_under_two_process_ddp(tmp_path: Path) -> None:
    chosen = sorted(families().values())
    assert len(chosen) >= 15 and UNUSED in chosen
    # the control: the family that needs find_unused_parameters, without it, goes last
    cfg = Config.fromfile(str(REPO / UNUSED))
    cfg.model_wrapper_cfg.find_unused_parameters = False
    control = dump_cfg(cfg, tmp_path / 'unused_without_flag.py')
    env = {'PYTHONPATH': str(REPO)}
    port = free_port()
    result = run_tool(
        [
            PY,
            '-m',
            'torch.distributed.run',
            '--nproc_per_node',
            '2',
            '--master_port',
            port,
            'tests/plugins/ddp_families.py',
            *chosen,
            control,
        ],
        env=env,
        check=False,
        timeout=900,
    )
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith('{"ok"')]
    assert lines, result.stdout[-2000:] + result.stderr[-3000:]
    report = json.loads(lines[-1])
    assert report['ok'] == chosen, report['failed']
    assert list(report['failed']) == [control]
    assert 'find_unused_parameters' in report['failed'][control], report['failed']
