"""Dataset converters' logic (MMSegmentation keeps the command lines in
``tools/dataset_converters/``); imported as modules, e.g. ``converters.camvid.convert``."""
