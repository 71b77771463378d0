"""tools/join_checkpoints.py: a segmenter and a superpixel FCN checkpoint become one that the
joined models load, through MMEngine's own checkpoint loading, as a test run does."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from mmengine.runner.checkpoint import load_checkpoint

from segplug.engine.join_checkpoints import join_checkpoints
from segplug.models.backbones.superpixel_fcn import SuperpixelFCN
from tests.helpers import PY, run_tool
from tests.models.test_joint_superpixel_segmentor import BASE, SPNET, batch, build, joint_cfg

pytestmark = pytest.mark.slow  # tools run as subprocesses


@pytest.fixture
def parts(tmp_path: Path) -> dict:
    seg = build(BASE)
    torch.manual_seed(1)
    spx = SuperpixelFCN(base_channels=SPNET['base_channels'], cell_size=SPNET['cell_size'])
    seg_path, sp_path = tmp_path / 'seg.pth', tmp_path / 'spx.pth'
    torch.save({'meta': {'iter': 40000}, 'state_dict': seg.state_dict()}, seg_path)
    # as spixelfcn_1xb8-1k_bsds500 saves it: SuperpixelNetSegmentor's superpixel_net.* keys
    torch.save(
        {'state_dict': {f'superpixel_net.{k}': v for k, v in spx.state_dict().items()}}, sp_path
    )
    return dict(seg=seg, spx=spx, seg_path=seg_path, sp_path=sp_path)


def test_joined_checkpoint_loads_strictly_into_the_sp_model(parts: dict, tmp_path: Path) -> None:
    out = tmp_path / 'joined.pth'
    torch.save({'state_dict': join_checkpoints(str(parts['seg_path']), str(parts['sp_path']))}, out)
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
    joined = join_checkpoints(str(parts['seg_path']), str(bare))
    assert sum(k.startswith('superpixel_net.') for k in joined) == len(parts['spx'].state_dict())


def test_wrong_inputs_are_named(parts: dict) -> None:
    # the two files swapped
    with pytest.raises(ValueError, match='not a segmenter checkpoint') as err:
        join_checkpoints(str(parts['sp_path']), str(parts['seg_path']))
    assert str(parts['sp_path']) in str(err.value)
    # a segmenter given as the superpixel FCN
    with pytest.raises(ValueError, match='a segmenter checkpoint, not the superpixel FCN'):
        join_checkpoints(str(parts['seg_path']), str(parts['seg_path']))

    # a truncated file: named, not torch's "PytorchStreamReader failed"
    cut = Path(str(parts['seg_path']) + '.cut')
    cut.write_bytes(Path(parts['seg_path']).read_bytes()[:300])
    with pytest.raises(ValueError, match=f'{cut}: not a readable .*truncated'):
        join_checkpoints(str(cut), str(parts['sp_path']))


def test_tool_names_bad_input_and_keeps_an_existing_output(parts: dict, tmp_path: Path) -> None:
    out = tmp_path / 'joined.pth'
    tool = [PY, 'tools/join_checkpoints.py']
    proc = run_tool([*tool, str(parts['sp_path']), str(parts['seg_path']), str(out)], check=False)
    assert proc.returncode == 2 and 'not a segmenter checkpoint' in proc.stderr
    assert not out.exists()
    out.write_bytes(b'keep')
    proc = run_tool([*tool, str(parts['seg_path']), str(parts['sp_path']), str(out)], check=False)
    assert proc.returncode == 2 and 'give --force' in proc.stderr and out.read_bytes() == b'keep'
    run_tool([*tool, str(parts['seg_path']), str(parts['sp_path']), str(out), '--force'])
    assert 'superpixel_net.' in ''.join(torch.load(out, map_location='cpu')['state_dict'])
