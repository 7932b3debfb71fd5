# syntax=docker/dockerfile:1.7
# The CDS gateway image: `docker build -t ghcr.io/cds-sentiment/gateway:0.1.0 .`
# Two stages: the builder turns the project and every dependency into wheels; the runtime
# stage installs only those wheels, so no compiler, pip cache or source tree ships.

ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

# ---- builder ------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
# Metadata first so the dependency wheels stay cached while only the code changes.
COPY pyproject.toml README.md ./
COPY service ./service
RUN pip wheel --wheel-dir /wheels .

# ---- runtime ------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CDS_HOST=0.0.0.0 \
    PORT=8080 \
    CDS_MODEL_REPOSITORY=/models

RUN groupadd --system --gid 10001 cds \
    && useradd --system --uid 10001 --gid cds --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin cds

# The wheels are bind-mounted from the builder, never copied into a layer.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels /wheels/cds_sentiment-*.whl

# A default model repository so the image also runs on its own (embedded Triton or
# INFERENCE_BACKEND=inprocess). On Kubernetes the pod mounts the versioned model-repository
# image's copy over /models instead.
COPY --chown=0:0 model_repository /models

USER 10001:10001
WORKDIR /tmp
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8080'), timeout=4)" || exit 1

# `cds-service serve`: starts uvicorn; with TRITON_URL set it uses that Triton, without it the
# embedded one. SIGTERM drains in-flight requests (uvicorn's graceful shutdown).
ENTRYPOINT ["cds-service"]
CMD ["serve"]
