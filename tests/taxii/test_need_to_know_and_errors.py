"""Need-to-know over TAXII (an object's own TLP marking limits who reads it,
even inside a shared collection; API roots and collections for one's
communities and wherever one may read something, nothing else), and how the
server answers bad requests: media types, bodies, credentials."""

from __future__ import annotations

import csv as csvlib
import io
import json

import pytest
import requests
from requests.exceptions import HTTPError

from renkei_server import DEMO_PASSWORD
from taxii_helpers import (
    COUNCIL,
    ISAC,
    KANSAI_SOC,
    MAX_CONTENT_LENGTH,
    MIDORI_ADMIN,
    MIRAI_ADMIN,
    NCSO_ANALYST,
    SECURELINK,
    TAXII,
    TLP,
    TOTO_ADMIN,
    TOTO_SOC,
    TOTO_VIEWER,
    add,
    envelope,
    ids_of,
    indicator,
    stix_errors,
)


def visible_to(taxii, email: str, obj_id: str) -> dict[str, bool]:
    """Where `email` finds the object: objects list, single object, versions, manifest."""
    col = taxii.collection(email)

    def found(call) -> bool:
        try:
            return obj_id in [o if isinstance(o, str) else o["id"] for o in call().get("objects", [])]
        except HTTPError as e:
            assert e.response.status_code == 404, e.response.text
            return False

    def has_versions() -> bool:
        try:
            return bool(col.object_versions(obj_id).get("versions"))
        except HTTPError as e:
            assert e.response.status_code == 404, e.response.text
            return False

    return {
        "objects": found(lambda: col.get_objects(limit=10000)),
        "object": found(lambda: col.get_object(obj_id)),
        "versions": has_versions(),
        "manifest": found(lambda: col.get_manifest(limit=10000)),
    }


NOWHERE = {"objects": False, "object": False, "versions": False, "manifest": False}
EVERYWHERE = {"objects": True, "object": True, "versions": True, "manifest": True}


@pytest.fixture(scope="module")
def marked(taxii):
    """Objects soc@toto-power posts into the council collection, by TLP."""
    objs = {tlp: indicator(tlp=tlp, name=f"need-to-know {tlp}") for tlp in ("GREEN", "AMBER", "AMBER+STRICT", "RED")}
    add(taxii.collection(TOTO_SOC), list(objs.values()))
    return {tlp: o["id"] for tlp, o in objs.items()}


@pytest.mark.parametrize("reader", [TOTO_SOC, TOTO_VIEWER, TOTO_ADMIN, KANSAI_SOC, NCSO_ANALYST, SECURELINK])
def test_green_and_amber_reach_every_council_member(taxii, marked, reader):
    for tlp in ("GREEN", "AMBER"):
        assert visible_to(taxii, reader, marked[tlp]) == EVERYWHERE, (tlp, reader)


@pytest.mark.parametrize("reader", [TOTO_SOC, TOTO_VIEWER, TOTO_ADMIN])
def test_amber_strict_reaches_the_posting_organisation(taxii, marked, reader):
    assert visible_to(taxii, reader, marked["AMBER+STRICT"]) == EVERYWHERE


@pytest.mark.parametrize("reader", [KANSAI_SOC, NCSO_ANALYST, SECURELINK])
def test_amber_strict_reaches_the_collections_member_organisations(taxii, marked, reader):
    """renkei's policy (renkei-core access.rs): the recipients of an object in a
    community's collection are that community's member organisations. AMBER+STRICT
    differs from AMBER in what recipients may do with it (no passing it to their
    clients), not in which recipient organisations the platform shows it to."""
    assert visible_to(taxii, reader, marked["AMBER+STRICT"]) == EVERYWHERE


def test_red_reaches_only_the_person_who_posted_it(taxii, marked):
    assert visible_to(taxii, TOTO_SOC, marked["RED"]) == EVERYWHERE
    for reader in (TOTO_VIEWER, TOTO_ADMIN, KANSAI_SOC, NCSO_ANALYST):
        assert visible_to(taxii, reader, marked["RED"]) == NOWHERE, reader


def test_a_version_one_may_not_read_does_not_hide_the_versions_one_may(taxii):
    """Version matching (last by default, first) picks among the versions the
    reader may read, as versions/ lists them: a TLP:RED newer version by the
    sharing person must not make the GREEN one vanish for the other members."""
    red = {"object_marking_refs": [TLP["RED"]]}
    v1 = indicator(tlp="GREEN", name="toto's version", modified="2026-11-20T01:00:00.000Z")
    v2 = dict(v1, name="toto's red follow-up", modified="2026-11-20T02:00:00.000Z", **red)
    w1 = indicator(tlp="GREEN", name="toto's version", modified="2026-11-20T01:00:00.000Z")
    w0 = dict(w1, name="toto's older red version", modified="2026-11-20T00:30:00.000Z", **red)
    add(taxii.collection(TOTO_SOC), [v1, w1, v2, w0])

    toto = taxii.collection(TOTO_SOC)
    assert toto.get_object(v1["id"])["objects"] == [v2]
    assert toto.get_object(w1["id"], version="first")["objects"] == [w0]
    for reader in (KANSAI_SOC, NCSO_ANALYST):
        col = taxii.collection(reader)
        assert col.object_versions(v1["id"])["versions"] == [v1["modified"]], reader
        assert col.get_objects(id=v1["id"]).get("objects") == [v1], reader
        assert col.get_object(v1["id"])["objects"] == [v1], reader
        assert col.get_object(w1["id"], version="first")["objects"] == [w1], reader


def test_another_organisation_posting_an_id_adds_a_line_of_its_own(taxii):
    """Another member posting a newer version of someone else's object is told nothing
    about it (its add succeeds as any add would) and adds a line of its own: the first
    sharer's latest version stays what every reader gets, beside the other line."""
    v1 = indicator(tlp="GREEN", name="toto's version", modified="2026-11-20T01:00:00.000Z")
    add(taxii.collection(TOTO_SOC), [v1])
    other = dict(v1, name="kansai's version", modified="2026-11-20T02:00:00.000Z")
    status = taxii.collection(KANSAI_SOC).add_objects(envelope([other]), wait_for_completion=True, poll_interval=0.05, timeout=30)
    assert (status.success_count, status.failure_count) == (1, 0), status._raw
    got = taxii.collection(NCSO_ANALYST).get_object(v1["id"])["objects"]
    assert sorted(got, key=lambda o: o["modified"]) == [v1, other]


@pytest.mark.parametrize(
    "path",
    ["", "collections/", "collections/{isac}/", "collections/{isac}/objects/", "collections/{isac}/manifest/"],
)
def test_roots_of_other_communities_one_may_read_nothing_in_are_not_found(taxii, path):
    """The railway operator is no member of the electricity ISAC, whose
    collection holds nothing it may read: exactly as if it did not exist."""
    url = taxii.root_url(ISAC) + path.format(isac=taxii.isac_collection)
    r = taxii.http(KANSAI_SOC).get(url)
    assert r.status_code == 404, r.text
    assert r.headers["Content-Type"] == TAXII
    assert r.json()["http_status"] == "404"


@pytest.mark.parametrize("email", [MIRAI_ADMIN, MIDORI_ADMIN])
def test_outside_a_community_one_reads_over_taxii_what_one_may_read_elsewhere(taxii, marked, email):
    """The council's collection holds a CLEAR indicator, which CSV and every
    other export already give anyone: over TAXII an organisation outside the
    council (or one that has not accepted its terms) finds the collection and
    reads that, and none of the council's GREEN or AMBER objects."""
    s = taxii.http(email)
    cols = s.get(taxii.root_url(COUNCIL) + "collections/").json()["collections"]
    assert [c["id"] for c in cols] == [taxii.council_collection]
    assert (cols[0]["can_read"], cols[0]["can_write"]) == (True, False)
    got = [
        o
        for o in taxii.collection(email).get_objects(limit=10000).get("objects", [])
        # Every collection also serves the five TLP 2.0 definitions, unmarked.
        if o["type"] != "marking-definition"
    ]
    assert got and all(TLP["CLEAR"] in o.get("object_marking_refs", []) for o in got), got
    for tlp in ("GREEN", "AMBER", "AMBER+STRICT", "RED"):
        assert visible_to(taxii, email, marked[tlp]) == NOWHERE, tlp
    csv = requests.get(
        f"{taxii.url}/api/v1/exports/csv", auth=(email, DEMO_PASSWORD), params={"active": "false"}
    )
    assert csv.status_code == 200, csv.text
    exported = {row["stix_id"] for row in csvlib.DictReader(io.StringIO(csv.text))}
    assert exported >= {o["id"] for o in got if o["type"] == "indicator"}


def test_no_writes_into_another_communitys_collection(taxii):
    obj = indicator()
    # Visible (it holds a CLEAR indicator), but read-only.
    r = taxii.http(MIRAI_ADMIN).post(
        taxii.objects_url(COUNCIL), data=json.dumps(envelope([obj])), headers={"Content-Type": TAXII}
    )
    assert r.status_code == 403, r.text
    # Nothing readable there: not found.
    r = taxii.http(KANSAI_SOC).post(
        taxii.objects_url(ISAC), data=json.dumps(envelope([obj])), headers={"Content-Type": TAXII}
    )
    assert r.status_code == 404, r.text
    assert "objects" not in taxii.collection(TOTO_SOC).get_objects(id=obj["id"])


# -- bad requests ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/stix+json;version=2.1", "text/plain", None]
)
def test_post_needs_the_taxii_content_type(taxii, content_type):
    obj = indicator()
    headers = {"Content-Type": content_type} if content_type else {}
    r = taxii.http(TOTO_SOC).post(taxii.objects_url(), data=json.dumps(envelope([obj])), headers=headers)
    assert r.status_code == 415, r.text
    assert r.headers["Content-Type"] == TAXII
    assert "objects" not in taxii.collection(TOTO_SOC).get_objects(id=obj["id"])


@pytest.mark.parametrize(
    "bad_property, change",
    [
        ("valid_from", {"valid_from": "yesterday"}),
        ("pattern", {"pattern": "ipv4-addr:value = '1.2.3.4'"}),
        ("pattern", {"pattern": None}),
        ("spec_version", {"spec_version": "2.0"}),
        ("modified", {"modified": "2026-11-19T00:00:00.000Z"}),  # before created
        ("id", {"id": "malware--2b6e2a0c-7d2f-4c52-9f0a-000000000001"}),
    ],
    ids=["bad-timestamp", "pattern-syntax", "pattern-missing", "spec-version", "modified-before-created", "id-of-other-type"],
)
def test_invalid_objects_are_listed_as_failures_and_valid_ones_stored(taxii, bad_property, change):
    good = indicator()
    bad = indicator(**change)
    bad = {k: v for k, v in bad.items() if v is not None}
    st = post_and_hide_bad(taxii, [good, bad], bad)
    assert st["status"] == "complete"
    assert (st["total_count"], st["success_count"], st["failure_count"], st["pending_count"]) == (2, 1, 1, 0)
    assert [s["id"] for s in st["successes"]] == [good["id"]]
    [failure] = st["failures"]
    assert failure["id"] == bad["id"]
    assert bad_property in failure["message"], failure["message"]
    got = taxii.collection(KANSAI_SOC).get_objects(id=[good["id"], bad["id"]])
    assert ids_of(got["objects"]) == [good["id"]]


def post_and_hide_bad(taxii, objects: list[dict], bad: dict) -> dict:
    """Posts as soc@toto-power; deletes `bad` again should the server have stored it,
    so no other test reads invalid STIX from the shared collection."""
    st = taxii.post_raw(TOTO_SOC, objects)
    # TAXII 2.1 §2: an empty list is omitted from the status.
    if any(s["id"] == bad["id"] for s in st.get("successes", [])):
        taxii.http(TOTO_SOC).delete(taxii.objects_url() + bad["id"] + "/")
    return st


@pytest.mark.parametrize(
    "bad_property, change",
    [
        # STIX 2.1 §3.2: lang MUST be an RFC 5646 language code.
        ("lang", {"lang": "not a language tag"}),
        # STIX 2.1 §2.1 (list): lists MUST NOT be empty.
        ("indicator_types", {"indicator_types": []}),
        # STIX 2.1 §4.7: pattern_version is a string.
        ("pattern_version", {"pattern_version": 2}),
        # STIX 2.1 §10.10: SHA-256 values are 64 hexadecimal digits.
        ("pattern", {"pattern": "[file:hashes.'SHA-256' = 'abc']"}),
        # These the server already refuses:
        ("revoked", {"revoked": "yes"}),
        ("confidence", {"confidence": 150}),
        ("valid_until", {"valid_until": "2026-01-01T00:00:00Z"}),
        ("labels", {"labels": "x"}),
    ],
    ids=["lang", "empty-list", "pattern_version-int", "sha256-literal", "revoked", "confidence", "valid_until", "labels"],
)
def test_objects_the_stix2_validator_rejects_are_refused(taxii, bad_property, change):
    """The server would otherwise hand invalid STIX 2.1 to every reader."""
    bad = indicator(**change)
    assert stix_errors(bad), "precondition: stix2-validator rejects this object"
    good = indicator()
    st = post_and_hide_bad(taxii, [good, bad], bad)
    assert [s["id"] for s in st["successes"]] == [good["id"]], (
        f"stored although invalid STIX 2.1 ({stix_errors(bad)}): {st}"
    )
    [failure] = st["failures"]
    assert failure["id"] == bad["id"]
    assert bad_property in failure["message"], failure["message"]


def test_an_envelope_needs_objects(taxii):
    s = taxii.http(TOTO_SOC)
    for body in (b"{}", b'{"objects": "nope"}', b"[]"):
        r = s.post(taxii.objects_url(), data=body, headers={"Content-Type": TAXII})
        assert r.status_code == 400, (body, r.text)


def test_non_json_body_is_a_bad_request(taxii):
    r = taxii.http(TOTO_SOC).post(taxii.objects_url(), data=b"objects: [oops", headers={"Content-Type": TAXII})
    assert r.status_code == 400, r.text
    assert r.headers["Content-Type"] == TAXII
    body = r.json()
    assert body["http_status"] == "400"
    assert "JSON" in body["description"]


def test_body_over_max_content_length_is_refused(taxii):
    r = taxii.http(TOTO_SOC).post(
        taxii.objects_url(), data=b" " * (MAX_CONTENT_LENGTH + 1), headers={"Content-Type": TAXII}
    )
    assert r.status_code == 413, r.text[:500]


@pytest.mark.parametrize("accept", ["application/json", "application/taxii+json;version=2.0", "text/html"])
def test_get_needs_to_accept_taxii(taxii, accept):
    s = taxii.http(KANSAI_SOC)
    for url in (f"{taxii.url}/taxii2/", taxii.root_url(COUNCIL), taxii.objects_url()):
        r = s.get(url, headers={"Accept": accept})
        assert r.status_code == 406, (url, r.text)
    # The same media type by RFC 9110: the parameter value quoted, other case.
    for ok in (TAXII, "application/taxii+json", "*/*", 'application/taxii+json;version="2.1"',
               "Application/TAXII+JSON; Version=2.1"):
        assert s.get(taxii.objects_url(), headers={"Accept": ok}).status_code == 200, ok


def test_no_credentials_is_unauthorized(taxii):
    for url in (f"{taxii.url}/taxii2/", taxii.root_url(COUNCIL), taxii.objects_url()):
        r = requests.get(url, headers={"Accept": TAXII})
        assert r.status_code == 401, (url, r.text)
        assert r.headers.get("WWW-Authenticate", "").startswith("Basic"), r.headers
    r = requests.post(
        taxii.objects_url(), data=json.dumps(envelope([indicator()])), headers={"Content-Type": TAXII}
    )
    assert r.status_code == 401, r.text


def test_wrong_password_is_unauthorized(taxii):
    # analyst@securelink is used nowhere else with a wrong password (failures are throttled).
    r = taxii.http(SECURELINK, password=DEMO_PASSWORD + "-wrong").get(f"{taxii.url}/taxii2/")
    assert r.status_code == 401, r.text
    r = taxii.http("nobody@example.jp", password=DEMO_PASSWORD).get(f"{taxii.url}/taxii2/")
    assert r.status_code == 401, r.text
    assert taxii.http(SECURELINK).get(f"{taxii.url}/taxii2/").status_code == 200


@pytest.mark.parametrize("credentials", ["wrong password", "unknown bearer token"])
def test_rejected_credentials_get_a_challenge(taxii, credentials):
    """RFC 9110 §11.6.1: a 401 response MUST carry WWW-Authenticate; TAXII 2.1 §3.6.1:
    errors are TAXII error messages. A missing Authorization header gets both."""
    if credentials == "wrong password":
        # analyst@ncso only ever fails once here, far below the throttling limit.
        r = taxii.http(NCSO_ANALYST, password="not-the-password").get(f"{taxii.url}/taxii2/")
    else:
        r = requests.get(
            f"{taxii.url}/taxii2/", headers={"Accept": TAXII, "Authorization": "Bearer rk_0000"}
        )
    assert r.status_code == 401, r.text
    assert "WWW-Authenticate" in r.headers, dict(r.headers)
    assert r.headers["Content-Type"] == TAXII, r.headers["Content-Type"]
    assert r.json().get("http_status") == "401", r.text
