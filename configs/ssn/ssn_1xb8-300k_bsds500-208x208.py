# SSN on BSDS500, the HC paper's schedule (Sec. 4.3): see _ssn_bsds500.py.
_base_ = ['./_ssn_bsds500.py']
