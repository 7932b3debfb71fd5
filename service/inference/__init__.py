"""Inference tier: repository metadata, tokenization/windows, backends, embedded Triton."""
