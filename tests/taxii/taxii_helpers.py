"""Shared pieces of the TAXII 2.1 end-to-end tests: demo facts, STIX object
factories, client factories and a STIX 2.1 validator wrapper.

The server under test is one `renkei demo` per storage backend (see
conftest.py); every test makes its own objects with fresh ids, so tests do
not depend on each other's order.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

import requests
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import ApiRoot, Collection, Server

from renkei_server import DEMO_PASSWORD

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"
MAX_CONTENT_LENGTH = 16 * 1024 * 1024

# -- demo accounts -----------------------------------------------------------------
NCSO_ANALYST = "analyst@ncso.example.jp"  # coordinator_analyst, council
NCSO_ADMIN = "admin@ncso.example.jp"
TOTO_SOC = "soc@toto-power.example.jp"  # reporter; council and ISAC
TOTO_VIEWER = "viewer@toto-power.example.jp"  # viewer; council and ISAC
TOTO_ADMIN = "admin@toto-power.example.jp"
KANSAI_SOC = "soc@kansai-rail.example.jp"  # reporter, council only
SECURELINK = "analyst@securelink.example.jp"  # council and ISAC
MIRAI_ADMIN = "admin@mirai-ctrl.example.jp"  # supplier: ISAC only
MIDORI_ADMIN = "admin@town-midori.example.jp"  # council terms not accepted

COUNCIL = 1
ISAC = 2

# -- TLP 2.0 marking definitions (FIRST) ---------------------------------------------
TLP = {
    "CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP_BY_ID = {v: k for k, v in TLP.items()}

# The demo's own indicators (renkei demo loads them; ids are fixed).
DEMO_COUNCIL_INDICATORS = {
    "indicator--5e1a0001-0000-4000-8000-000000000001": "GREEN",
    "indicator--5e1a0002-0000-4000-8000-000000000002": "GREEN",
    "indicator--5e1a0003-0000-4000-8000-000000000003": "CLEAR",
}
DEMO_ISAC_INDICATORS = {
    "indicator--5e1a0004-0000-4000-8000-000000000004": "AMBER",
    "indicator--5e1a0005-0000-4000-8000-000000000005": "AMBER",
}


# -- STIX objects --------------------------------------------------------------------


def stix_time(dt: datetime | None = None) -> str:
    """A STIX timestamp with millisecond precision."""
    dt = dt or datetime.now(timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime:
    """Parses a STIX/TAXII timestamp (any sub-second precision) to an aware datetime."""
    assert text.endswith("Z"), text
    body = text[:-1]
    if "." in body:
        head, frac = body.split(".")
        body = f"{head}.{(frac + '000000')[:6]}"
    else:
        body += ".000000"
    return datetime.strptime(body, "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=timezone.utc)


def new_id(kind: str) -> str:
    return f"{kind}--{uuid.uuid4()}"


def indicator(
    *,
    tlp: str | None = "GREEN",
    name: str | None = None,
    value: str | None = None,
    created: str = "2026-11-20T00:00:00.000Z",
    modified: str | None = None,
    id: str | None = None,
    **extra,
) -> dict:
    """A valid STIX 2.1 indicator with a fresh id (unless given)."""
    ident = id or new_id("indicator")
    value = value or f"198.51.100.{uuid.UUID(ident.split('--')[1]).int % 250 + 1}"
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": ident,
        "created": created,
        "modified": modified or created,
        "name": name or f"e2e indicator {ident[-12:]}",
        "indicator_types": ["malicious-activity"],
        "pattern": f"[ipv4-addr:value = '{value}']",
        "pattern_type": "stix",
        "valid_from": "2026-11-20T00:00:00Z",
    }
    if tlp:
        obj["object_marking_refs"] = [TLP[tlp]]
    obj.update(extra)
    return obj


def malware(*, tlp: str = "GREEN", name: str | None = None) -> dict:
    ident = new_id("malware")
    return {
        "type": "malware",
        "spec_version": "2.1",
        "id": ident,
        "created": "2026-11-20T00:00:00.000Z",
        "modified": "2026-11-20T00:00:00.000Z",
        "name": name or f"e2e malware {ident[-12:]}",
        "is_family": False,
        "malware_types": ["ransomware"],
        "object_marking_refs": [TLP[tlp]],
    }


def envelope(objects: list[dict]) -> dict:
    return {"objects": objects}


def ids_of(objects) -> list[str]:
    return [o["id"] for o in objects]


# -- validation ----------------------------------------------------------------------

_VALIDATION_OPTIONS = ValidationOptions(version="2.1")


def stix_errors(obj: dict) -> list[str]:
    """stix2-validator's errors for one STIX 2.1 object (empty when valid)."""
    r = validate_instance(obj, _VALIDATION_OPTIONS)
    return [] if r.is_valid else [str(e) for e in r.errors] or ["invalid (no message)"]


# -- clients -------------------------------------------------------------------------


@dataclass
class TaxiiServer:
    """One running `renkei demo` and where its demo collections are."""

    backend: str
    url: str  # no trailing slash
    council_collection: str  # collection id
    isac_collection: str

    def root_url(self, community: int) -> str:
        return f"{self.url}/taxii2/community-{community}/"

    def collection_id(self, community: int) -> str:
        return self.council_collection if community == COUNCIL else self.isac_collection

    def collection_url(self, community: int = COUNCIL) -> str:
        return f"{self.root_url(community)}collections/{self.collection_id(community)}/"

    def objects_url(self, community: int = COUNCIL) -> str:
        return self.collection_url(community) + "objects/"

    def server(self, email: str, password: str = DEMO_PASSWORD) -> Server:
        return Server(f"{self.url}/taxii2/", user=email, password=password)

    def api_root(self, email: str, community: int = COUNCIL) -> ApiRoot:
        return ApiRoot(self.root_url(community), user=email, password=DEMO_PASSWORD)

    def collection(self, email: str, community: int = COUNCIL) -> Collection:
        return Collection(self.collection_url(community), user=email, password=DEMO_PASSWORD)

    def http(self, email: str | None, password: str = DEMO_PASSWORD) -> requests.Session:
        """A plain requests session (Basic auth unless email is None) accepting TAXII 2.1."""
        s = requests.Session()
        if email:
            s.auth = (email, password)
        s.headers["Accept"] = TAXII
        return s

    def post_raw(self, email: str, objects: list[dict], community: int = COUNCIL) -> dict:
        """POSTs an envelope without taxii2-client and waits for the final status."""
        s = self.http(email)
        r = s.post(
            self.objects_url(community),
            data=json.dumps(envelope(objects)).encode(),
            headers={"Content-Type": TAXII},
        )
        assert r.status_code == 202, f"POST objects: {r.status_code} {r.text}"
        status_url = f"{self.root_url(community)}status/{r.json()['id']}/"
        return wait_status(s, status_url)


def wait_status(s: requests.Session, status_url: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        r = s.get(status_url)
        assert r.status_code == 200, f"GET {status_url}: {r.status_code} {r.text}"
        st = r.json()
        if st["status"] == "complete":
            return st
        assert time.monotonic() < deadline, f"status still {st['status']} after {timeout} s: {st}"
        time.sleep(0.05)


def add(collection: Collection, objects: list[dict]):
    """taxii2-client add_objects, waiting for completion; asserts every object succeeded."""
    status = collection.add_objects(envelope(objects), wait_for_completion=True, poll_interval=0.05, timeout=30)
    assert status.status == "complete", f"status {status.status}: {status._raw}"
    assert status.failure_count == 0, status.failures
    assert status.success_count == len(objects), status._raw
    return status
