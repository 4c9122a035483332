"""Deployment: published checkpoints (:mod:`.publish`), ONNX export
(:mod:`.export`, :mod:`.metadata`), the onnxruntime backend of
``sce_mae_mm.apis`` (:mod:`.ort_backend`) and evaluation of a model
instance (:mod:`.evaluate`). Not imported by ``import sce_mae_mm``; onnx and
onnxruntime (the ``deploy`` extra) are imported only where used."""
