"""Static checks of the Dockerfiles (no Docker engine is needed, or available, to run them).

The gateway image: multi-stage, pinned slim base, no build tools in the final stage, installs
wheels only, runs as the same non-root uid the pods use, health-checks /healthz and starts
``cds-service serve``. The model-repository image: pinned busybox with the repository at the
path the init containers copy from.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

Render = Callable[[str], list[dict[str, Any]]]

BUILD_TOOLS = re.compile(
    r"\b(gcc|g\+\+|clang|make|build-essential|cmake|python3?-dev|libc6-dev|cargo|rustc)\b"
)


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        return [arg for kw, arg in self.instructions if kw == keyword]


def parse_dockerfile(text: str) -> list[Stage]:
    """Instructions per stage: comments dropped, continuations joined, ARG defaults applied."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    assert not pending, "dangling line continuation"
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in lines:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        rest = rest.strip()
        if keyword == "FROM":
            image = re.sub(
                r"\$\{(\w+)\}|\$(\w+)",
                lambda m: global_args[m.group(1) or m.group(2)],
                rest.split()[0],
            )
            words = rest.split()
            alias = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=image, name=alias))
        elif not stages:
            assert keyword == "ARG", f"{keyword} before the first FROM"
            name, _, default = rest.partition("=")
            global_args[name] = default
        else:
            stages[-1].instructions.append((keyword, rest))
    return stages


def env_names(stage: Stage) -> set[str]:
    names = set()
    for arg in stage.args("ENV"):
        for token in shlex.split(arg):
            names.add(token.split("=", 1)[0])
    return names


def image_pinned(image: str) -> bool:
    last = image.rsplit("/", 1)[-1]
    return "@sha256:" in image or (":" in last and not last.endswith(":latest"))


@pytest.fixture(scope="module")
def gateway_stages(repo_root: Path) -> list[Stage]:
    return parse_dockerfile((repo_root / "Dockerfile").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def model_stages(repo_root: Path) -> list[Stage]:
    return parse_dockerfile((repo_root / "Dockerfile.model-repository").read_text(encoding="utf-8"))


def test_parser_sees_build_tools_and_stages() -> None:
    """The checks below are only as good as this parser: make sure it finds what they look for."""
    stages = parse_dockerfile(
        "ARG IMG=python:3.11-slim\nFROM ${IMG} AS b\nRUN apt-get install -y \\\n  gcc\n"
        "FROM ${IMG}\n# USER root\nUSER 10001\n"
    )
    assert [s.base for s in stages] == ["python:3.11-slim", "python:3.11-slim"]
    assert stages[0].name == "b"
    assert BUILD_TOOLS.search(stages[0].args("RUN")[0])
    assert stages[1].args("USER") == ["10001"]


def test_gateway_image_is_multi_stage_on_a_pinned_slim_python(gateway_stages: list[Stage]) -> None:
    assert len(gateway_stages) >= 2
    final = gateway_stages[-1]
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", final.base), final.base
    for stage in gateway_stages:
        assert image_pinned(stage.base), stage.base


def test_gateway_final_stage_has_no_build_tools_and_installs_wheels(
    gateway_stages: list[Stage],
) -> None:
    builder, final = gateway_stages[0], gateway_stages[-1]
    assert any("pip wheel" in run for run in builder.args("RUN"))
    runs = final.args("RUN")
    for run in runs:
        assert not BUILD_TOOLS.search(run), run
        assert "apt-get install" not in run, run
    installs = [run for run in runs if "pip install" in run]
    assert installs, "the final stage installs the project"
    for run in installs:
        assert "--no-cache-dir" in run and "--no-index" in run, run
        assert "from=builder" in run, "wheels come from the builder stage"
    # No source tree or tests in the final image, only the model repository.
    for copy_arg in final.args("COPY"):
        sources = [w for w in shlex.split(copy_arg) if not w.startswith("--")][:-1]
        assert sources == ["model_repository"], copy_arg


def test_gateway_runs_as_the_pods_non_root_uid(gateway_stages: list[Stage], render: Render) -> None:
    users = gateway_stages[-1].args("USER")
    assert users, "the final stage sets USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0
    assert any(f"--uid {uid}" in run for run in gateway_stages[-1].args("RUN"))
    deployment = next(
        o
        for o in render("gpu")
        if o["kind"] == "Deployment" and o["metadata"]["name"] == "cds-gateway"
    )
    assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == int(uid)


def test_gateway_entrypoint_healthcheck_and_port(
    gateway_stages: list[Stage], settings_names: set[str]
) -> None:
    final = gateway_stages[-1]
    entry = shlex.split(final.args("ENTRYPOINT")[-1].strip("[]").replace(",", " "))
    cmd = shlex.split(final.args("CMD")[-1].strip("[]").replace(",", " "))
    assert entry + cmd == ["cds-service", "serve"]
    (healthcheck,) = final.args("HEALTHCHECK")
    assert "/healthz" in healthcheck
    env = dict(token.split("=", 1) for arg in final.args("ENV") for token in shlex.split(arg))
    assert final.args("EXPOSE") == [env["PORT"]]
    assert env["CDS_HOST"] == "0.0.0.0"
    ours = {n for n in env_names(final) if n.startswith("CDS_") or n in {"PORT", "TRITON_URL"}}
    assert ours <= settings_names


def test_model_repository_image_matches_the_init_containers(
    model_stages: list[Stage], render: Render
) -> None:
    (stage,) = model_stages
    assert stage.base.startswith("busybox:") and image_pinned(stage.base)
    copies = [shlex.split(c) for c in stage.args("COPY")]
    destinations = {words[-1] for words in copies if "model_repository" in words}
    assert destinations == {"/models"}
    user = stage.args("USER")[-1].split(":")[0]
    assert user.isdigit() and int(user) != 0
    for obj in render("gpu"):
        if obj["kind"] != "Deployment":
            continue
        for init in obj["spec"]["template"]["spec"].get("initContainers", []):
            assert init["image"].startswith("ghcr.io/cds-sentiment/model-repository:")
            assert "cp -R /models/. " in init["command"][-1]


def _ignored(patterns: list[str], path: str) -> bool:
    """.dockerignore semantics for the patterns used here: last match wins, ``!`` re-includes,
    ``**/`` matches at any depth, and ignoring a directory ignores what is below it."""
    parts = path.split("/")
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        if pat.startswith("**/"):
            pat = pat[3:]
            candidates = [
                "/".join(parts[i:j])
                for i in range(len(parts))
                for j in range(i + 1, len(parts) + 1)
            ]
        else:
            candidates = ["/".join(parts[:j]) for j in range(1, len(parts) + 1)]
        if any(fnmatch.fnmatch(c, pat) for c in candidates):
            ignored = not negate
    return ignored


def test_dockerignore_keeps_what_the_builds_copy_and_drops_local_state(
    repo_root: Path, gateway_stages: list[Stage], model_stages: list[Stage]
) -> None:
    patterns = [
        line.strip()
        for line in (repo_root / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    copied = set()
    for stage in [*gateway_stages, *model_stages]:
        for arg in stage.args("COPY"):
            if "--from=" in arg:
                continue
            copied.update(w for w in shlex.split(arg)[:-1] if not w.startswith("--"))
    assert {"pyproject.toml", "service", "model_repository"} <= copied
    for path in copied:
        assert not _ignored(patterns, path), f".dockerignore drops {path}, which a build copies"
    for path in (".venv", ".git", "tests", "service/__pycache__", "cds_audit.db", ".env"):
        assert _ignored(patterns, path), f"{path} would be sent to the build"


def test_every_runtime_data_file_is_in_the_wheel(repo_root: Path) -> None:
    """The image installs the project's wheel, which holds only .py files unless package-data
    names the rest: every non-Python file under service/ must be covered by it."""
    config = tomllib.loads((repo_root / "pyproject.toml").read_text(encoding="utf-8"))
    package_data = config["tool"]["setuptools"].get("package-data", {})
    service = repo_root / "service"
    for path in sorted(service.rglob("*")):
        # Code is packaged anyway; Markdown next to the code is documentation, not read at run time.
        if not path.is_file() or path.suffix in {".py", ".pyc", ".pyi", ".md"}:
            continue
        if "__pycache__" in path.parts:
            continue
        covered = False
        for package, patterns in package_data.items():
            package_dir = repo_root.joinpath(*package.split(".")) if package != "*" else None
            roots = [package_dir] if package_dir else [p for p in path.parents if p != repo_root]
            for root in roots:
                if root is None or root not in path.parents:
                    continue
                relative = path.relative_to(root).as_posix()
                covered |= any(fnmatch.fnmatch(relative, pattern) for pattern in patterns)
        assert covered, f"{path.relative_to(repo_root)} is not package data: the image lacks it"
