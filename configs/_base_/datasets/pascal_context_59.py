# MMSegmentation's pascal_context_59 dataset config, unchanged: its class, layout (data/...) and pipelines.
# Prepare the data with MMSegmentation's converters (see docs/datasets.md).
_base_ = ['mmseg::_base_/datasets/pascal_context_59.py']
