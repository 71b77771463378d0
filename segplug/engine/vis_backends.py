"""A TensorBoard backend that is a no-op (with one warning) where tensorboard is missing."""

from __future__ import annotations

import importlib.util
from typing import Any

from mmengine.logging import print_log
from mmengine.visualization import TensorboardVisBackend
from mmseg.registry import VISBACKENDS


@VISBACKENDS.register_module()
class OptionalTensorboardVisBackend(TensorboardVisBackend):
    """MMEngine's ``TensorboardVisBackend`` when ``tensorboard`` is importable.

    The plain backend fails at the first logged scalar when the package is missing, which
    would stop a run that only wanted curves; this one warns once and writes nothing.
    Events go to ``{work_dir}/{timestamp}/vis_data``; view them with
    ``tensorboard --logdir work_dirs``.
    """

    available = importlib.util.find_spec('tensorboard') is not None

    def __init__(self, save_dir: str, **kwargs: Any) -> None:
        super().__init__(save_dir, **kwargs)
        if not self.available:
            print_log(
                'tensorboard is not installed: TensorBoard logging is off '
                '(pip install tensorboard)',
                logger='current',
                level=30,
            )

    def _init_env(self) -> None:
        if self.available:
            super()._init_env()

    @property
    def experiment(self) -> Any:
        return super().experiment if self.available else None

    def add_config(self, *args: Any, **kwargs: Any) -> None:
        if self.available:
            super().add_config(*args, **kwargs)

    def add_image(self, *args: Any, **kwargs: Any) -> None:
        if self.available:
            super().add_image(*args, **kwargs)

    def add_scalar(self, *args: Any, **kwargs: Any) -> None:
        if self.available:
            super().add_scalar(*args, **kwargs)

    def add_scalars(self, *args: Any, **kwargs: Any) -> None:
        if self.available:
            super().add_scalars(*args, **kwargs)

    def close(self) -> None:
        if self.available:
            super().close()
