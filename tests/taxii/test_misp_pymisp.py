"""MISP interoperability with MISP's own Python library (pymisp): an event
built with pymisp — attributes, a file object, event and attribute TLP tags —
is imported through renkei's import API, mapped to STIX indicators under the
right markings, indexed for look-up, and refused whole with every problem
named when an attribute is broken."""

from __future__ import annotations

import uuid

import pytest
from pymisp import MISPEvent, MISPObject

from taxii_helpers import KANSAI_SOC, MIRAI_ADMIN, NCSO_ANALYST, TOTO_SOC


def _event(tag: str, ip: str, domain: str) -> MISPEvent:
    e = MISPEvent()
    e.info = "Phishing wave against electricity operators"
    e.distribution = 0
    e.threat_level_id = 2
    e.add_tag(tag)
    e.add_attribute("ip-dst", ip, to_ids=True, comment="C2")
    a = e.add_attribute("domain", domain, to_ids=True)
    a.add_tag("tlp:amber")
    e.add_attribute("comment", "seen by several members")
    f = MISPObject("file")
    f.add_attribute("filename", value="invoice.pdf.exe")
    f.add_attribute("sha256", value=uuid.uuid4().hex * 2)
    e.add_object(f)
    return e


def _import(taxii, email: str, body: str, **params):
    s = taxii.http(email)
    s.headers["Accept"] = "application/json"
    return s.post(
        f"{taxii.url}/api/v1/imports",
        params={"format": "misp", "collection": taxii.council_collection, **params},
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )


def _lookup(taxii, email: str, value: str) -> dict:
    s = taxii.http(email)
    s.headers["Accept"] = "application/json"
    r = s.get(f"{taxii.url}/api/v1/indicators/lookup", params={"value": value}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_pymisp_event_is_imported_with_its_markings(taxii):
    # Two members importing the same event each get objects of their own.
    n = uuid.uuid4().int
    ip = f"2001:4860:{n % 65536:x}::{(n >> 16) % 65536:x}"
    domain = f"c2-{n % 100000}.evil-co.jp"
    event = _event("tlp:green", ip, domain)
    r = _import(taxii, TOTO_SOC, event.to_json())
    assert r.status_code == 201, r.text
    out = r.json()
    # ip, domain, the file object and the report; the comment is not mapped.
    assert out["stored"] == 4, out
    assert any("comment" in s for s in out["skipped"]), out

    # Another council member finds the address, marked as the event said;
    # the domain carries its attribute's own (stricter) TLP.
    hit = _lookup(taxii, KANSAI_SOC, ip)
    assert hit["total"] == 1 and hit["hits"][0]["tlp"] == "GREEN", hit
    hit = _lookup(taxii, TOTO_SOC, domain)
    assert hit["total"] == 1 and hit["hits"][0]["tlp"] == "AMBER", hit
    # A supplier outside the council sees none of it.
    assert _lookup(taxii, MIRAI_ADMIN, ip)["total"] == 0
    # The same event imported by a second member is its own, not refused.
    r = _import(taxii, KANSAI_SOC, event.to_json())
    assert r.status_code == 201, r.text
    assert _lookup(taxii, NCSO_ANALYST, ip)["total"] == 2


@pytest.mark.parametrize("broken", ["300.1.1.1", "not an address"])
def test_a_broken_attribute_refuses_the_whole_event(taxii, broken):
    # A fresh address each run, so a reused database cannot hold it already.
    fresh = f"2001:4860:{uuid.uuid4().hex[:4]}::{uuid.uuid4().hex[:4]}"
    event = _event("tlp:green", fresh, f"ok-{uuid.uuid4().hex[:8]}.evil-co.jp")
    event.add_attribute("ip-src", broken)
    r = _import(taxii, TOTO_SOC, event.to_json())
    assert r.status_code == 422, r.text
    problem = r.json()
    fields = [e["field"] for e in problem["errors"]]
    # pymisp writes a bare event, so paths start at its attributes.
    assert any(f.startswith("Attribute[") and f.endswith("].value") for f in fields), (fields, problem)
    assert _lookup(taxii, NCSO_ANALYST, fresh)["total"] == 0, "nothing stored"
