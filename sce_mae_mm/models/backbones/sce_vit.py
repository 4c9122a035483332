"""SCEViT: the MAE-pretrained DeiT backbone that SCE-MAE reads after stage 1.

A thin wrapper around mmpretrain's ``VisionTransformer`` (DeiT-T/S/B sizes,
patch 8, 96-px input, a 12 x 12 token grid). It adds what stage 2 and the
evaluations need without forking the ViT:

* the last-layer patch-token map, optionally densified by cover-and-stride;
* the patch tokens of one block (``layer_index``, 0-based; default 2, the
  output of the third block, paper Table S4);
* that block's CLS-to-patch attention averaged over heads (paper Eq. 1),
  recomputed from the block's own q and k, which a forward hook reads off
  the qkv projection (mmpretrain's attention keeps no weights).

Inputs of size ``img_size + 2c`` are a crop plus ``c`` pixels of real context
on each side (``DVEFaceCrop(context=c)``): the plain forward reads the centre
crop, cover-and-stride reads the context pixels.
"""
from typing import Callable, Dict, List, Optional, Tuple

import torch
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from mmpretrain.models import VisionTransformer
from torch import Tensor

from ...checkpoint import (CheckpointError, check_checkpoint_fits,
                           checkpoint_state_dict, read_checkpoint)
from ...dtypes import to_parameter_dtype
from ..utils.cover_and_stride import cover_and_stride
from ..utils.freeze import freeze_module

__all__ = ['SCEViT', 'cls_patch_attention', 'stage1_encoder_state_dict']

#: key revisions of an encoder inside a checkpoint: DDP's ``module.``, and
#: the ``vit.`` of an SCEViT inside a stage-2 (or later) model
ENCODER_KEYS = ((r'^module\.', ''), (r'^backbone\.vit\.', 'backbone.'))


def cls_patch_attention(qkv: Tensor, num_heads: int) -> Tensor:
    """Head-averaged CLS-to-patch attention from a block's qkv output.

    ``Sim_cls = softmax(K_patch . q_cls / sqrt(d))`` per head (paper Eq. 1),
    the CLS query against the patch keys only, then the mean over heads.

    Args:
        qkv: (B, 1 + N, 3 * C) output of the block's qkv projection, token 0
            the class token.
        num_heads: number of attention heads (d = C / num_heads).

    Returns:
        Tensor: (B, N), each row sums to 1.
    """
    batch, length, width = qkv.shape
    head_dims = width // (3 * num_heads)
    qkv = qkv.reshape(batch, length, 3, num_heads, head_dims)
    q_cls = qkv[:, 0, 0]  # (B, heads, d)
    k_patch = qkv[:, 1:, 1]  # (B, N, heads, d)
    logits = torch.einsum('bhd,bnhd->bhn', q_cls, k_patch) * head_dims**-0.5
    return logits.float().softmax(dim=-1).mean(dim=1).to(qkv.dtype)


def stage1_encoder_state_dict(checkpoint: dict) -> Dict[str, Tensor]:
    """The encoder weights of a stage-1 (or later) runner checkpoint.

    Takes the ``backbone.`` keys of ``checkpoint['state_dict']`` (or of the
    checkpoint itself when it is a bare state dict) and strips the prefix;
    a further ``vit.`` prefix (an SCEViT inside a later-stage model) is
    stripped too (:func:`~sce_mae_mm.checkpoint.checkpoint_state_dict`).

    Returns:
        dict: parameter name -> tensor, names as in ``VisionTransformer``.
    """
    return dict(checkpoint_state_dict(checkpoint, ENCODER_KEYS, 'backbone.'))


@MODELS.register_module()
class SCEViT(BaseModule):
    """DeiT backbone with CLS attention and cover-and-stride (SCE-MAE).

    Args:
        arch: mmpretrain ViT arch, ``'deit-t'``, ``'deit-s'`` or
            ``'deit-b'`` (mmpretrain's ``'small'`` is a different model).
        patch_size: P, pixels per token side. Defaults to 8.
        img_size: side of the face crop. Defaults to 96 (a 12 x 12 grid).
        layer_index: 0-based block whose tokens and CLS attention
            ``forward_tokens`` returns. Defaults to 2.
        stride: output stride of ``forward``; < P densifies the last map by
            cover-and-stride (must divide P). Defaults to 8.
        frozen: no gradients and always in eval mode. Defaults to True.
        checkpoint: path (or URL) of a runner checkpoint whose
            ``backbone.`` keys hold the encoder (stage 1: mmpretrain MAE).
        chunk_size: most images per ViT call in cover-and-stride.
        vit_cfg: extra keyword arguments of ``VisionTransformer``.
        init_cfg: mmengine init config (ignored when ``checkpoint`` is set).
    """

    def __init__(self,
                 arch: str = 'deit-s',
                 patch_size: int = 8,
                 img_size: int = 96,
                 layer_index: int = 2,
                 stride: int = 8,
                 frozen: bool = True,
                 checkpoint: Optional[str] = None,
                 chunk_size: Optional[int] = None,
                 vit_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if img_size % patch_size != 0:
            raise ValueError(f'SCEViT: img_size {img_size} must be a '
                             f'multiple of patch_size {patch_size}')
        if patch_size % stride != 0:
            raise ValueError(f'SCEViT: stride {stride} must divide '
                             f'patch_size {patch_size}')
        self.vit = VisionTransformer(
            arch=arch,
            img_size=img_size,
            patch_size=patch_size,
            out_indices=[-1],
            out_type='featmap',
            with_cls_token=True,
            final_norm=True,
            **(vit_cfg or {}))
        self.layer_index = self.check_layer_index(layer_index)
        self.arch = arch
        self.patch_size = patch_size
        self.img_size = img_size
        self.stride = stride
        self.frozen = frozen
        self.checkpoint = checkpoint
        self.chunk_size = chunk_size
        self.embed_dims = self.vit.embed_dims
        self.num_heads = self.vit.arch_settings['num_heads']
        if checkpoint is not None:
            self.load_stage1(checkpoint)
        if frozen:
            freeze_module(self)

    # ----------------------------------------------------------- weights
    def load_stage1(self, checkpoint: str) -> List[str]:
        """Load the encoder from a runner checkpoint's ``backbone.`` keys.

        Read, checked and reported by ``sce_mae_mm/checkpoint.py``'s
        loaders (every message names the file).

        Raises:
            CheckpointError: the file cannot be read, an encoder weight is
                missing or has another shape (another arch).

        Returns:
            list[str]: the unexpected (ignored) checkpoint keys.
        """
        ckpt = read_checkpoint(checkpoint, map_location='cpu')
        state = stage1_encoder_state_dict(ckpt)
        if not state:
            raise CheckpointError(
                f'checkpoint {checkpoint} holds no "backbone." keys; '
                'expected a stage-1 runner checkpoint (mmpretrain MAE) for '
                'SCEViT(checkpoint=...)')
        check_checkpoint_fits(
            self.vit, state, checkpoint,
            where=(f'SCEViT (arch {self.arch!r}, patch {self.patch_size}, '
                   f'img_size {self.img_size})'))
        result = self.vit.load_state_dict(state, strict=False)
        logger = MMLogger.get_current_instance()
        if result.unexpected_keys:
            logger.warning(f'SCEViT: ignored checkpoint keys (not in the '
                           f'encoder): {result.unexpected_keys}')
        logger.info(f'SCEViT: loaded {len(state)} encoder tensors from '
                    f'{checkpoint}')
        self._is_init = True
        return list(result.unexpected_keys)

    def init_weights(self) -> None:
        """Random init unless a stage-1 checkpoint was loaded."""
        if self.checkpoint is not None:
            self._is_init = True
            return
        super().init_weights()

    def train(self, mode: bool = True) -> 'SCEViT':
        """Set the mode; a frozen backbone always stays in eval mode."""
        return super().train(mode and not self.frozen)

    # ----------------------------------------------------------- inputs
    def _context(self, x: Tensor) -> int:
        """Context margin c of an input (B, 3, 96 + 2c, 96 + 2c)."""
        height, width = x.shape[-2:]
        extra = height - self.img_size
        if (x.dim() != 4 or height != width or extra < 0 or extra % 2):
            raise ValueError(
                f'SCEViT expects images (B, 3, S, S) with '
                f'S = {self.img_size} + 2 * context, got {tuple(x.shape)}')
        return extra // 2

    def _centre(self, x: Tensor) -> Tensor:
        """(B, 3, 96 + 2c, 96 + 2c) -> the centre crop (B, 3, 96, 96)."""
        margin = self._context(x)
        if margin == 0:
            return x
        return x[..., margin:margin + self.img_size,
                 margin:margin + self.img_size]

    # ----------------------------------------------------------- outputs
    def last_map(self, x: Tensor) -> Tensor:
        """Last-layer patch-token map of crops (B, 3, 96, 96).

        Returns:
            Tensor: (B, C, 96/P, 96/P), after the final LayerNorm.
        """
        return self.vit(x)[-1]

    def dense_map(self, x: Tensor, stride: Optional[int] = None,
                  fn: Optional[Callable[[Tensor], Tensor]] = None) -> Tensor:
        """Last-layer map (or ``fn``'s map) at ``stride`` by
        cover-and-stride.

        Args:
            x: (B, 3, 96 + 2c, 96 + 2c); the c context pixels are read by
                shifted windows (c = 0: reflect padding).
            stride: output stride (divides P); defaults to ``self.stride``.
            fn: maps crops (n, 3, 96, 96) to (n, C', 96/P, 96/P); default
                :meth:`last_map`.

        Returns:
            Tensor: (B, C, 96/stride, 96/stride).
        """
        stride = self.stride if stride is None else stride
        margin = self._context(x)
        return cover_and_stride(
            self.last_map if fn is None else fn,
            x,
            self.patch_size,
            stride,
            margin=margin,
            chunk_size=self.chunk_size)

    def forward(self, x: Tensor) -> Tuple[Tensor]:
        """mmpose backbone output.

        Args:
            x: (B, 3, 96 + 2c, 96 + 2c) normalised images, any floating
                dtype (cast to the weights' dtype).

        Returns:
            tuple[Tensor]: ``((B, C, 96/stride, 96/stride),)``.
        """
        x = to_parameter_dtype(x, self, 'x', 'SCEViT.forward')
        if self.stride == self.patch_size:
            return (self.last_map(self._centre(x)), )
        return (self.dense_map(x), )

    def check_layer_index(self, index: int,
                          name: str = 'layer_index') -> int:
        """``index`` if it names a block (0-based), else a ValueError
        naming the argument ``name`` and the valid range."""
        num_layers = len(self.vit.layers)
        if not 0 <= index < num_layers:
            raise ValueError(f'SCEViT: {name} must lie in [0, '
                             f'{num_layers - 1}], got {index}')
        return int(index)

    def forward_tokens(self, x: Tensor,
                       attention_layer_index: Optional[int] = None
                       ) -> Dict[str, Tensor]:
        """Everything stage 2 reads, from one plain pass over the crop.

        The one entry point to the blocks' tokens and CLS attention: hooks
        on block ``layer_index`` (its output tokens) and on the qkv
        projection of the attention block (its CLS-to-patch attention,
        :func:`cls_patch_attention`).

        Args:
            x: (B, 3, 96 + 2c, 96 + 2c) normalised images (centre used).
            attention_layer_index: 0-based block whose CLS attention is
                returned; None: ``layer_index``.

        Returns:
            dict: ``last`` (B, C, 12, 12) last-layer map; ``layer_tokens``
            (B, N, C) patch tokens output by block ``layer_index``;
            ``cls_attn`` (B, N) head-averaged CLS-to-patch attention of
            the attention block (rows sum to 1).
        """
        x = to_parameter_dtype(x, self, 'x', 'SCEViT.forward_tokens')
        attn_index = self.layer_index if attention_layer_index is None else (
            self.check_layer_index(attention_layer_index,
                                   'attention_layer_index'))
        store: Dict[str, Tensor] = {}

        def keep(name: str):

            def hook(module, args, output):
                store[name] = output

            return hook

        handles = [
            self.vit.layers[attn_index].attn.qkv.register_forward_hook(
                keep('qkv')),
            self.vit.layers[self.layer_index].register_forward_hook(
                keep('tokens'))
        ]
        try:
            last = self.last_map(self._centre(x))
        finally:
            for handle in handles:
                handle.remove()
        return dict(
            last=last,
            layer_tokens=store['tokens'][:, 1:],
            cls_attn=cls_patch_attention(store['qkv'], self.num_heads))
