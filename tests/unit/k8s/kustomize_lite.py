"""A small renderer for the subset of kustomize that ``k8s/`` uses, for machines without kubectl.

Users render the manifests with the real tool (``kubectl kustomize k8s/overlays/<name>``);
the tests use it too when it is installed, and then check that this renderer gives the same
objects (``test_python_renderer_matches_kubectl``). Supported: ``resources`` (files and
directories), ``namespace``, ``labels`` (``pairs``, ``includeSelectors``, ``includeTemplates``),
``images``, ``replicas``, ``patches`` (strategic merge, inline or by path, ``$patch: delete``),
``configMapGenerator``/``secretGenerator`` (``literals``, ``envs``; ``behavior`` create/merge/
replace) with kustomize's content-hash name suffix and the rewriting of references to it.
Anything else in a kustomization is refused loudly rather than silently ignored.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")

_SUPPORTED_KEYS = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "labels",
    "images",
    "replicas",
    "patches",
    "configMapGenerator",
    "secretGenerator",
}

#: Kinds the namespace transformer leaves alone (cluster-scoped).
_CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
    "RuntimeClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "ClusterServingRuntime",
}

#: Strategic-merge keys of the list fields the patches here touch (from the Kubernetes API's
#: patchMergeKey markers). Other lists are replaced, as the API does for them.
_MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "imagePullSecrets": "name",
}

_WORKLOAD_KINDS = {"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"}


class KustomizeError(ValueError):
    """The kustomization uses something this renderer does not support, or is invalid."""


@dataclass
class _Resource:
    obj: dict[str, Any]
    generated: bool = False
    hash_suffix: bool = True
    original_name: str = ""


@dataclass
class _State:
    resources: list[_Resource] = field(default_factory=list)


def render(path: Path) -> list[dict[str, Any]]:
    """Render the kustomization in ``path`` to a list of Kubernetes objects."""
    state = _build(path.resolve())
    # (namespace, kind, old name) -> new name. As in kustomize, a reference is only rewritten
    # from an object in the same namespace as the generated one.
    renames: dict[tuple[str | None, str, str], str] = {}
    for res in state.resources:
        if res.generated and res.hash_suffix:
            suffix = _hash(res.obj)
            new_name = f"{res.original_name}-{suffix}"
            res.obj["metadata"]["name"] = new_name
            namespace = res.obj["metadata"].get("namespace")
            renames[(namespace, res.obj["kind"], res.original_name)] = new_name
    objs = [res.obj for res in state.resources]
    if renames:
        for obj in objs:
            namespace = obj.get("metadata", {}).get("namespace")
            scoped = {(k, n): v for (ns, k, n), v in renames.items() if ns == namespace}
            _rename_refs(obj, scoped)
    return objs


# --- building ---------------------------------------------------------------------------------


def _load_kustomization(path: Path) -> dict[str, Any]:
    for name in KUSTOMIZATION_FILES:
        candidate = path / name
        if candidate.is_file():
            data = yaml.safe_load(candidate.read_text(encoding="utf-8")) or {}
            unknown = set(data) - _SUPPORTED_KEYS
            if unknown:
                raise KustomizeError(f"{candidate}: unsupported fields {sorted(unknown)}")
            return data
    raise KustomizeError(f"no kustomization file in {path}")


def _load_docs(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def _build(path: Path) -> _State:
    kust = _load_kustomization(path)
    state = _State()
    for entry in kust.get("resources", []):
        target = (path / entry).resolve()
        if target.is_dir():
            state.resources.extend(_build(target).resources)
        elif target.is_file():
            state.resources.extend(_Resource(obj) for obj in _load_docs(target))
        else:
            raise KustomizeError(f"{path}: resource {entry!r} not found")
    for gen in kust.get("configMapGenerator", []):
        _generate(state, gen, kind="ConfigMap", base=path)
    for gen in kust.get("secretGenerator", []):
        _generate(state, gen, kind="Secret", base=path)
    # kustomize's builtin transformer order: patches, namespace, labels, replicas, images.
    for patch in kust.get("patches", []):
        _apply_patch(state, patch, base=path)
    if "namespace" in kust:
        for res in state.resources:
            if res.obj.get("kind") not in _CLUSTER_SCOPED:
                res.obj.setdefault("metadata", {})["namespace"] = kust["namespace"]
    for label in kust.get("labels", []):
        _apply_labels(state, label)
    for rep in kust.get("replicas", []):
        _apply_replicas(state, rep)
    for image in kust.get("images", []):
        for res in state.resources:
            _apply_image(res.obj, image)
    return state


def _parse_literal(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise KustomizeError(f"bad literal {text!r}")
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return key, value


def _generator_data(gen: dict[str, Any], base: Path) -> dict[str, str]:
    unknown = set(gen) - {"name", "behavior", "literals", "envs", "type", "options"}
    if unknown:
        raise KustomizeError(f"generator {gen.get('name')}: unsupported {sorted(unknown)}")
    data: dict[str, str] = {}
    for env_file in gen.get("envs", []):
        for line in (base / env_file).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                key, value = _parse_literal(line)
                data[key] = value
    for literal in gen.get("literals", []):
        key, value = _parse_literal(literal)
        data[key] = value
    return data


def _generate(state: _State, gen: dict[str, Any], *, kind: str, base: Path) -> None:
    name = gen["name"]
    behavior = gen.get("behavior", "create")
    data = _generator_data(gen, base)
    options = gen.get("options") or {}
    hash_suffix = not options.get("disableNameSuffixHash", False)
    existing = next(
        (
            r
            for r in state.resources
            if r.generated and r.obj["kind"] == kind and r.original_name == name
        ),
        None,
    )
    if behavior in ("merge", "replace"):
        if existing is None:
            raise KustomizeError(f"{kind} {name}: behavior {behavior} but no base generator")
        current = _decoded(existing.obj) if behavior == "merge" else {}
        current.update(data)
        existing.obj["data"] = _encoded(kind, current)
        return
    if existing is not None:
        raise KustomizeError(f"{kind} {name} generated twice")
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": kind, "metadata": {"name": name}}
    if kind == "Secret":
        obj["type"] = gen.get("type", "Opaque")
    obj["data"] = _encoded(kind, data)
    state.resources.append(
        _Resource(obj, generated=True, hash_suffix=hash_suffix, original_name=name)
    )


def _encoded(kind: str, data: dict[str, str]) -> dict[str, str]:
    if kind == "Secret":
        return {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    return dict(data)


def _decoded(obj: dict[str, Any]) -> dict[str, str]:
    data = dict(obj.get("data") or {})
    if obj["kind"] == "Secret":
        return {k: base64.b64decode(v).decode() for k, v in data.items()}
    return data


def _go_json(value: Any) -> str:
    """``encoding/json.Marshal``: sorted keys, no spaces, HTML characters escaped."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _hash(obj: dict[str, Any]) -> str:
    # kustomize (api/hasher) hashes kind, type, data and an empty name, then maps the first
    # ten hex digits so the suffix never looks like a number or a word.
    encoded: dict[str, Any] = {"kind": obj["kind"], "name": "", "data": obj.get("data") or {}}
    if obj["kind"] == "Secret":
        encoded["type"] = obj.get("type", "Opaque")
    digest = hashlib.sha256(_go_json(encoded).encode()).hexdigest()[:10]
    return digest.translate(str.maketrans({"0": "g", "1": "h", "3": "k", "a": "m", "e": "t"}))


def _rename_refs(node: Any, renames: dict[tuple[str, str], str]) -> None:
    if isinstance(node, list):
        for item in node:
            _rename_refs(item, renames)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if isinstance(value, dict):
            kind = None
            name_field = "name"
            if key in ("configMapRef", "configMapKeyRef", "configMap"):
                kind = "ConfigMap"
            elif key in ("secretRef", "secretKeyRef"):
                kind = "Secret"
            elif key == "secret":
                kind, name_field = "Secret", "secretName"
            if kind is not None and (kind, value.get(name_field)) in renames:
                value[name_field] = renames[(kind, value[name_field])]
        _rename_refs(value, renames)


# --- transformers -------------------------------------------------------------------------------


def _group(api_version: str) -> str:
    return api_version.split("/")[0] if "/" in api_version else ""


def _matches(obj: dict[str, Any], selector: dict[str, Any]) -> bool:
    if selector.get("kind") and obj.get("kind") != selector["kind"]:
        return False
    if selector.get("name") and obj.get("metadata", {}).get("name") != selector["name"]:
        return False
    return "group" not in selector or _group(obj.get("apiVersion", "")) == selector["group"]


def _find(state: _State, patch: dict[str, Any]) -> _Resource:
    selector = {
        "kind": patch.get("kind"),
        "name": patch.get("metadata", {}).get("name"),
        "group": _group(patch.get("apiVersion", "")),
    }
    found = [r for r in state.resources if _matches(r.obj, selector)]
    if len(found) != 1:
        raise KustomizeError(f"patch target {selector} matched {len(found)} resources")
    return found[0]


def _apply_patch(state: _State, entry: dict[str, Any], *, base: Path) -> None:
    if "target" in entry or "options" in entry:
        raise KustomizeError("patch targets/options are not supported by this renderer")
    if "path" in entry:
        docs = _load_docs(base / entry["path"])
    else:
        docs = [d for d in yaml.safe_load_all(entry["patch"]) if d]
    for doc in docs:
        if "op" in doc or isinstance(doc, list):
            raise KustomizeError("JSON 6902 patches are not supported by this renderer")
        target = _find(state, doc)
        if doc.get("$patch") == "delete":
            state.resources.remove(target)
            continue
        body = {k: v for k, v in doc.items() if k not in ("apiVersion", "kind")}
        target.obj = _merge(target.obj, body)


def _merge(dst: Any, src: Any, key: str | None = None) -> Any:
    if isinstance(dst, dict) and isinstance(src, dict):
        out = dict(dst)
        for k, v in src.items():
            if v is None:
                out.pop(k, None)
            elif k in out:
                out[k] = _merge(out[k], v, k)
            else:
                out[k] = copy.deepcopy(v)
        return out
    if isinstance(dst, list) and isinstance(src, list) and key in _MERGE_KEYS:
        merge_key = _MERGE_KEYS[key]
        out_list = [copy.deepcopy(item) for item in dst]
        for item in src:
            idx = next(
                (i for i, cur in enumerate(out_list) if cur.get(merge_key) == item.get(merge_key)),
                None,
            )
            if idx is None:
                out_list.append(copy.deepcopy(item))
            else:
                out_list[idx] = _merge(out_list[idx], item)
        return out_list
    return copy.deepcopy(src)


def _apply_labels(state: _State, entry: dict[str, Any]) -> None:
    pairs = entry.get("pairs") or {}
    unknown = set(entry) - {"pairs", "includeSelectors", "includeTemplates"}
    if unknown:
        raise KustomizeError(f"labels: unsupported {sorted(unknown)}")
    if entry.get("includeSelectors"):
        raise KustomizeError("labels.includeSelectors is not supported by this renderer")
    for res in state.resources:
        res.obj.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)
        if entry.get("includeTemplates"):
            template = res.obj.get("spec", {}).get("template")
            if isinstance(template, dict):
                template.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)


def _apply_replicas(state: _State, entry: dict[str, Any]) -> None:
    for res in state.resources:
        if res.obj.get("kind") in _WORKLOAD_KINDS and res.obj["metadata"]["name"] == entry["name"]:
            res.obj.setdefault("spec", {})["replicas"] = entry["count"]


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """``name[:tag][@digest]`` -> (name, tag, digest); a registry port is not a tag."""
    digest = None
    if "@" in image:
        image, digest = image.split("@", 1)
    tag = None
    last = image.rsplit("/", 1)[-1]
    if ":" in last:
        image, tag = image.rsplit(":", 1)
    return image, tag, digest


def _apply_image(node: Any, entry: dict[str, Any]) -> None:
    if isinstance(node, list):
        for item in node:
            _apply_image(item, entry)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in ("containers", "initContainers") and isinstance(value, list):
            for container in value:
                if isinstance(container, dict) and isinstance(container.get("image"), str):
                    container["image"] = _retag(container["image"], entry)
        _apply_image(value, entry)


def _retag(image: str, entry: dict[str, Any]) -> str:
    name, tag, digest = split_image(image)
    if name != entry["name"]:
        return image
    name = entry.get("newName", name)
    if "digest" in entry:
        return f"{name}@{entry['digest']}"
    if "newTag" in entry:
        tag, digest = str(entry["newTag"]), None
    out = name
    if tag:
        out += f":{tag}"
    if digest:
        out += f"@{digest}"
    return out
