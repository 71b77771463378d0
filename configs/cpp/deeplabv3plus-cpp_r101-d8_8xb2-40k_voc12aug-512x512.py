# DeepLabV3+ (ResNet-101) with CPP pooling + KL on its auxiliary head, PASCAL VOC 2012 aug,
# hyper-parameters of SeeThroughNet supplement A.1; the baseline without CPP (auxiliary
# cross-entropy, weight 0.4) is deeplabv3plus_r101-d8_8xb2-40k_voc12aug-512x512.py (Table 2).
_base_ = ['./deeplabv3plus_r101-d8_8xb2-40k_voc12aug-512x512.py']
model = dict(
    # CPPFCNHead: MMSegmentation's FCNHead whose CPPKLLoss sees its own stride-8/16
    # output; the KL replaces the auxiliary cross-entropy (supplement A.1)
    auxiliary_head=dict(
        type='CPPFCNHead',
        num_classes=21,
        loss_decode=dict(_delete_=True, type='CPPKLLoss', loss_weight=0.6),
    ),
)
