"""The STIX export (`GET /api/v1/exports/stix`) as a consumer such as OpenCTI
reads it: a bundle stix2-validator accepts whole, in which every object
carries a TLP marking (also those whose TLP came from the collection's
default, which arrived unmarked) and every TLP marking it references is
defined, as FIRST and OASIS define it."""

from __future__ import annotations

import requests
import stix2
from stix2validator import ValidationOptions, validate_instance

from renkei_server import DEMO_PASSWORD
from taxii_helpers import TLP, TLP_BY_ID, TOTO_SOC, add, indicator, malware

# TLP 1.0 (STIX 2.1 §7.2.1.4): the ids a bundle may also reference.
TLP1 = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "WHITE",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "GREEN",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "AMBER",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "RED",
}


def export(taxii, email: str, collection: str) -> dict:
    r = requests.get(
        f"{taxii.url}/api/v1/exports/stix",
        params={"collection": collection},
        auth=(email, DEMO_PASSWORD),
    )
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/stix+json")
    return r.json()


def test_the_stix_export_is_valid_and_every_object_is_marked(taxii):
    # Posted without any marking: the council collection's default (GREEN)
    # is its TLP. And one marked AMBER by its sharer.
    unmarked = indicator(tlp=None, name="export: TLP from the collection default")
    amber = malware(tlp="AMBER", name="export: marked by its sharer")
    add(taxii.collection(TOTO_SOC), [unmarked, amber])

    bundle = export(taxii, TOTO_SOC, taxii.council_collection)
    result = validate_instance(bundle, ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors]

    objects = {o["id"]: o for o in bundle["objects"]}
    defined = {i for i, o in objects.items() if o["type"] == "marking-definition"}
    for o in objects.values():
        if o["type"] == "marking-definition":
            continue
        refs = o.get("object_marking_refs", [])
        tlps = [r for r in refs if r in TLP_BY_ID or r in TLP1]
        assert tlps, f"unmarked: {o}"
        missing = set(refs) - defined
        assert not missing, f"{o['id']} references undefined markings {missing}"
    assert objects[unmarked["id"]]["object_marking_refs"] == [TLP["GREEN"]]
    assert objects[amber["id"]] == amber, "a marked object is exported as shared"
    # The TLP 2.0 definitions, as FIRST's extension defines them.
    for tlp, mid in TLP.items():
        if mid in objects:
            ext = objects[mid]["extensions"]["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"]
            assert ext["tlp_2_0"] == tlp.lower(), objects[mid]
    # stix2 reads the bundle back, markings included.
    parsed = stix2.parse(bundle, allow_custom=True)
    got = next(o for o in parsed.objects if o.id == unmarked["id"])
    assert got.object_marking_refs == [TLP["GREEN"]]
