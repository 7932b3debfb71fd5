"""Bad input never escapes as anything but our own errors, and interop stays independent."""

from __future__ import annotations

import ast
import contextlib
import copy
from pathlib import Path

import pytest

from service.errors import CDSError
from service.interop.cds_hooks import get_service, parse_feedback, parse_hook_request
from service.interop.notes import bundle_entries, extract_note, parse_resource

REPLACEMENTS = [None, 5, True, "x", "", [], {}, [{}], {"reference": 1}]


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


def _mutations(document):
    for path in _paths(document):
        if not path:
            continue
        for replacement in REPLACEMENTS:
            doc = copy.deepcopy(document)
            target = doc
            for part in path[:-1]:
                target = target[part]
            target[path[-1]] = replacement
            yield doc


@pytest.mark.parametrize(
    "name",
    [
        "examples/documentreference-plain.json",
        "examples/documentreference-html.json",
        "examples/observation-text.json",
    ],
)
async def test_mutated_resources_raise_only_our_errors(h, name):
    count = 0
    for doc in _mutations(h.load(name)):
        count += 1
        try:
            parse_resource(doc, allowed=("DocumentReference", "Observation"))
            await extract_note(doc)
        except CDSError:
            pass
    assert count > 50


def test_mutated_bundle_raises_only_our_errors(h):
    bundle = h.load("examples/bundle-batch.json")
    bundle["entry"] = bundle["entry"][1:3]  # keep the case count small
    for doc in _mutations(bundle):
        with contextlib.suppress(CDSError):
            bundle_entries(doc)


@pytest.mark.parametrize("name", ["hooks/patient-view.json", "hooks/patient-view-no-prefetch.json"])
def test_mutated_hook_requests_raise_only_our_errors(h, name):
    payload = h.load(name)
    if "prefetch" in payload:  # the resources inside are covered above
        payload["prefetch"] = {"patient": None, "notes": None}
    service = get_service("note-sentiment-patient-view")
    for doc in _mutations(payload):
        with contextlib.suppress(CDSError):
            parse_hook_request(doc, service)


def test_mutated_feedback_raises_only_our_errors(h):
    for doc in _mutations(h.load("hooks/feedback.json")):
        with contextlib.suppress(CDSError):
            parse_feedback(doc)


def test_interop_imports_no_sibling_package():
    package = Path(__file__).resolve().parents[3] / "service" / "interop"
    forbidden = ("service.deid", "service.inference", "service.audit", "service.security",
                 "service.api", "service.pipeline")  # fmt: skip
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(forbidden), f"{path.name} imports {name}"
