from .hc_encoder_decoder import HCEncoderDecoder
from .joint_superpixel_segmentor import JointSuperpixelSegmentor, SuperpixelNetSegmentor
from .semantic_feature_segmentor import SemanticFeatureEncoderDecoder

__all__ = ['HCEncoderDecoder', 'SemanticFeatureEncoderDecoder',
           'JointSuperpixelSegmentor', 'SuperpixelNetSegmentor']
