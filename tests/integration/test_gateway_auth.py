"""Authentication end to end: a gateway with issuers configured refuses anonymous callers,
accepts properly signed CDS Hooks JWTs and SMART tokens, and never logs a token."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.security.testing import (
    SigningKey,
    generate_ec_key,
    generate_rsa_key,
    jwks,
    mint_cds_hooks_jwt,
    mint_smart_token,
)
from tests.integration.gateway_fixtures import FHIR, Gateway, document_reference, start_gateway

pytestmark = pytest.mark.integration

EHR = "https://ehr.example.test"
AUTHZ = "https://auth.example.test"


@pytest.fixture(scope="module")
def keys() -> dict[str, SigningKey]:
    return {"ehr": generate_ec_key(alg="ES384"), "smart": generate_rsa_key(alg="RS384")}


@pytest.fixture(scope="module")
def secure_gateway(
    tmp_path_factory: pytest.TempPathFactory, triton_server: Any, keys: dict[str, SigningKey]
) -> Iterator[Gateway]:
    tmp: Path = tmp_path_factory.mktemp("secure")
    (tmp / "ehr.jwks").write_text(json.dumps(jwks(keys["ehr"])))
    (tmp / "smart.jwks").write_text(json.dumps(jwks(keys["smart"])))
    gw = start_gateway(
        tmp,
        name="secure",
        env={
            "TRITON_URL": triton_server.grpc_url,
            "CDS_TRUSTED_ISSUERS": json.dumps({EHR: str(tmp / "ehr.jwks")}),
            "CDS_SMART_ISSUERS": json.dumps({AUTHZ: str(tmp / "smart.jwks")}),
            # Explicitly asking for unauthenticated mode must not switch auth off.
            "CDS_ALLOW_UNAUTHENTICATED": "true",
        },
    )
    yield gw
    gw.stop()


def _cds_token(gw: Gateway, key: SigningKey, path: str) -> str:
    return mint_cds_hooks_jwt(key, iss=EHR, aud=gw.base_url + path, tenant="tenant-a")


def test_anonymous_is_refused(secure_gateway: Gateway) -> None:
    with secure_gateway.client() as c:
        r1 = c.get("/cds-services")
        r2 = c.post(
            "/fhir/DocumentReference/$assess", json=document_reference("fine"), headers=FHIR
        )
    assert r1.status_code == 401 and r2.status_code == 401
    assert r1.json()["issue"][0]["code"] == "login"


def test_cds_hooks_jwt_accepted_and_replay_refused(
    secure_gateway: Gateway, keys: dict[str, SigningKey]
) -> None:
    token = _cds_token(secure_gateway, keys["ehr"], "/cds-services")
    with secure_gateway.client() as c:
        ok = c.get("/cds-services", headers={"Authorization": f"Bearer {token}"})
        replay = c.get("/cds-services", headers={"Authorization": f"Bearer {token}"})
        wrong_aud = c.get(
            "/cds-services",
            headers={
                "Authorization": "Bearer " + _cds_token(secure_gateway, keys["ehr"], "/other")
            },
        )
        forged = c.get(
            "/cds-services",
            headers={
                "Authorization": "Bearer "
                + _cds_token(secure_gateway, generate_ec_key(keys["ehr"].kid), "/cds-services")
            },
        )
    assert ok.status_code == 200, ok.text
    assert replay.status_code == 401
    assert wrong_aud.status_code == 401
    assert forged.status_code == 401
    assert token not in secure_gateway.logs()


def test_hook_call_with_jwt(secure_gateway: Gateway, keys: dict[str, SigningKey]) -> None:
    with secure_gateway.client() as c:
        t = _cds_token(secure_gateway, keys["ehr"], "/cds-services")
        sid = c.get("/cds-services", headers={"Authorization": f"Bearer {t}"}).json()["services"][
            0
        ]["id"]
        path = f"/cds-services/{sid}"
        body = {
            "hook": "patient-view",
            "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/1", "patientId": "p-1"},
            "prefetch": {
                "patient": {"resourceType": "Patient", "id": "p-1"},
                "notes": {
                    "resourceType": "Bundle",
                    "type": "searchset",
                    "entry": [{"resource": document_reference("Comfortable, pain resolved.")}],
                },
                "observations": None,
            },
        }
        r = c.post(
            path,
            json=body,
            headers={"Authorization": "Bearer " + _cds_token(secure_gateway, keys["ehr"], path)},
        )
    assert r.status_code == 200, r.text
    assert len(r.json()["cards"]) == 1


def test_smart_scopes(secure_gateway: Gateway, keys: dict[str, SigningKey]) -> None:
    aud = secure_gateway.base_url + "/fhir"
    good = mint_smart_token(
        keys["smart"],
        iss=AUTHZ,
        aud=aud,
        scope="system/RiskAssessment.c system/DocumentReference.r",
    )
    no_write = mint_smart_token(
        keys["smart"], iss=AUTHZ, aud=aud, scope="system/DocumentReference.r"
    )
    with secure_gateway.client() as c:
        ok = c.post(
            "/fhir/DocumentReference/$assess",
            json=document_reference("Comfortable."),
            headers={**FHIR, "Authorization": f"Bearer {good}"},
        )
        denied = c.post(
            "/fhir/DocumentReference/$assess",
            json=document_reference("Comfortable."),
            headers={**FHIR, "Authorization": f"Bearer {no_write}"},
        )
    assert ok.status_code == 200, ok.text
    assert denied.status_code == 403
    assert denied.json()["resourceType"] == "OperationOutcome"
    logs = secure_gateway.logs()
    assert good not in logs and no_write not in logs
