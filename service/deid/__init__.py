"""De-identification (HIPAA Safe Harbor) in the Presidio style: recognizers find spans, one
conflict-resolution step makes them disjoint, operators replace them.

Public API::

    deidentify(text, context) -> DeidResult(text, spans)
    DeidContext.from_fhir(patient=..., related=..., key=..., operators=...)
    parse_operator_config("NAME=redact,DATE=shift")
    CATEGORIES, DEFAULT_OPERATORS
    prepare()  # load word lists and the gazetteer ahead of the first request

See :mod:`service.deid.operators` for the operators and the defaults, and
:mod:`service.deid.evaluate` for how recall is measured.
"""

from __future__ import annotations

from service.deid.context import DeidContext
from service.deid.engine import deidentify, find_spans, prepare
from service.deid.operators import DEFAULT_OPERATORS, RESTRICTED_ZIP3, parse_operator_config
from service.deid.spans import CATEGORIES, DeidResult, Span

__all__ = [
    "CATEGORIES",
    "DEFAULT_OPERATORS",
    "RESTRICTED_ZIP3",
    "DeidContext",
    "DeidResult",
    "Span",
    "deidentify",
    "find_spans",
    "parse_operator_config",
    "prepare",
]
