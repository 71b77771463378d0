"""segplug.utils.benchmark's training-step timing (the step-time benchmarks of CPP/UOI and of
the ImageNet-start methods): one step is exactly one optimiser step on the sum of the
``loss`` terms, and the steps take turns, warm-up untimed."""

from __future__ import annotations

import torch
from torch import nn

from segplug.utils.benchmark import time_in_turns, training_step


class _Toy(nn.Module):
    """mode='loss' gives a loss term, a second loss term and a non-loss entry."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.tensor([1.0, -2.0]))

    def forward(self, inputs: torch.Tensor, mode: str) -> dict:
        assert mode == 'loss'
        return {
            'decode.loss_a': (self.w * inputs).sum(),
            'aux.loss_b': 3 * self.w[0] ** 2,
            'decode.acc_seg': 100 * self.w.sum(),  # must not be optimised
        }


def test_training_step_is_one_sgd_step_on_the_loss_terms_only() -> None:
    model = _Toy()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.tensor([0.5, 4.0])
    step = training_step(model, opt, dict(inputs=x))
    step()
    # gradient of (w . x) + 3 w0^2 at w = (1, -2): (0.5 + 6, 4.0)
    torch.testing.assert_close(model.w.detach(), torch.tensor([1.0 - 0.65, -2.0 - 0.4]))
    step()  # the gradient was zeroed in between: again the gradient at the new point only
    torch.testing.assert_close(
        model.w.detach(), torch.tensor([0.35 - 0.1 * (0.5 + 6 * 0.35), -2.4 - 0.4])
    )


def test_steps_take_turns_and_warmup_is_not_timed() -> None:
    calls: list[str] = []
    times = time_in_turns([lambda: calls.append('a'), lambda: calls.append('b')], 2, 3)
    assert calls == ['a', 'b'] * 5
    assert [len(t) for t in times] == [3, 3]
    assert all(s >= 0 for t in times for s in t)
