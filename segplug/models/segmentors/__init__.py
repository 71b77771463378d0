from .feature_segmentor import FeatureEncoderDecoder
from .hc_encoder_decoder import HCEncoderDecoder
from .joint_superpixel_segmentor import JointSuperpixelSegmentor, SuperpixelNetSegmentor

__all__ = ['HCEncoderDecoder', 'FeatureEncoderDecoder',
           'JointSuperpixelSegmentor', 'SuperpixelNetSegmentor']
