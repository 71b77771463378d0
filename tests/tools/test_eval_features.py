"""segplug.evaluation.feature_probes: metrics against loop references, and the tool itself."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

from segplug.evaluation.feature_probes import (
    accuracies,
    distance_ratio,
    knn_predict,
    linear_probe,
    read_split,
)
from tests.helpers import DEMO_DATA, run_tool

pytestmark = pytest.mark.slow  # tools run as subprocesses

CONFIG = 'configs/semantic_features/semantic-features-only_r18-v1c_1xb2-400i_camvid-256x256.py'


def test_distance_ratio_against_loops() -> None:
    torch.manual_seed(0)
    feats = [torch.randn(6, 3), torch.randn(5, 3)]
    labels = [torch.tensor([0, 0, 1, 1, 2, 0]), torch.tensor([1, 1, 1, 2, 2])]
    intra, inter = [], []
    for f, lab in zip(feats, labels):
        for p in range(len(lab)):
            for q in range(len(lab)):
                if p != q:
                    d = float(torch.linalg.norm(f[p] - f[q]))
                    (intra if lab[p] == lab[q] else inter).append(d)
    out = distance_ratio(feats, labels)
    assert out['intra'] == pytest.approx(sum(intra) / len(intra))
    assert out['inter'] == pytest.approx(sum(inter) / len(inter))
    assert out['ratio'] == pytest.approx(out['intra'] / out['inter'])
    with pytest.raises(ValueError, match='pairs'):
        distance_ratio([torch.randn(3, 2)], [torch.zeros(3, dtype=torch.long)])


def test_knn_against_loop() -> None:
    torch.manual_seed(1)
    bank, bank_labels = torch.randn(40, 4), torch.randint(0, 3, (40,))
    query = torch.randn(25, 4)
    k = 4  # even k: ties happen and go to the nearer neighbours' class
    ref = []
    for q in query:
        order = torch.argsort(torch.linalg.norm(bank - q, dim=1))[:k]
        votes = [0.0] * 3
        for rank, i in enumerate(order.tolist()):
            votes[int(bank_labels[i])] += 1 + 1e-3 * (k - rank) / k
        ref.append(max(range(3), key=lambda c: votes[c]))
    assert knn_predict(bank, bank_labels, query, k, 3, chunk=7).tolist() == ref


def test_linear_probe_and_accuracies() -> None:
    torch.manual_seed(2)
    centres = torch.tensor([[5.0, 0, 0], [0, 5.0, 0], [0, 0, 5.0]])
    labels = torch.randint(0, 3, (300,))
    x = centres[labels] + torch.randn(300, 3)
    pred = linear_probe(x[:200], labels[:200], x[200:], 3)
    assert accuracies(pred, labels[200:], 3)['acc'] > 97
    # hand-computed: class 0 right 1 of 2, class 1 right 2 of 2, class 2 absent
    acc = accuracies(torch.tensor([0, 1, 1, 1]), torch.tensor([0, 0, 1, 1]), 3)
    assert acc == {'acc': 75.0, 'macc': 75.0}
    acc = accuracies(torch.tensor([0, 1, 1, 1]), torch.tensor([0, 1, 1, 1]), 3)
    assert acc['acc'] == 100.0


def test_tool_on_real_frames(tmp_path: Path) -> None:
    out = tmp_path / 'res.json'
    proc = run_tool(
        [
            sys.executable,
            'tools/analysis/eval_features.py',
            CONFIG,
            '--data-root',
            str(DEMO_DATA),
            '--n-train',
            '2',
            '--n-val',
            '2',
            '--pixels',
            '40',
            '--scale',
            '0.25',
            '--k',
            '3',
            '--json',
            str(out),
        ]
    )
    res = json.loads(out.read_text())
    assert res['setting']['n_train'] == 2 and res['setting']['n_val'] == 2
    for name in ('features', 'rgb'):
        r = res[name]
        assert 0 <= r['knn_acc'] <= 100 and 0 <= r['probe_macc'] <= 100
        assert r['ratio'] == pytest.approx(r['intra'] / r['inter'])
    assert '| features |' in proc.stdout


def test_tool_rejects_bad_options(tmp_path: Path) -> None:
    proc = run_tool(
        [
            sys.executable,
            'tools/analysis/eval_features.py',
            CONFIG,
            '--data-root',
            str(tmp_path),
            '--pixels',
            '0',
        ],
        check=False,
    )
    assert proc.returncode != 0 and '--pixels must be >= 1' in proc.stderr
    with pytest.raises(FileNotFoundError, match='split file not found'):
        read_split(str(tmp_path), 'train', 2)
