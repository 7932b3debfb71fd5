"""Model building: convert pretrained weights, fine-tune on SST-2, export to the Triton repository.

Everything here needs the ``train`` extra (PyTorch, transformers, onnx); the running service never
imports this package.
"""
