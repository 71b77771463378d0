"""Model wiring compared by value with the ops it wraps, at the configured hyperparameters
(a shape-only test passes when a module calls its op with the wrong tau or arguments)."""

from __future__ import annotations

import pytest
import torch

from segplug.models.utils import SoftClustering
from segplug.ops import soft_assign


@pytest.mark.parametrize('learnable_tau', [False, True])
@pytest.mark.parametrize('tau', [0.07, 0.5])
def test_soft_clustering_is_soft_assign_at_its_tau(tau: float, learnable_tau: bool) -> None:
    torch.manual_seed(0)
    module = SoftClustering(5, 7, dim=4, tau=tau, learnable_tau=learnable_tau)
    feats, seeds = torch.randn(2, 5, 5, 7), torch.randn(2, 7, 3, 4)
    assert float(module.tau) == pytest.approx(tau)
    expected = soft_assign(module.proj(feats), module.seed_proj(seeds), tau)
    torch.testing.assert_close(module(feats, seeds), expected)
    # the projections are 1x1 convolutions without bias (W^(s), W~^(2s) in Eq. 4)
    assert module.proj.weight.shape == (4, 5, 1, 1) and module.proj.bias is None
    assert module.seed_proj.weight.shape == (4, 7, 1, 1) and module.seed_proj.bias is None
    assert module.log_tau.requires_grad is learnable_tau
    assert ('log_tau' in dict(module.named_parameters())) is learnable_tau


def test_soft_clustering_default_tau_is_the_papers() -> None:
    module = SoftClustering(3, 3)
    assert float(module.tau) == pytest.approx(0.07)
    assert module.proj.out_channels == 64


@pytest.mark.parametrize('tau', [0.0, -0.1])
def test_soft_clustering_refuses_a_non_positive_tau(tau: float) -> None:
    with pytest.raises(ValueError, match='tau must be positive'):
        SoftClustering(3, 3, tau=tau)
