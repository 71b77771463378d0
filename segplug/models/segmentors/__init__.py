from .feature_segmentor import FeatureEncoderDecoder
from .hc_encoder_decoder import HCEncoderDecoder

__all__ = ['HCEncoderDecoder', 'FeatureEncoderDecoder']
