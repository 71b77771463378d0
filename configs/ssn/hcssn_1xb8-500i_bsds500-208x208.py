# HCSSN on BSDS500, CPU-sized: ssn_1xb8-500i with HCSSNPixelFeatures.
_base_ = ['./ssn_1xb8-500i_bsds500-208x208.py']
model = dict(feature_net=dict(type='HCSSNPixelFeatures', cluster_dim=64, tau=0.07))
