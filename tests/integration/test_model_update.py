"""Zero-downtime model update, the procedure of docs/deploy.md run locally under load:

1. add version 2 to the repository;
2. tell Triton (explicit model-control mode) to serve versions 1 and 2;
3. move the gateway to version 2 (SIGHUP: it re-reads the repository and swaps atomically);
4. tell Triton to serve only the latest version (1 is unloaded).

Requests flow the whole time; none may fail.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from google.protobuf import json_format, text_format
from tritonclient.grpc import model_config_pb2

from service.inference.embedded import EmbeddedTriton
from tests.integration.gateway_fixtures import FHIR, ROOT, document_reference, start_gateway

pytestmark = pytest.mark.integration

MODEL = "distilbert_sentiment"


def _config(repo: Path, versions: list[int] | None) -> dict[str, Any]:
    cfg = model_config_pb2.ModelConfig()
    text_format.Parse((repo / MODEL / "config.pbtxt").read_text(), cfg)
    if versions:
        cfg.version_policy.specific.versions[:] = versions
    else:
        cfg.version_policy.latest.num_versions = 1
    return json_format.MessageToDict(cfg, preserving_proto_field_name=True)


def test_model_update_under_load(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "model_repository" / MODEL, repo / MODEL, symlinks=False)
    for extra in (repo / MODEL).glob("[2-9]*"):
        shutil.rmtree(extra)
    with EmbeddedTriton(repo, models=[MODEL]) as triton:
        gw = start_gateway(
            tmp_path,
            name="update",
            env={
                "CDS_ALLOW_UNAUTHENTICATED": "true",
                "TRITON_URL": triton.grpc_url,
                "CDS_MODEL_REPOSITORY": str(repo),
                "CDS_RATE_LIMIT_PER_MINUTE": "0",  # the load loop is one caller
            },
        )
        results: list[tuple[int, str]] = []
        stop = threading.Event()

        async def load() -> None:
            async with httpx.AsyncClient(base_url=gw.base_url, timeout=60) as c:

                async def worker(i: int) -> None:
                    n = 0
                    while not stop.is_set():
                        doc = document_reference(
                            f"Visit {i}-{n}: comfortable, pain controlled.", rid=f"u{i}-{n}"
                        )
                        r = await c.post("/fhir/DocumentReference/$assess", json=doc, headers=FHIR)
                        version = (
                            r.json()["method"]["coding"][0]["version"]
                            if r.status_code == 200
                            else ""
                        )
                        results.append((r.status_code, version))
                        n += 1

                await asyncio.gather(*(worker(i) for i in range(4)))

        loader = threading.Thread(target=lambda: asyncio.run(load()))
        loader.start()
        try:
            time.sleep(2)
            # 1. a new version appears in the repository
            shutil.copytree(repo / MODEL / "1", repo / MODEL / "2")
            info_path = repo / MODEL / "2" / "model_info.json"
            info = json.loads(info_path.read_text())
            info["version"] = "2"
            info_path.write_text(json.dumps(info))
            # 2. Triton serves both versions
            triton.load_model(MODEL, config=_config(repo, [1, 2]))
            time.sleep(1)
            # 3. the gateway moves to version 2
            os.kill(gw.proc.pid, signal.SIGHUP)
            deadline = time.monotonic() + 60
            while httpx.get(f"{gw.base_url}/readyz", timeout=10).json()["model"]["version"] != "2":
                assert time.monotonic() < deadline, "gateway did not move to version 2"
                time.sleep(0.2)
            time.sleep(1)
            # 4. version 1 is retired
            triton.load_model(MODEL, config=_config(repo, None))
            time.sleep(2)
        finally:
            stop.set()
            loader.join(timeout=120)
            gw.stop()
    statuses = [s for s, _ in results]
    versions = [v for _, v in results]
    assert len(results) > 20
    assert statuses == [200] * len(statuses), (
        f"failed requests: {[s for s in statuses if s != 200]}"
    )
    assert "1" in versions and "2" in versions
    # Once the gateway answered with version 2, it never went back.
    first_v2 = versions.index("2")
    assert set(versions[first_v2:]) == {"2"}
