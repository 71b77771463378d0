# segplug's runtime: MMSegmentation's, plus the plugin import, segplug's safety hooks, a
# TensorBoard backend that is used when tensorboard is installed, and a DDP wrapper that
# also runs on CPU processes (gloo). This file is the one place of this policy: MMSegmentation's
# own tools/train.py and segplug's give the same run (segplug.engine.adapt_cfg only adapts
# the distributed backend to a machine without a GPU).
# The checkpoint hook (SafeCheckpointHook: atomic saves, no non-finite model saved) sits in
# default_hooks, which the schedules define: every schedule of configs/ names it, since a
# key here and in a sibling base would be a duplicate for MMEngine.
_base_ = ['mmseg::_base_/default_runtime.py']
custom_imports = dict(imports=['segplug'], allow_failed_imports=False)
vis_backends = [dict(type='LocalVisBackend'), dict(type='OptionalTensorboardVisBackend')]
visualizer = dict(type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
# MMEngine's runner looks wrappers up in its root registry: the scope prefix finds ours.
# With a model_wrapper_cfg MMEngine ignores a top-level find_unused_parameters: DDP settings
# go here (broadcast_buffers=False is what MMEngine passes without a wrapper config), and
# segplug.engine.adapt_cfg refuses the top-level key instead of dropping it.
model_wrapper_cfg = dict(
    type='mmseg.SegDistributedDataParallel', find_unused_parameters=False, broadcast_buffers=False
)
custom_hooks = [
    dict(type='DataCheckHook'),  # every file opened before the first iteration
    dict(type='NaNGuardHook'),  # stop on NaN/Inf loss, name the checkpoint before it grew
    dict(type='EvalProgressHook'),  # progress bar over val/test sets
    dict(type='RandomStateHook'),  # exact resume; validation leaves training's RNG as it was
]
