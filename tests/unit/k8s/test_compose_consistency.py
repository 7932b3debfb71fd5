"""compose.yaml (the laptop stack) agrees with the Kubernetes manifests.

Same images and tags, same Triton flags and ports, gateway environment made of ``Settings``
names with values ``Settings`` accepts, nothing published beyond 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

Render = Callable[[str], list[dict[str, Any]]]


def _images(objs: list[dict[str, Any]]) -> set[str]:
    out = set()
    for obj in objs:
        if obj["kind"] == "Deployment":
            pod = obj["spec"]["template"]["spec"]
            out.update(c["image"] for c in [*pod.get("initContainers", []), *pod["containers"]])
    return out


def _triton_container(objs: list[dict[str, Any]]) -> dict[str, Any]:
    deployment = next(
        o for o in objs if o["kind"] == "Deployment" and o["metadata"]["name"] == "triton"
    )
    return deployment["spec"]["template"]["spec"]["containers"][0]


def test_compose_services_and_pinned_images(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"gateway", "triton", "postgres"} <= set(services)
    for name, service in services.items():
        image = service["image"]
        last = image.rsplit("/", 1)[-1]
        assert ":" in last and not last.endswith(":latest"), f"{name}: {image} not pinned"


def test_compose_uses_the_manifests_images(compose: dict[str, Any], render: Render) -> None:
    manifest_images = _images(render("dev")) | _images(render("gpu"))
    services = compose["services"]
    assert services["gateway"]["image"] in manifest_images
    assert services["triton"]["image"] in manifest_images
    assert services["gateway"]["build"]["dockerfile"] == "Dockerfile"


def test_compose_gateway_env_is_settings_names_and_values(
    compose: dict[str, Any],
    settings_names: set[str],
    settings_from_env: Callable[[dict[str, str]], Any],
) -> None:
    env = {k: str(v) for k, v in compose["services"]["gateway"]["environment"].items()}
    assert set(env) - settings_names == set()
    settings = settings_from_env(env)
    assert settings.host == "0.0.0.0"
    assert settings.inference_backend == "triton"
    assert settings.database_url.startswith("postgresql+psycopg://")
    # The database URL points at the compose PostgreSQL with its credentials.
    pg = compose["services"]["postgres"]["environment"]
    assert f"{pg['POSTGRES_USER']}:{pg['POSTGRES_PASSWORD']}@postgres:5432/{pg['POSTGRES_DB']}" in (
        settings.database_url
    )
    ports = compose["services"]["gateway"]["ports"]
    assert f"127.0.0.1:{settings.port}:{settings.port}" in ports
    volumes = compose["services"]["gateway"]["volumes"]
    assert f"./model_repository:{settings.model_repository}:ro" in volumes


@pytest.mark.parametrize("overlay", ["dev", "gpu"])
def test_compose_triton_matches_the_manifest_flags(
    compose: dict[str, Any], render: Render, overlay: str
) -> None:
    triton = compose["services"]["triton"]
    command = triton["command"]
    manifest = _triton_container(render(overlay))
    shared = [
        a
        for a in manifest["args"]
        if a.split("=")[0]
        in {
            "--model-repository",
            "--model-control-mode",
            "--load-model",
            "--grpc-port",
            "--http-port",
            "--metrics-port",
        }
    ]
    assert shared and all(a in command for a in shared), shared
    assert "--model-config-name=cpu-onnxruntime" in command  # laptops have no NVIDIA GPU
    gateway_env = compose["services"]["gateway"]["environment"]
    host, _, port = gateway_env["TRITON_URL"].rpartition(":")
    assert host == "triton" and f"--grpc-port={port}" in command
    depends = compose["services"]["gateway"]["depends_on"]
    assert depends["triton"]["condition"] == "service_healthy"
    assert "/v2/health/ready" in " ".join(triton["healthcheck"]["test"])


def test_compose_binds_published_ports_to_loopback(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on all interfaces"


def test_compose_runs_gateway_and_triton_unprivileged(compose: dict[str, Any]) -> None:
    for name in ("gateway", "triton"):
        service = compose["services"][name]
        uid = str(service["user"]).split(":")[0]
        assert uid.isdigit() and int(uid) != 0, name
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name
    assert compose["services"]["gateway"]["read_only"] is True
