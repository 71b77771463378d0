from .hc_encoder_decoder import HCEncoderDecoder
from .joint_superpixel_segmentor import JointSuperpixelSegmentor, SuperpixelNetSegmentor
from .semantic_feature_segmentor import SemanticFeatureEncoderDecoder
from .ssn_segmentor import SSNSegmentor
from .upsampler_encoder_decoder import UpsamplerEncoderDecoder

__all__ = [
    'HCEncoderDecoder',
    'SemanticFeatureEncoderDecoder',
    'UpsamplerEncoderDecoder',
    'JointSuperpixelSegmentor',
    'SuperpixelNetSegmentor',
    'SSNSegmentor',
]
