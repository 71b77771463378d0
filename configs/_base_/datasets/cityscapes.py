# MMSegmentation's cityscapes dataset config, unchanged: its class, layout (data/...) and pipelines.
# Prepare the data with MMSegmentation's converters (see docs/datasets.md).
_base_ = ['mmseg::_base_/datasets/cityscapes.py']
