"""MISP interoperability with MISP's own Python library (pymisp): events
built with pymisp's MISPEvent API — attributes, a file object, event and
attribute TLP tags, sightings, galaxies, the creator organisation,
distribution — are imported through renkei's import API as MISP publishes
them (an event, or a restSearch answer), mapped to STIX as misp-stix does
under the right markings, indexed for look-up only when for IDS, and refused
whole with every problem named (or the rest kept with skip_invalid) when an
attribute is broken."""

from __future__ import annotations

import json
import uuid

import pytest
from pymisp import MISPEvent, MISPGalaxy, MISPObject, MISPOrganisation

from taxii_helpers import KANSAI_SOC, MIRAI_ADMIN, NCSO_ANALYST, TOTO_SOC


def _event(tag: str, ip: str, domain: str, distribution: int = 3) -> MISPEvent:
    e = MISPEvent()
    e.info = "Phishing wave against electricity operators"
    e.distribution = distribution
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
    # ip, domain, the file object and the grouping (the event is not
    # published); the comment is not mapped.
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


def _export(taxii, email: str, fmt: str, **params) -> str:
    s = taxii.http(email)
    r = s.get(f"{taxii.url}/api/v1/exports/{fmt}", params=params, timeout=30)
    assert r.status_code == 200, r.text
    return r.text


def test_a_rest_search_answer_keeps_values_not_for_ids_out_of_detection(taxii):
    # The answer of MISP's /events/restSearch, built with pymisp's API: the
    # creator organisation, sightings, a galaxy, an attribute not for IDS.
    n = uuid.uuid4().int
    ids_ip = f"2001:4860:{n % 65536:x}::a{(n >> 16) % 4096:x}"
    seen_ip = f"2001:4860:{n % 65536:x}::b{(n >> 16) % 4096:x}"
    e = _event("tlp:green", ids_ip, f"c2-{n % 100000}.evil-co.jp")
    e.published = True
    orgc = MISPOrganisation()
    orgc.from_dict(name="JPCERT/CC", uuid=str(uuid.uuid4()))
    e.Orgc = orgc
    seen = e.add_attribute("ip-src", seen_ip, to_ids=False, comment="a scanner, not for blocking")
    a = e.attributes[0]
    sighter = {"name": "ORGNAME", "uuid": str(uuid.uuid4())}
    for i in range(3):
        a.add_sighting(type="0", date_sighting=str(1795133000 + i), uuid=str(uuid.uuid4()),
                       Organisation=sighter)
    g = MISPGalaxy()
    g.from_dict(name="Malware", type="mitre-malware",
                GalaxyCluster=[{"uuid": str(uuid.uuid4()), "type": "mitre-malware",
                                "value": "Emotet - S0367", "tag_name": "misp-galaxy:mitre-malware=\"Emotet - S0367\"",
                                "description": "banking trojan", "meta": {"synonyms": ["Geodo"]}}])
    e.add_galaxy(g)
    answer = {"response": [{"Event": json.loads(e.to_json())}]}
    r = _import(taxii, TOTO_SOC, json.dumps(answer))
    assert r.status_code == 201, r.text
    out = r.json()
    # Indicators for ip and domain, the file object, the observed address
    # with its two observables, three sightings and the organisation that
    # sighted, the creator, the malware and the report.
    assert out["stored"] == 13, out
    assert seen.value == seen_ip
    assert _lookup(taxii, TOTO_SOC, ids_ip)["total"] == 1
    assert _lookup(taxii, TOTO_SOC, seen_ip)["total"] == 0, "not for IDS: no indicator"
    # A blocklist holds one type of value per file.
    for fmt, params in [
        ("suricata", {}),
        ("zeek", {}),
        ("blocklist", {"type": "ipv4"}),
        ("blocklist", {"type": "ipv6"}),
        ("csv", {}),
    ]:
        body = _export(taxii, TOTO_SOC, fmt, **params)
        assert seen_ip not in body, (fmt, params, body)


def test_distribution_zero_keeps_an_event_in_its_organisation(taxii):
    n = uuid.uuid4().int
    ip = f"2001:4860:{n % 65536:x}::c{(n >> 16) % 4096:x}"
    event = _event("tlp:green", ip, f"own-{n % 100000}.evil-co.jp", distribution=0)
    r = _import(taxii, TOTO_SOC, event.to_json())
    assert r.status_code == 201, r.text
    narrowed = r.json()["narrowed"]
    assert any("TLP:GREEN raised to TLP:AMBER+STRICT" in x and "your organisation only" in x
               for x in narrowed), narrowed
    hit = _lookup(taxii, TOTO_SOC, ip)
    assert hit["total"] == 1 and hit["hits"][0]["tlp"] == "AMBER+STRICT", hit


def test_skip_invalid_keeps_the_rest_of_a_pymisp_event(taxii):
    n = uuid.uuid4().int
    ip = f"2001:4860:{n % 65536:x}::d{(n >> 16) % 4096:x}"
    event = _event("tlp:green", ip, f"rest-{n % 100000}.evil-co.jp")
    event.add_attribute("url", "expyuzz4wqqyqhjn.onion", to_ids=True)
    r = _import(taxii, TOTO_SOC, event.to_json())
    assert r.status_code == 422, r.text
    assert _lookup(taxii, TOTO_SOC, ip)["total"] == 0, "nothing stored"
    r = _import(taxii, TOTO_SOC, event.to_json(), skip_invalid="true")
    assert r.status_code == 201, r.text
    skipped = r.json()["skipped"]
    assert any(s.startswith("Attribute[3]: invalid:") and "no scheme" in s for s in skipped), skipped
    assert _lookup(taxii, TOTO_SOC, ip)["total"] == 1
