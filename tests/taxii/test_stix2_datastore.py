"""TAXII 2.1 through the OASIS stix2 library's data stores (stix2 3.0.2):
TAXIICollectionSink posts bundles, TAXIICollectionSource pages with
as_pages (limit=5000) and reads single objects and all versions."""

from __future__ import annotations

import uuid

import pytest
import stix2
from stix2 import Filter
from stix2.datastore import DataSourceError
from stix2.datastore.taxii import TAXIICollectionSink, TAXIICollectionSource, TAXIICollectionStore

from taxii_helpers import COUNCIL, KANSAI_SOC, TLP, TOTO_SOC, TOTO_VIEWER


def new_indicator(**kw) -> stix2.Indicator:
    n = uuid.uuid4().int % 250 + 1
    return stix2.Indicator(
        name=kw.pop("name", f"stix2 e2e {n}"),
        indicator_types=["malicious-activity"],
        pattern=f"[ipv4-addr:value = '192.0.2.{n}']",
        pattern_type="stix",
        valid_from="2026-11-20T00:00:00Z",
        object_marking_refs=kw.pop("object_marking_refs", [TLP["GREEN"]]),
        **kw,
    )


def test_sink_adds_and_source_reads(taxii):
    sink = TAXIICollectionSink(taxii.collection(TOTO_SOC))
    ind = new_indicator()
    sink.add(ind)  # a bundle, with taxii2-client waiting for the status

    source = TAXIICollectionSource(taxii.collection(KANSAI_SOC))
    got = source.get(ind.id)
    assert isinstance(got, stix2.Indicator)
    assert got.id == ind.id
    assert got.pattern == ind.pattern
    assert got.modified == ind.modified
    assert source.get(f"indicator--{uuid.uuid4()}") is None

    indicators = source.query([Filter("type", "=", "indicator")])
    assert indicators, "no indicators"
    assert {o.type for o in indicators} == {"indicator"}
    assert ind.id in {o.id for o in indicators}
    assert len(indicators) == len({(o.id, o.modified) for o in indicators})
    none = source.query([Filter("type", "=", "indicator"), Filter("id", "=", ind.id), Filter("name", "=", "x")])
    assert none == []


def test_source_all_versions(taxii):
    sink = TAXIICollectionSink(taxii.collection(TOTO_SOC))
    v1 = new_indicator(name="stix2 first version")
    sink.add(v1)
    v2 = v1.new_version(name="stix2 second version", modified="2099-01-01T00:00:00.000Z")
    sink.add(v2)

    source = TAXIICollectionSource(taxii.collection(KANSAI_SOC))
    versions = source.all_versions(v1.id)
    assert sorted((o.modified, o.name) for o in versions) == [
        (v1.modified, "stix2 first version"),
        (v2.modified, "stix2 second version"),
    ]
    assert source.get(v1.id).name == "stix2 second version"


def test_store_round_trip(taxii):
    store = TAXIICollectionStore(taxii.collection(TOTO_SOC, COUNCIL))
    mal = stix2.Malware(name=f"e2e family {uuid.uuid4().hex[:6]}", is_family=True, object_marking_refs=[TLP["AMBER"]])
    ind = new_indicator(object_marking_refs=[TLP["AMBER"]])
    rel = stix2.Relationship(ind, "indicates", mal, object_marking_refs=[TLP["AMBER"]])
    store.add([mal, ind, rel])

    reader = TAXIICollectionStore(taxii.collection(KANSAI_SOC, COUNCIL))
    for obj in (mal, ind, rel):
        got = reader.get(obj.id)
        assert got is not None, obj.id
        assert got.serialize(sort_keys=True) == obj.serialize(sort_keys=True)
    rels = reader.query([Filter("type", "=", "relationship"), Filter("source_ref", "=", ind.id)])
    assert [r.id for r in rels] == [rel.id]
    assert [r.id for r in reader.related_to(ind, relationship_type="indicates")] == [mal.id]
    assert [v.id for v in reader.all_versions(mal.id)] == [mal.id]


def test_viewer_gets_a_source_but_no_sink(taxii):
    col = taxii.collection(TOTO_VIEWER)
    assert TAXIICollectionSource(col).query([Filter("type", "=", "indicator")])
    with pytest.raises(DataSourceError):
        TAXIICollectionSink(col)
