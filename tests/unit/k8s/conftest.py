"""Fixtures for the deployment tests: rendered kustomizations, Settings env names, file paths.

Rendering uses ``kubectl kustomize`` when kubectl is installed (what users run) and otherwise
the small pure-Python renderer in ``kustomize_lite.py``; ``CDS_K8S_RENDERER=python`` forces the
latter. When both are available a test checks they agree, so the fallback stays honest.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices

from service.config import Settings

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "k8s"

#: Every kustomization a user may render; the first three are the documented overlays.
KUSTOMIZATIONS = {
    "dev": K8S / "overlays" / "dev",
    "gpu": K8S / "overlays" / "gpu",
    "kserve": K8S / "overlays" / "kserve",
    "base": K8S / "base",
    "kserve-tier": K8S / "kserve",
    "monitoring": K8S / "monitoring",
}
OVERLAYS = ("dev", "gpu", "kserve")


def _load_renderer() -> ModuleType:
    name = "cds_tests_kustomize_lite"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, Path(__file__).with_name("kustomize_lite.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def kubectl_path() -> str | None:
    return shutil.which("kubectl")


_KUBECTL_CACHE: dict[Path, list[dict[str, Any]]] = {}


def render_with_kubectl(path: Path) -> list[dict[str, Any]]:
    """``kubectl kustomize`` output as objects (cached: the tests only read it)."""
    if path in _KUBECTL_CACHE:
        return _KUBECTL_CACHE[path]
    kubectl = kubectl_path()
    assert kubectl is not None
    proc = subprocess.run(
        [kubectl, "kustomize", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, f"kubectl kustomize {path} failed:\n{proc.stderr[-2000:]}"
    _KUBECTL_CACHE[path] = [doc for doc in yaml.safe_load_all(proc.stdout) if doc]
    return _KUBECTL_CACHE[path]


@pytest.fixture(scope="session")
def kustomize_lite() -> ModuleType:
    return _load_renderer()


@pytest.fixture(scope="session")
def renderer_name() -> str:
    if os.environ.get("CDS_K8S_RENDERER") == "python" or kubectl_path() is None:
        return "python"
    return "kubectl"


@pytest.fixture(scope="session")
def render(renderer_name: str, kustomize_lite: ModuleType) -> Callable[[str], list[dict[str, Any]]]:
    cache: dict[str, list[dict[str, Any]]] = {}

    def _render(name: str) -> list[dict[str, Any]]:
        if name not in cache:
            path = KUSTOMIZATIONS[name]
            if renderer_name == "kubectl":
                cache[name] = render_with_kubectl(path)
            else:
                cache[name] = kustomize_lite.render(path)
        return cache[name]

    return _render


def settings_env_names() -> set[str]:
    """Every environment variable name ``Settings`` reads (exact spelling, as documented)."""
    prefix = Settings.model_config.get("env_prefix", "")
    names: set[str] = set()
    for field_name, info in Settings.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(c for c in alias.choices if isinstance(c, str))
        elif isinstance(alias, str):
            names.add(alias)
        else:
            names.add(f"{prefix}{field_name}".upper())
    return names


@pytest.fixture(scope="session")
def settings_names() -> set[str]:
    names = settings_env_names()
    # Guard against a broken introspection making every check vacuous.
    assert {"CDS_HOST", "PORT", "TRITON_URL", "DATABASE_URL", "CDS_SECRET_KEY"} <= names
    return names


@pytest.fixture
def settings_from_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, str]], Settings]:
    """Build ``Settings`` from exactly the given environment (nothing from the test runner's)."""

    def _build(env: dict[str, str]) -> Settings:
        for key in list(os.environ):
            if key.upper().startswith("CDS_") or key.upper() in settings_env_names():
                monkeypatch.delenv(key, raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        return Settings()

    return _build


def load_compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="session")
def kubectl_render() -> Callable[[str], list[dict[str, Any]]]:
    """``kubectl kustomize`` on a named kustomization; skips where kubectl is not installed."""
    if kubectl_path() is None:
        pytest.skip("kubectl is not installed: the Python renderer is the only one here")
    return lambda name: render_with_kubectl(KUSTOMIZATIONS[name])
