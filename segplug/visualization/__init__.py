"""Pictures of data and predictions, drawn with MMSegmentation's ``SegLocalVisualizer``."""
from .browse import browse_dataset

__all__ = ['browse_dataset']
