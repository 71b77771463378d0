"""segplug: MMSegmentation 1.x plugins.

Importing this package registers every segplug module into MMSegmentation's own registries
(``mmseg.registry``); configs load it with
``custom_imports = dict(imports=['segplug'], allow_failed_imports=False)``.
"""

from . import datasets, engine, evaluation, models  # noqa: F401  (imported for their registrations)
from .engine.checkpoint import allow_mmengine_checkpoints
from .version import __version__

# MMEngine's checkpoints hold more than tensors; torch >= 2.6 refuses them by default.
allow_mmengine_checkpoints()

__all__ = ['__version__', 'allow_mmengine_checkpoints']
