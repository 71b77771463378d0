# HCSSN on BSDS500, the HC paper's schedule (Sec. 4.3): SSN with HC's soft clustering at
# both max-poolings and the coarse scales decoded by Eq. 3 instead of bilinear upsampling.
_base_ = ['./_ssn_bsds500.py']
model = dict(feature_net=dict(type='HCSSNPixelFeatures', cluster_dim=64, tau=0.07))
