"""segplug.utils.publish: only weights and metadata kept, the file's own hash in its name."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import torch

from segplug.utils.publish import publish_checkpoint


def _runner_checkpoint(path: Path) -> dict:
    """What MMEngine's runner saves, small."""
    ckpt = dict(
        meta=dict(
            iter=600, seed=0, dataset_meta=dict(classes=('a', 'b'), palette=[[1, 2, 3], [4, 5, 6]])
        ),
        state_dict={'conv.weight': torch.arange(12.0).view(2, 3, 2), 'conv.bias': torch.ones(2)},
        optimizer=dict(state={0: dict(exp_avg=torch.zeros(2, 3, 2))}, param_groups=[]),
        param_schedulers=[dict(last_step=600)],
        message_hub=dict(log_scalars={}, runtime_info=dict(iter=600)),
    )
    torch.save(ckpt, path)
    return ckpt


def test_publish_keeps_weights_and_names_the_file_by_its_sha256(tmp_path: Path) -> None:
    ckpt = _runner_checkpoint(tmp_path / 'iter_600.pth')
    final = publish_checkpoint(str(tmp_path / 'iter_600.pth'), str(tmp_path / 'pub/hc.pth'))
    m = re.fullmatch(re.escape(str(tmp_path / 'pub/hc-')) + r'([0-9a-f]{8})\.pth', final)
    assert m, final
    digest = hashlib.sha256(Path(final).read_bytes()).hexdigest()
    assert m.group(1) == digest[:8]
    assert sorted(p.name for p in (tmp_path / 'pub').iterdir()) == [Path(final).name]
    published = torch.load(final, map_location='cpu')
    assert set(published) == {'meta', 'state_dict'}
    assert published['meta'] == ckpt['meta']
    for k, v in ckpt['state_dict'].items():
        assert torch.equal(published['state_dict'][k], v)


def test_publish_refuses_what_is_not_a_checkpoint(tmp_path: Path) -> None:
    torch.save({'weights': torch.ones(1)}, tmp_path / 'raw.pth')
    with pytest.raises(ValueError, match='raw.pth: no state_dict'):
        publish_checkpoint(str(tmp_path / 'raw.pth'), str(tmp_path / 'out.pth'))
    with pytest.raises(ValueError, match='must end in .pth'):
        publish_checkpoint(str(tmp_path / 'raw.pth'), str(tmp_path / 'out.ckpt'))
    with pytest.raises(FileNotFoundError, match='absent.pth'):
        publish_checkpoint(str(tmp_path / 'absent.pth'), str(tmp_path / 'out.pth'))
