from .sce_vit import SCEViT, cls_patch_attention, stage1_encoder_state_dict

__all__ = ['SCEViT', 'cls_patch_attention', 'stage1_encoder_state_dict']
