"""Policy over the rendered overlays: what a platform team's admission rules would demand.

Every container non-root with limits (and probes, for long-running ones), images pinned,
Triton never reachable from outside the cluster nor from anything but the gateway, the GPU
overlay really asks for a GPU, and the gateway's environment is exactly ``Settings``' names
with values ``Settings`` accepts.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2

OVERLAYS = ("dev", "gpu", "kserve")
TRITON_OVERLAYS = ("dev", "gpu")
GATEWAY = {"app.kubernetes.io/name": "cds-gateway"}
TRITON = {"app.kubernetes.io/name": "triton"}
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}

Render = Callable[[str], list[dict[str, Any]]]


# --- helpers ---------------------------------------------------------------------------------


def pod_specs(objs: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(owner, pod template) for every object that creates pods."""
    out = []
    for obj in objs:
        if obj["kind"] in WORKLOADS:
            out.append((obj, obj["spec"]["template"]))
        elif obj["kind"] == "CronJob":
            out.append((obj, obj["spec"]["jobTemplate"]["spec"]["template"]))
        elif obj["kind"] == "Pod":
            out.append((obj, {"metadata": obj["metadata"], "spec": obj["spec"]}))
    return out


def one(objs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def container(deployment: dict[str, Any], name: str) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    return next(c for c in containers if c["name"] == name)


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Label-selector semantics (matchLabels + matchExpressions); ``{}`` selects everything."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def image_is_pinned(image: str) -> bool:
    if "@sha256:" in image:
        return True
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return False
    tag = last.rsplit(":", 1)[1]
    return bool(tag) and tag != "latest"


def gateway_environment(objs: list[dict[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    """(plain env from the ConfigMap and literals, env name -> Secret key) of the gateway."""
    gateway = container(one(objs, "Deployment", "cds-gateway"), "gateway")
    plain: dict[str, str] = {}
    secret_refs: dict[str, str] = {}
    for source in gateway.get("envFrom", []):
        cm_name = source["configMapRef"]["name"]
        plain.update(one(objs, "ConfigMap", cm_name)["data"])
    for item in gateway.get("env", []):
        if "value" in item:
            plain[item["name"]] = str(item["value"])
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            secret_refs[item["name"]] = ref["name"]
    return plain, secret_refs


# --- containers ------------------------------------------------------------------------------


def _effective(pod: dict[str, Any], ctr: dict[str, Any], key: str) -> Any:
    ctx = ctr.get("securityContext") or {}
    if key in ctx:
        return ctx[key]
    return (pod.get("securityContext") or {}).get(key)


@pytest.mark.parametrize("name", OVERLAYS)
def test_every_container_is_non_root_locked_down_and_limited(render: Render, name: str) -> None:
    specs = pod_specs(render(name))
    assert specs, f"{name}: no workloads"
    for owner, template in specs:
        pod = template["spec"]
        where = f"{name}: {owner['kind']}/{owner['metadata']['name']}"
        assert not pod.get("hostNetwork") and not pod.get("hostPID") and not pod.get("hostIPC")
        assert pod.get("automountServiceAccountToken") is False, where
        seccomp = (pod.get("securityContext") or {}).get("seccompProfile", {}).get("type")
        all_containers = [*pod.get("initContainers", []), *pod["containers"]]
        for ctr in all_containers:
            label = f"{where} container {ctr['name']}"
            assert _effective(pod, ctr, "runAsNonRoot") is True, label
            assert _effective(pod, ctr, "runAsUser") not in (None, 0), label
            ctx = ctr.get("securityContext") or {}
            assert ctx.get("allowPrivilegeEscalation") is False, label
            assert ctx.get("readOnlyRootFilesystem") is True, label
            assert ctx.get("capabilities", {}).get("drop") == ["ALL"], label
            assert not ctx.get("capabilities", {}).get("add"), label
            assert not ctx.get("privileged"), label
            assert (ctx.get("seccompProfile", {}).get("type") or seccomp) == "RuntimeDefault"
            resources = ctr.get("resources") or {}
            for section in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(section, {})), f"{label} {section}"
            for port in ctr.get("ports", []):
                assert "hostPort" not in port, label
        for ctr in pod["containers"]:
            label = f"{where} container {ctr['name']}"
            assert "livenessProbe" in ctr and "readinessProbe" in ctr, label


@pytest.mark.parametrize("name", OVERLAYS)
def test_every_image_is_pinned_to_a_tag_or_digest(render: Render, name: str) -> None:
    images = []
    for _, template in pod_specs(render(name)):
        pod = template["spec"]
        images += [c["image"] for c in [*pod.get("initContainers", []), *pod["containers"]]]
    assert images
    for image in images:
        assert image_is_pinned(image), f"{name}: {image} is not pinned"


def test_pin_check_refuses_latest_and_untagged() -> None:
    assert not image_is_pinned("nvcr.io/nvidia/tritonserver")
    assert not image_is_pinned("nvcr.io/nvidia/tritonserver:latest")
    assert not image_is_pinned("localhost:5000/gateway")
    assert image_is_pinned("localhost:5000/gateway:0.1.0")
    assert image_is_pinned("busybox@sha256:" + "0" * 64)


@pytest.mark.parametrize("name", OVERLAYS)
def test_our_images_are_the_release_tags(render: Render, name: str) -> None:
    images = {
        c["image"]
        for _, t in pod_specs(render(name))
        for c in [*t["spec"].get("initContainers", []), *t["spec"]["containers"]]
    }
    assert "ghcr.io/cds-sentiment/gateway:0.1.0" in images
    assert "ghcr.io/cds-sentiment/model-repository:0.1.0" in images


# --- gateway ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", OVERLAYS)
def test_gateway_env_names_are_settings_fields(
    render: Render, settings_names: set[str], name: str
) -> None:
    plain, secret_refs = gateway_environment(render(name))
    used = set(plain) | set(secret_refs)
    assert used - settings_names == set(), f"{name}: not Settings env names"
    # Secrets only through Secret references, never in the ConfigMap.
    for secret in ("CDS_SECRET_KEY", "DATABASE_URL", "CDS_TRUSTED_ISSUERS", "CDS_SMART_ISSUERS"):
        assert secret in secret_refs and secret not in plain, f"{name}: {secret}"


def test_settings_name_check_would_catch_a_typo(settings_names: set[str]) -> None:
    assert "CDS_TRITON_URL" in settings_names  # the prefixed alias is accepted too
    assert "CDS_MODEL_REPO" not in settings_names
    assert "TRITON_SERVER_URL" not in settings_names


def _secret_values(objs: list[dict[str, Any]], refs: dict[str, str]) -> dict[str, str]:
    """Values for the Secret-backed variables: the generated Secret where the overlay has one,
    else placeholders of the documented shape (the real Secret is created by the operator)."""
    placeholders = {
        "CDS_SECRET_KEY": "x" * 32,
        "DATABASE_URL": "postgresql+psycopg://cds:pw@postgres.example:5432/cds",
        "CDS_TRUSTED_ISSUERS": '{"https://ehr.example/": "https://ehr.example/jwks.json"}',
    }
    values: dict[str, str] = {}
    for env_name, secret_name in refs.items():
        secret = next(
            (o for o in objs if o["kind"] == "Secret" and o["metadata"]["name"] == secret_name),
            None,
        )
        if secret is None:
            if env_name in placeholders:
                values[env_name] = placeholders[env_name]
        elif env_name in secret.get("data", {}):
            values[env_name] = base64.b64decode(secret["data"][env_name]).decode()
    return values


@pytest.mark.parametrize("name", OVERLAYS)
def test_gateway_environment_is_accepted_by_settings(
    render: Render, settings_from_env: Callable[[dict[str, str]], Any], name: str
) -> None:
    objs = render(name)
    plain, refs = gateway_environment(objs)
    settings = settings_from_env({**plain, **_secret_values(objs, refs)})
    deployment = one(objs, "Deployment", "cds-gateway")
    gateway = container(deployment, "gateway")
    # Listens on all interfaces, on the port the container, probes and Service use.
    assert settings.host == "0.0.0.0"
    http_port = next(p for p in gateway["ports"] if p["name"] == "http")
    assert settings.port == http_port["containerPort"]
    service = one(objs, "Service", "cds-gateway")
    assert service["spec"]["type"] == "ClusterIP"
    assert all(p["targetPort"] in ("http", settings.port) for p in service["spec"]["ports"])
    assert settings.inference_backend == "triton"
    assert settings.triton_url
    # The model repository the gateway reads is the read-only mount from the init container.
    mounts = {m["mountPath"]: m for m in gateway["volumeMounts"]}
    mount = mounts[str(settings.model_repository)]
    assert mount.get("readOnly") is True
    init = deployment["spec"]["template"]["spec"]["initContainers"]
    assert any(m["name"] == mount["name"] for c in init for m in c["volumeMounts"])
    if name == "dev":
        assert settings.allow_unauthenticated is True
    else:
        assert settings.allow_unauthenticated is False
        assert settings.public_base_url.startswith("https://")


@pytest.mark.parametrize("name", OVERLAYS)
def test_triton_url_points_at_the_inference_tier(render: Render, name: str) -> None:
    objs = render(name)
    plain, _ = gateway_environment(objs)
    host, _, port = plain["TRITON_URL"].rpartition(":")
    if name == "kserve":
        isvc = one(objs, "InferenceService", "distilbert-sentiment")
        assert host == f"{isvc['metadata']['name']}-predictor"
        assert port == "80"
        grpc = isvc["spec"]["predictor"]["model"]["ports"][0]
        assert grpc["name"] == "h2c"
        return
    service = one(objs, "Service", host)
    grpc = next(p for p in service["spec"]["ports"] if p["name"] == "grpc")
    assert int(port) == grpc["port"]
    triton = container(one(objs, "Deployment", "triton"), "triton")
    assert f"--grpc-port={grpc['port']}" in triton["args"] or grpc["targetPort"] == "grpc"
    assert selects({"matchLabels": service["spec"]["selector"]}, TRITON)


@pytest.mark.parametrize("name", OVERLAYS)
def test_gateway_rolls_without_unavailability_and_drains(render: Render, name: str) -> None:
    objs = render(name)
    deployment = one(objs, "Deployment", "cds-gateway")
    spec = deployment["spec"]
    assert spec["strategy"]["type"] == "RollingUpdate"
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    pod = spec["template"]["spec"]
    gateway = container(deployment, "gateway")
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/readyz"
    sleep = gateway["lifecycle"]["preStop"]["exec"]["command"]
    assert sleep[0] == "sleep"
    assert pod["terminationGracePeriodSeconds"] > int(sleep[1])
    tmp = {m["mountPath"] for m in gateway["volumeMounts"]}
    assert "/tmp" in tmp  # writable scratch despite the read-only root filesystem
    if name == "dev":
        assert spec["replicas"] == 1
        assert not [
            o for o in objs if o["kind"] in ("HorizontalPodAutoscaler", "PodDisruptionBudget")
        ]
        return
    assert spec["replicas"] >= 2
    hpa = one(objs, "HorizontalPodAutoscaler", "cds-gateway")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "cds-gateway"
    assert hpa["spec"]["minReplicas"] >= 2
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    pdb = one(objs, "PodDisruptionBudget", "cds-gateway")
    assert selects(pdb["spec"]["selector"], spec["template"]["metadata"]["labels"])


# --- Triton ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TRITON_OVERLAYS)
def test_triton_runs_explicit_model_control_with_health_and_metrics(
    render: Render, name: str
) -> None:
    objs = render(name)
    deployment = one(objs, "Deployment", "triton")
    triton = container(deployment, "triton")
    args = triton["args"]
    assert "--model-control-mode=explicit" in args
    assert "--load-model=distilbert_sentiment" in args
    assert triton["readinessProbe"]["httpGet"]["path"] == "/v2/health/ready"
    ports = {p["name"]: p["containerPort"] for p in triton["ports"]}
    assert ports == {"http": 8000, "grpc": 8001, "metrics": 8002}
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert int(annotations["prometheus.io/port"]) == ports["metrics"]
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    # The repository Triton serves is the one the init container copied from the image.
    mounts = {m["name"]: m["mountPath"] for m in triton["volumeMounts"]}
    assert "--model-repository=" + mounts["model-repository"] in args


def _config_name(triton: dict[str, Any]) -> str:
    env = {e["name"]: e.get("value") for e in triton.get("env", [])}
    arg = next(a for a in triton["args"] if a.startswith("--model-config-name="))
    value = arg.split("=", 1)[1]
    match = re.fullmatch(r"\$\((\w+)\)", value)
    return env[match.group(1)] if match else value


def test_gpu_overlay_puts_triton_on_a_gpu(render: Render) -> None:
    objs = render("gpu")
    deployment = one(objs, "Deployment", "triton")
    triton = container(deployment, "triton")
    assert int(triton["resources"]["limits"]["nvidia.com/gpu"]) >= 1
    pod = deployment["spec"]["template"]["spec"]
    assert pod["nodeSelector"].get("nvidia.com/gpu.present") == "true"
    assert any(t["key"] == "nvidia.com/gpu" for t in pod["tolerations"])
    assert _config_name(triton) == "gpu"
    # The gateway stays off GPUs.
    gateway = container(one(objs, "Deployment", "cds-gateway"), "gateway")
    assert "nvidia.com/gpu" not in gateway["resources"].get("limits", {})


def test_dev_overlay_runs_triton_on_the_cpu(render: Render) -> None:
    triton = container(one(render("dev"), "Deployment", "triton"), "triton")
    assert "nvidia.com/gpu" not in triton["resources"]["limits"]
    assert _config_name(triton) == "cpu-onnxruntime"


@pytest.mark.parametrize(("overlay", "kind"), [("dev", "KIND_CPU"), ("gpu", "KIND_GPU")])
def test_triton_model_config_name_exists_in_the_model_repository(
    render: Render, repo_root: Path, overlay: str, kind: str
) -> None:
    """--model-config-name falls back to config.pbtxt (python backend, absent from the NVIDIA
    image's defaults) when configs/<name>.pbtxt is missing: make sure it is there."""
    triton = container(one(render(overlay), "Deployment", "triton"), "triton")
    model = next(a for a in triton["args"] if a.startswith("--load-model=")).split("=", 1)[1]
    path = repo_root / "model_repository" / model / "configs" / f"{_config_name(triton)}.pbtxt"
    assert path.is_file(), f"{overlay}: {path} is missing"
    config = text_format.Parse(path.read_text(encoding="utf-8"), model_config_pb2.ModelConfig())
    assert config.name == model
    assert config.backend == "onnxruntime"  # the NVIDIA image's backend; no python deps needed
    groups = [model_config_pb2.ModelInstanceGroup.Kind.Name(g.kind) for g in config.instance_group]
    assert groups == [kind]


def test_kserve_overlay_replaces_triton_with_an_inference_service(render: Render) -> None:
    objs = render("kserve")
    assert not [
        o for o in objs if o["metadata"]["name"] == "triton" and o["kind"] != "ServiceAccount"
    ]
    isvc = one(objs, "InferenceService", "distilbert-sentiment")
    model = isvc["spec"]["predictor"]["model"]
    assert int(model["resources"]["limits"]["nvidia.com/gpu"]) >= 1
    assert "--model-control-mode=explicit" in model["args"]
    assert "--load-model=distilbert_sentiment" in model["args"]
    # Same Triton release as the Triton Deployment of the other overlays.
    triton_image = container(one(render("gpu"), "Deployment", "triton"), "triton")["image"]
    assert triton_image.endswith(":" + model["runtimeVersion"])
    assert isvc["spec"]["predictor"]["serviceAccountName"] in {
        o["metadata"]["name"] for o in objs if o["kind"] == "ServiceAccount"
    }


@pytest.mark.parametrize("name", OVERLAYS)
def test_triton_is_never_exposed_outside_the_cluster(render: Render, name: str) -> None:
    objs = render(name)
    inference_labels = [
        t["metadata"]["labels"] for o, t in pod_specs(objs) if o["metadata"]["name"] == "triton"
    ] + [{"serving.kserve.io/inferenceservice": "distilbert-sentiment"}]
    triton_services = set()
    for svc in (o for o in objs if o["kind"] == "Service"):
        selector = {"matchLabels": svc["spec"].get("selector") or {}}
        if svc["spec"].get("selector") and any(selects(selector, lb) for lb in inference_labels):
            triton_services.add(svc["metadata"]["name"])
            assert svc["spec"].get("type", "ClusterIP") == "ClusterIP", svc["metadata"]["name"]
            assert not svc["spec"].get("externalIPs")
    if name in TRITON_OVERLAYS:
        assert triton_services == {"triton"}
    for ingress in (o for o in objs if o["kind"] in ("Ingress", "HTTPRoute", "GRPCRoute")):
        text = yaml.safe_dump(ingress["spec"])
        for svc_name in triton_services | {"distilbert-sentiment-predictor"}:
            assert svc_name not in text, f"{ingress['kind']} routes to {svc_name}"
    for svc in (o for o in objs if o["kind"] == "Service"):
        assert svc["spec"].get("type", "ClusterIP") == "ClusterIP", "nothing here is exposed raw"


# --- network policy --------------------------------------------------------------------------


def _policies(
    objs: list[dict[str, Any]], labels: dict[str, str], kind: str
) -> list[dict[str, Any]]:
    return [
        o
        for o in objs
        if o["kind"] == "NetworkPolicy"
        and selects(o["spec"]["podSelector"], labels)
        and kind in o["spec"].get("policyTypes", ["Ingress"])
    ]


def _allows_port(rule: dict[str, Any], port: int) -> bool:
    ports = rule.get("ports")
    return not ports or any(p.get("port") in (port, None) for p in ports)


@pytest.mark.parametrize("name", OVERLAYS)
def test_network_policy_denies_by_default(render: Render, name: str) -> None:
    objs = render(name)
    deny = [
        o
        for o in objs
        if o["kind"] == "NetworkPolicy"
        and o["spec"]["podSelector"] == {}
        and set(o["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not o["spec"].get("ingress")
        and not o["spec"].get("egress")
    ]
    assert deny, f"{name}: no default-deny NetworkPolicy"


@pytest.mark.parametrize("name", OVERLAYS)
def test_only_the_gateway_reaches_the_inference_grpc_port(render: Render, name: str) -> None:
    objs = render(name)
    if name == "kserve":
        labels, grpc = {"serving.kserve.io/inferenceservice": "distilbert-sentiment"}, 9000
    else:
        labels, grpc = TRITON, 8001
    gateway_labels = one(objs, "Deployment", "cds-gateway")["spec"]["template"]["metadata"][
        "labels"
    ]
    allowed_from_gateway = False
    for policy in _policies(objs, labels, "Ingress"):
        for rule in policy["spec"].get("ingress", []):
            if not _allows_port(rule, grpc):
                continue
            peers = rule.get("from")
            assert peers, f"{policy['metadata']['name']}: port {grpc} open to everyone"
            for peer in peers:
                assert set(peer) == {"podSelector"}, f"{policy['metadata']['name']}: {peer}"
                assert selects(peer["podSelector"], gateway_labels)
                assert not selects(peer["podSelector"], labels), "inference pods admit themselves"
            allowed_from_gateway = True
    assert allowed_from_gateway, f"{name}: the gateway cannot reach gRPC {grpc}"
    # ... and the gateway's egress allows it.
    egress_ok = any(
        _allows_port(rule, grpc)
        and any(selects(p.get("podSelector", {}), labels) for p in rule.get("to", []))
        for policy in _policies(objs, gateway_labels, "Egress")
        for rule in policy["spec"].get("egress", [])
    )
    assert egress_ok


@pytest.mark.parametrize("name", OVERLAYS)
def test_gateway_egress_covers_its_dependencies(render: Render, name: str) -> None:
    objs = render(name)
    labels = one(objs, "Deployment", "cds-gateway")["spec"]["template"]["metadata"]["labels"]
    rules = [r for p in _policies(objs, labels, "Egress") for r in p["spec"].get("egress", [])]
    for port in (53, 5432, 443):
        assert any(_allows_port(r, port) for r in rules), f"{name}: egress {port} blocked"
    ingress = [r for p in _policies(objs, labels, "Ingress") for r in p["spec"].get("ingress", [])]
    assert any(_allows_port(r, 8080) for r in ingress)


# --- autoscaling on Triton's queue time ------------------------------------------------------


def test_triton_hpa_uses_the_prometheus_adapter_metric(render: Render, repo_root: Path) -> None:
    objs = render("gpu")
    hpa = one(objs, "HorizontalPodAutoscaler", "triton")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "triton"
    (metric,) = hpa["spec"]["metrics"]
    assert metric["type"] == "Pods"
    values = yaml.safe_load(
        (repo_root / "k8s/monitoring/prometheus-adapter-values.yaml").read_text(encoding="utf-8")
    )
    rules = values["rules"]["custom"]
    rule = next(r for r in rules if r["name"]["as"] == metric["pods"]["metric"]["name"])
    query = rule["metricsQuery"]
    assert "nv_inference_queue_duration_us" in query and "nv_inference_request_success" in query
    assert (
        query.index("nv_inference_queue_duration_us")
        < query.index("/")
        < query.index("nv_inference_request_success")
    ), "queue time divided by successful requests"
    assert rule["resources"]["overrides"]["pod"]["resource"] == "pod"
    # Two Triton replicas for availability in production, each on its own GPU.
    assert one(objs, "Deployment", "triton")["spec"]["replicas"] >= 2
    assert hpa["spec"]["minReplicas"] >= 2


def test_service_monitors_target_named_service_ports(render: Render) -> None:
    services = [o for o in render("base") if o["kind"] == "Service"]
    for monitor in render("monitoring"):
        selector = monitor["spec"]["selector"]
        matched = [s for s in services if selects(selector, s["metadata"]["labels"])]
        assert matched, monitor["metadata"]["name"]
        port_names = {p["name"] for s in matched for p in s["spec"]["ports"]}
        for endpoint in monitor["spec"]["endpoints"]:
            assert endpoint["port"] in port_names
