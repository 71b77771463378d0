from .feature_segmentor import FeatureEncoderDecoder
from .hc_encoder_decoder import HCEncoderDecoder
from .joint_superpixel_segmentor import JointSuperpixelSegmentor, SuperpixelNetSegmentor
from .upsampler_encoder_decoder import UpsamplerEncoderDecoder

__all__ = ['UpsamplerEncoderDecoder', 'HCEncoderDecoder', 'FeatureEncoderDecoder',
           'JointSuperpixelSegmentor', 'SuperpixelNetSegmentor']
