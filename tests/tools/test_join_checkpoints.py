"""tools/join_checkpoints.py: a segmenter and a superpixel FCN checkpoint become one that the
joined models load, through MMEngine's own checkpoint loading, as a test run does."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch
from mmengine.runner.checkpoint import load_checkpoint

from segplug.models.backbones.superpixel_fcn import SuperpixelFCN
from tests.helpers import REPO
from tests.models.test_joint_superpixel_segmentor import BASE, SPNET, batch, build, joint_cfg

_spec = importlib.util.spec_from_file_location('join_checkpoints',
                                               REPO / 'tools' / 'join_checkpoints.py')
join_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(join_tool)


@pytest.fixture
def parts(tmp_path: Path) -> dict:
    seg = build(BASE)
    torch.manual_seed(1)
    spx = SuperpixelFCN(base_channels=SPNET['base_channels'], cell_size=SPNET['cell_size'])
    seg_path, sp_path = tmp_path / 'seg.pth', tmp_path / 'spx.pth'
    torch.save({'meta': {'iter': 40000}, 'state_dict': seg.state_dict()}, seg_path)
    # as spixelfcn_1xb8-1k_bsds500 saves it: SuperpixelNetSegmentor's superpixel_net.* keys
    torch.save({'state_dict': {f'superpixel_net.{k}': v for k, v in spx.state_dict().items()}},
               sp_path)
    return dict(seg=seg, spx=spx, seg_path=seg_path, sp_path=sp_path)


def test_joined_checkpoint_loads_strictly_into_the_sp_model(parts: dict,
                                                           tmp_path: Path) -> None:
    out = tmp_path / 'joined.pth'
    assert join_tool.main([str(parts['seg_path']), str(parts['sp_path']), str(out)]) == 0
    sp_model = build(joint_cfg(fusion=None))
    load_checkpoint(sp_model, str(out), map_location='cpu', strict=True)
    for k, v in parts['seg'].state_dict().items():
        assert torch.equal(sp_model.state_dict()[k], v), k
    for k, v in parts['spx'].state_dict().items():
        assert torch.equal(sp_model.superpixel_net.state_dict()[k], v), k
    # the TI model misses only its fusion layers, which keep their TI initialisation, so its
    # predictions equal the SP model's (Table 4: TI fine-tuning starts at the SP row)
    ti_model = build(joint_cfg(fusion=dict(type='TIFusionHead', precision='float64')))
    state = torch.load(out, map_location='cpu')['state_dict']
    missing, unexpected = ti_model.load_state_dict(state, strict=False)
    assert not unexpected and missing and all(k.startswith('fusion.') for k in missing)
    data = batch(n=1)
    sp_model.eval()
    ti_model.eval()
    with torch.no_grad():
        a = sp_model.test_step(data)[0].seg_logits.data
        b = ti_model.test_step(data)[0].seg_logits.data
    torch.testing.assert_close(a, b, atol=1e-4, rtol=0)


def test_bare_superpixel_state_dict_gets_the_prefix(parts: dict, tmp_path: Path) -> None:
    bare = tmp_path / 'bare.pth'
    torch.save(parts['spx'].state_dict(), bare)
    joined = join_tool.join(str(parts['seg_path']), str(bare))
    assert sum(k.startswith('superpixel_net.') for k in joined) == len(parts['spx'].state_dict())


def test_wrong_inputs_are_named(parts: dict, tmp_path: Path,
                                capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / 'joined.pth'
    # the two files swapped
    assert join_tool.main([str(parts['sp_path']), str(parts['seg_path']), str(out)]) == 2
    err = capsys.readouterr().err
    assert str(parts['sp_path']) in err and 'not a segmenter checkpoint' in err
    assert not out.exists()
    # a segmenter given as the superpixel FCN
    assert join_tool.main([str(parts['seg_path']), str(parts['seg_path']), str(out)]) == 2
    assert 'a segmenter checkpoint, not the superpixel FCN' in capsys.readouterr().err
    # an existing output is kept
    out.write_bytes(b'keep')
    assert join_tool.main([str(parts['seg_path']), str(parts['sp_path']), str(out)]) == 2
    assert 'give --force' in capsys.readouterr().err and out.read_bytes() == b'keep'
    assert join_tool.main([str(parts['seg_path']), str(parts['sp_path']), str(out),
                           '--force']) == 0
