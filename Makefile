# cds-sentiment — the two commands users need are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8080
# Installs are skipped when pyproject.toml has not changed since the last one.
STAMP_RUN  := $(VENV)/.installed-run
STAMP_DEV  := $(VENV)/.installed-dev

.PHONY: help run test lint typecheck train-model bench bench-quick deid-eval clean

help:
	@echo "make run          start the embedded Triton + gateway on http://127.0.0.1:$(PORT) (PORT=N for another port)"
	@echo "make test         create .venv, install, run the whole suite"
	@echo "make lint         ruff + mypy"
	@echo "make train-model  rebuild the bundled model from all-MiniLM-L6-v2 + SST-2 (../shared/data/sst2)"
	@echo "make bench        benchmark inprocess / triton_unbatched / triton_dynamic (BENCH_QUICK=1 for a short run)"
	@echo "make deid-eval    de-identification recall / keep-rate / throughput on the annotated corpus"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,train]'
	@touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	@echo "WARNING: local demo mode: authentication is OFF (CDS_ALLOW_UNAUTHENTICATED=true)." >&2
	@echo "         Configure CDS_TRUSTED_ISSUERS / CDS_SMART_ISSUERS and CDS_SECRET_KEY for real use." >&2
	CDS_ALLOW_UNAUTHENTICATED=$${CDS_ALLOW_UNAUTHENTICATED:-true} PORT=$(PORT) exec $(BIN)/cds-service serve

test: $(STAMP_DEV) lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP_DEV)
	$(BIN)/ruff check service tests
	$(BIN)/ruff format --check service tests
	$(BIN)/mypy

train-model: $(STAMP_DEV)
	$(BIN)/python -m service.training.pipeline

bench: $(STAMP_DEV)
	$(BIN)/python -m service.bench

deid-eval: $(STAMP_RUN)
	$(BIN)/cds-service deid-eval

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info cds_audit.db
