"""STIX as other producers write it, through taxii2-client and stix2: the TLP 2.0
marking definitions every collection serves (stix2 resolves an object's
marking refs from the collection), identifiers with upper-case hex, MITRE
ATT&CK's custom properties, binary values, objects repeated in one add,
STIX 2.0 refused with one answer, and match[...] fields the server does not
know (TAXII 2.1 §3.4: ignored)."""

from __future__ import annotations

import json
import uuid

import pytest
import requests
import stix2
from stix2.datastore.taxii import TAXIICollectionSink, TAXIICollectionSource

from taxii_helpers import (
    ISAC,
    KANSAI_SOC,
    TAXII,
    TLP,
    TLP_BY_ID,
    TOTO_SOC,
    TOTO_VIEWER,
    add,
    envelope,
    indicator,
)

TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"


def test_stix2_resolves_marking_refs_from_the_collection(taxii):
    sink = TAXIICollectionSink(taxii.collection(TOTO_SOC))
    ind = stix2.Indicator(
        name=f"marked {uuid.uuid4().hex[:6]}",
        indicator_types=["malicious-activity"],
        pattern="[ipv4-addr:value = '192.0.2.77']",
        pattern_type="stix",
        valid_from="2026-11-20T00:00:00Z",
        object_marking_refs=[TLP["AMBER"]],
    )
    sink.add(ind)

    source = TAXIICollectionSource(taxii.collection(KANSAI_SOC))
    got = source.get(ind.id)
    [ref] = got.object_marking_refs
    marking = source.get(ref)
    assert isinstance(marking, stix2.v21.MarkingDefinition), type(marking)
    assert marking.name == "TLP:AMBER"
    assert marking.extensions[TLP2_EXTENSION]["tlp_2_0"] == "amber"
    # Every collection holds all five, readable by a viewer as well.
    for email, community in ((TOTO_VIEWER, 1), (TOTO_VIEWER, ISAC)):
        src = TAXIICollectionSource(taxii.collection(email, community))
        for level, mid in TLP.items():
            m = src.get(mid)
            assert m is not None, (community, level)
            assert (m.name, m.extensions[TLP2_EXTENSION]["tlp_2_0"]) == (f"TLP:{level}", level.lower())
            assert str(m.created) == "2022-10-01 00:00:00+00:00"
    # They are paged and listed like any other object.
    col = taxii.collection(TOTO_VIEWER)
    listed = col.get_objects(type="marking-definition")["objects"]
    assert sorted(o["id"] for o in listed) == sorted(TLP.values())
    manifest = col.get_manifest(type="marking-definition")["objects"]
    assert {m["id"]: m["version"] for m in manifest} == {i: "2022-10-01T00:00:00.000Z" for i in TLP.values()}


def test_an_add_of_a_tlp_definition_stores_nothing_and_says_so(taxii):
    col = taxii.collection(TOTO_SOC)
    red = next(o for o in col.get_objects(type="marking-definition")["objects"] if TLP_BY_ID[o["id"]] == "RED")
    status = add(col, [red])
    assert "every collection holds" in status.successes[0]["message"]
    versions = col.object_versions(red["id"])
    assert versions["versions"] == ["2022-10-01T00:00:00.000Z"]
    r = taxii.http(TOTO_SOC).delete(f"{taxii.objects_url()}{red['id']}/")
    assert r.status_code == 404, r.text
    assert col.get_object(red["id"])["objects"] == [red]


def test_upper_case_hex_ids_are_stored_in_lower_case(taxii):
    # Shaped like OASIS's examples/infrastructure.json (cti-stix2-json-schemas),
    # whose relationship id has upper-case hex; fresh ids per run.
    infra = f"infrastructure--{uuid.uuid4()}"
    rel = f"relationship--{str(uuid.uuid4()).upper()}"
    objects = [
        {
            "type": "infrastructure", "spec_version": "2.1", "id": infra,
            "created": "2016-11-22T09:22:30.000Z", "modified": "2016-11-22T09:22:30.000Z",
            "name": "Example target-list-hosting", "infrastructure_types": ["hosting-target-lists"],
        },
        {
            "type": "relationship", "spec_version": "2.1", "id": rel,
            "created": "2016-11-23T10:42:39.000Z", "modified": "2016-11-23T10:42:39.000Z",
            "relationship_type": "consists-of", "source_ref": infra.upper().replace("INFRASTRUCTURE", "infrastructure"),
            "target_ref": "domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5",
        },
    ]
    col = taxii.collection(TOTO_SOC)
    status = add(col, objects)
    assert status.successes[1]["id"] == rel.lower()
    reader = taxii.collection(KANSAI_SOC)
    for asked in (rel, rel.lower()):
        [got] = reader.get_object(asked)["objects"]
        assert got["id"] == rel.lower()
        assert got["source_ref"] == infra
    assert [o["id"] for o in reader.get_objects(id=rel)["objects"]] == [rel.lower()]


def test_attack_shaped_objects_with_empty_custom_refs_are_stored(taxii):
    # MITRE ATT&CK (attack-stix-data, ICS v18) writes x_mitre_data_source_ref: "".
    component = {
        "type": "x-mitre-data-component", "spec_version": "2.1",
        "id": f"x-mitre-data-component--{uuid.uuid4()}",
        "created": "2021-10-20T15:05:19.272Z", "modified": "2025-11-12T22:03:39.105Z",
        "created_by_ref": "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5",
        "object_marking_refs": ["marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168"],
        "name": "Process Creation", "description": "A new process is initialized.",
        "x_mitre_data_source_ref": "", "x_mitre_deprecated": False,
        "x_mitre_domains": ["ics-attack"], "x_mitre_version": "2.0", "x_mitre_attack_spec_version": "3.3.0",
        "x_mitre_log_sources": [{"name": "auditd:SYSCALL", "channel": "execve"}],
    }
    add(taxii.collection(TOTO_SOC), [component])
    [got] = taxii.collection(KANSAI_SOC).get_object(component["id"])["objects"]
    assert got == component


def test_bad_binaries_and_differing_repeats_fail_with_their_reasons(taxii):
    artifact = {
        "type": "artifact", "spec_version": "2.1",
        "id": f"artifact--{uuid.uuid4()}", "mime_type": "application/zip", "payload_bin": "not base64!",
    }
    ip = f"ipv4-addr--{uuid.uuid4()}"
    first = {"type": "ipv4-addr", "spec_version": "2.1", "id": ip, "value": "198.51.100.21"}
    other = dict(first, value="198.51.100.22")
    url = {"type": "url", "spec_version": "2.1", "id": f"url--{uuid.uuid4()}", "value": "https://a.example/"}
    st = taxii.post_raw(TOTO_SOC, [artifact, first, url, other, url])
    assert (st["total_count"], st["success_count"], st["failure_count"]) == (5, 2, 3), st
    reasons = {f["id"]: f["message"] for f in st["failures"]}
    assert "payload_bin" in reasons[artifact["id"]]
    assert "objects[1], objects[3]" in reasons[ip]
    said = [s.get("message", "") for s in st["successes"] if s["id"] == url["id"]]
    assert any("objects[4] repeats objects[2]" in m for m in said), st


def misp_stix20_bundle() -> dict:
    """A STIX 2.0 bundle as MISP's exporter writes one (misp-stix documentation)."""
    return {
        "type": "bundle", "id": f"bundle--{uuid.uuid4()}", "spec_version": "2.0",
        "objects": [
            {"type": "identity", "id": "identity--a0c22599-9e58-4da4-96ac-7051603fa951",
             "created": "2020-10-25T16:22:00.000Z", "modified": "2020-10-25T16:22:00.000Z",
             "name": "MISP-Project", "identity_class": "organization"},
            {"type": "indicator", "id": f"indicator--{uuid.uuid4()}",
             "created_by_ref": "identity--a0c22599-9e58-4da4-96ac-7051603fa951",
             "created": "2020-10-25T16:22:00.000Z", "modified": "2020-10-25T16:22:00.000Z",
             "pattern": "[ipv4-addr:value = '198.51.100.7']", "valid_from": "2020-10-25T16:22:00Z",
             "labels": ["misp:type=\"ip-dst\"", "misp:to_ids=\"True\""]},
        ],
    }


def test_stix20_is_refused_with_one_answer(taxii):
    bundle = misp_stix20_bundle()
    s = taxii.http(TOTO_SOC)
    for body in (bundle, envelope(bundle["objects"])):
        r = s.post(taxii.objects_url(), data=json.dumps(body).encode(), headers={"Content-Type": TAXII})
        assert r.status_code == 422, r.text
        err = r.json()
        assert err["error_code"] == "stix-2-0-not-accepted"
        assert "stix_stepper" in err["description"]
    with pytest.raises(requests.HTTPError):
        taxii.collection(TOTO_SOC).add_objects(envelope(bundle["objects"]))


def test_unknown_match_fields_are_ignored(taxii):
    col = taxii.collection(KANSAI_SOC)
    mine = indicator(name=f"match {uuid.uuid4().hex[:6]}")
    add(taxii.collection(TOTO_SOC), [mine])
    plain = col.get_objects(type="indicator", limit=1000)
    # match[relationship_type] is not a TAXII 2.1 filter of this server.
    extra = col.get_objects(type="indicator", relationship_type="indicates", limit=1000)
    assert [o["id"] for o in extra["objects"]] == [o["id"] for o in plain["objects"]]
    assert mine["id"] in {o["id"] for o in extra["objects"]}
    assert {o["type"] for o in extra["objects"]} == {"indicator"}
    one = col.get_object(mine["id"], relationship_type="indicates")
    assert [o["id"] for o in one["objects"]] == [mine["id"]]
