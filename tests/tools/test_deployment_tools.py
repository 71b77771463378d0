"""tools/deployment/pytorch2onnx.py and onnx_benchmark.py with a user's arguments (their
main() in this process: a subprocess would spend most of the test importing torch)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import PY, REPO, run_tool

pytestmark = pytest.mark.slow  # tools run as subprocesses

pytest.importorskip('onnxruntime')

EXPORT = str(REPO / 'tools' / 'deployment' / 'pytorch2onnx.py')
BENCH = str(REPO / 'tools' / 'deployment' / 'onnx_benchmark.py')
HC = str(REPO / 'configs' / 'hc' / 'hcfcn32_r18-v1c_1xb4-600i_camvid-256x256.py')
# quarter widths: the same graph at a fraction of the cost
NARROW = [
    'model.backbone.stem_channels=16',
    'model.backbone.base_channels=16',
    'model.backbone.cluster_dim=8',
    'model.decode_head.in_channels=128',
    'model.decode_head.channels=16',
    'model.auxiliary_head.in_channels=64',
    'model.auxiliary_head.channels=8',
]


def run_main(tool: str, args: list[str]) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``tool`` run with ``args``, as a user runs it."""
    proc = run_tool([PY, tool, *args], check=False)
    return proc.returncode, proc.stdout, proc.stderr


def test_pytorch2onnx(tmp_path: Path) -> None:
    out = tmp_path / 'hcfcn32.onnx'
    args = [
        HC,
        '--shape',
        '64',
        '96',
        '--dynamic',
        str(out),
        '--threads',
        '1',
        '--cfg-options',
        *NARROW,
    ]
    code, printed, _ = run_main(EXPORT, args)
    assert code == 0, printed
    assert 'onnx.checker: ok' in printed
    checks = [line for line in printed.splitlines() if line.startswith(('ok', 'FAIL'))]
    assert len(checks) == 2 and all(c.startswith('ok') for c in checks), printed
    assert '(1, 11, 64, 96)' in checks[0] and '(1, 11, 49, 73)' in checks[1]
    code, _, err = run_main(EXPORT, args)
    assert code == 2 and 'exists: pass --force' in err


def test_pytorch2onnx_usage_line_and_bad_input(tmp_path: Path) -> None:
    """The docstring's order (``CONFIG CKPT --shape H W OUT.onnx``) parses; a JPEG given as
    the checkpoint and a misspelled ``--cfg-options`` key stop with the file / key named,
    without torch's advice to unpickle unsafely."""
    import torch

    from segplug.deployment import build_segmentor
    from segplug.engine.cfg_options import parse_value

    options = {k: parse_value(v) for k, v in (o.split('=') for o in NARROW)}
    ckpt = tmp_path / 'hc.pth'
    torch.save({'state_dict': build_segmentor(HC, cfg_options=options).state_dict()}, ckpt)
    out = str(tmp_path / 'hc.onnx')
    code, printed, err = run_main(
        EXPORT, [HC, str(ckpt), '--shape', '64', '96', out, '--no-check', '--cfg-options', *NARROW]
    )
    assert code == 0 and 'exported' in printed, err[-2000:]
    jpeg = str(REPO / 'data/camvid_demo/images/val/0016E5_07959.jpg')
    code, _, err = run_main(EXPORT, [HC, jpeg, '--shape', '64', '96', out, '--force'])
    assert code == 2 and f'{jpeg}: not a readable checkpoint' in err, err[-2000:]
    assert 'weights_only' not in err
    code, _, err = run_main(
        EXPORT, [HC, '--shape', '64', '96', out, '--force', '--cfg-options', 'modle.x=1']
    )
    assert code == 2 and "no key 'modle'; closest: model" in err, err[-2000:]


def test_onnx_benchmark(tmp_path: Path) -> None:
    result = tmp_path / 'bench.json'
    code, printed, _ = run_main(
        BENCH,
        [
            HC,
            '--shape',
            '64',
            '96',
            '--rounds',
            '2',
            '--warmup',
            '0',
            '--threads',
            '1',
            '--work-dir',
            str(tmp_path),
            '--out',
            str(result),
            '--cfg-options',
            *NARROW,
        ],
    )
    assert code == 0, printed
    name = Path(HC).stem
    assert '1 intra-op threads in both engines' in printed
    row = next(line for line in printed.splitlines() if line.startswith(f'| {name} |'))
    assert row.count('|') == 10
    data = json.loads(result.read_text())
    (model,) = data['results']
    assert model['name'] == name and data['threads'] == 1
    assert all(len(model['ms_all'][e]) == 2 for e in ('pytorch', 'onnxruntime'))
    assert model['peak_mb']['pytorch'] > 0 and model['peak_mb']['onnxruntime'] > 0
    assert model['max_abs_diff'] <= 1e-4
