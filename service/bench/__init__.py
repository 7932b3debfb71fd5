"""``python -m service.bench`` (``make bench``): the serving benchmark of issue 6.

Measures the gateway end to end over loopback HTTP in three modes — ``inprocess`` (ONNX
Runtime inside the gateway), ``triton_unbatched`` and ``triton_dynamic`` (embedded Triton
without/with dynamic batching) — plus ``gateway_only`` (zero-cost inference: the gateway's
own ceiling), the raw model alone and the de-identifier alone, and writes
``bench/results/latest.{json,md,png}`` and a dated JSON copy. See ``bench/README.md``.
"""
