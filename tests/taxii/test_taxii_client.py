"""TAXII 2.1 as the OASIS client taxii2-client 2.3.0 sees it: discovery, API
roots, collections, adding with status polling, paging, single objects,
versions, manifest, delete and filters. Every test runs on both backends.

Run with:  RENKEI_BIN=target/debug/renkei target/test-venv/bin/python -m pytest -q tests/taxii
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
import requests
from requests.exceptions import HTTPError
from taxii2client.common import TokenAuth
from taxii2client.exceptions import AccessError
from taxii2client.v21 import Collection, Server, as_pages

from renkei_server import DEMO_PASSWORD
from taxii_helpers import (
    COUNCIL,
    DEMO_COUNCIL_INDICATORS,
    DEMO_ISAC_INDICATORS,
    ISAC,
    KANSAI_SOC,
    MAX_CONTENT_LENGTH,
    MIDORI_ADMIN,
    MIRAI_ADMIN,
    NCSO_ADMIN,
    NCSO_ANALYST,
    SECURELINK,
    STIX,
    TAXII,
    TLP_BY_ID,
    TOTO_ADMIN,
    TOTO_SOC,
    TOTO_VIEWER,
    add,
    envelope,
    ids_of,
    indicator,
    malware,
    parse_time,
)


def status_of(e: pytest.ExceptionInfo) -> int:
    return e.value.response.status_code


# -- discovery, API roots, collections ---------------------------------------------------


@pytest.mark.parametrize(
    "email, communities",
    [
        (NCSO_ANALYST, [COUNCIL]),
        (KANSAI_SOC, [COUNCIL]),
        (TOTO_VIEWER, [COUNCIL, ISAC]),
        (SECURELINK, [COUNCIL, ISAC]),
        # Outside the council, but the council's collection holds a CLEAR
        # indicator: every way out shows it the same objects.
        (MIRAI_ADMIN, [COUNCIL, ISAC]),
        # Midori's organisation has not accepted the council's terms: CLEAR only.
        (MIDORI_ADMIN, [COUNCIL]),
    ],
    ids=lambda v: v if isinstance(v, str) else "roots=" + ("+".join(map(str, v)) or "none"),
)
def test_discovery_lists_the_roots_where_the_caller_may_read(taxii, email, communities):
    server = Server(f"{taxii.url}/taxii2/", user=email, password=DEMO_PASSWORD)
    assert server.title
    urls = [root.url for root in server.api_roots]
    assert sorted(urls) == sorted(taxii.root_url(c) for c in communities)
    assert server.default is not None, server._raw
    assert server.default.url in urls


@pytest.mark.parametrize("email, community", [(KANSAI_SOC, COUNCIL), (MIRAI_ADMIN, ISAC)])
def test_api_root_information(taxii, email, community):
    root = taxii.api_root(email, community)
    assert root.title
    assert root.versions == [TAXII]
    assert root.max_content_length == MAX_CONTENT_LENGTH


@pytest.mark.parametrize(
    "email, community, title",
    [
        (KANSAI_SOC, COUNCIL, "Council indicators"),
        (TOTO_VIEWER, ISAC, "Electricity ISAC indicators"),
        (MIRAI_ADMIN, ISAC, "Electricity ISAC indicators"),
    ],
)
def test_collections_of_an_api_root(taxii, email, community, title):
    root = taxii.api_root(email, community)
    cols = root.collections
    assert [c.id for c in cols] == [taxii.collection_id(community)]
    col = cols[0]
    assert title in col.title
    assert col.media_types == [STIX]
    assert col.can_read is True
    alone = taxii.collection(email, community)
    assert (alone.id, alone.title, alone.can_read, alone.can_write) == (
        col.id,
        col.title,
        col.can_read,
        col.can_write,
    )


@pytest.mark.parametrize(
    "email, community, can_write",
    [
        (NCSO_ANALYST, COUNCIL, True),  # coordinator_analyst
        (NCSO_ADMIN, COUNCIL, True),  # admin
        (TOTO_SOC, COUNCIL, True),  # reporter
        (KANSAI_SOC, COUNCIL, True),  # reporter
        (TOTO_VIEWER, COUNCIL, False),  # viewer
        (TOTO_VIEWER, ISAC, False),
        (TOTO_SOC, ISAC, True),
        (MIRAI_ADMIN, ISAC, True),
    ],
)
def test_collection_can_read_and_can_write(taxii, email, community, can_write):
    col = taxii.collection(email, community)
    assert col.can_read is True
    assert col.can_write is can_write


def test_viewer_cannot_add_objects(taxii):
    obj = indicator()
    viewer = taxii.collection(TOTO_VIEWER)
    with pytest.raises(AccessError):
        viewer.add_objects(envelope([obj]))
    # The server refuses too, whatever the client believes.
    r = taxii.http(TOTO_VIEWER).post(
        taxii.objects_url(), data=json.dumps(envelope([obj])), headers={"Content-Type": TAXII}
    )
    assert r.status_code == 403, r.text
    assert r.headers["Content-Type"] == TAXII
    with pytest.raises(HTTPError) as e:
        taxii.collection(TOTO_SOC).get_object(obj["id"])
    assert status_of(e) == 404


def test_demo_indicators_are_in_their_collections(taxii):
    council = taxii.collection(KANSAI_SOC).get_objects(id=list(DEMO_COUNCIL_INDICATORS))
    got = {o["id"]: TLP_BY_ID[o["object_marking_refs"][0]] for o in council["objects"]}
    assert got == DEMO_COUNCIL_INDICATORS
    isac = taxii.collection(MIRAI_ADMIN, ISAC).get_objects(id=list(DEMO_ISAC_INDICATORS))
    got = {o["id"]: TLP_BY_ID[o["object_marking_refs"][0]] for o in isac["objects"]}
    assert got == DEMO_ISAC_INDICATORS
    # Each collection holds only its own community's objects.
    assert "objects" not in taxii.collection(TOTO_SOC, COUNCIL).get_objects(id=list(DEMO_ISAC_INDICATORS))


# -- adding ------------------------------------------------------------------------------


def test_a_large_add_goes_from_pending_to_complete(taxii):
    col = taxii.collection(TOTO_SOC)
    objs = [indicator(name=f"large add {n}") for n in range(1001)]
    status = col.add_objects(envelope(objs), wait_for_completion=False)
    assert status.status == "pending"
    assert (status.total_count, status.pending_count, status.success_count, status.failure_count) == (
        1001,
        1001,
        0,
        0,
    )
    status.wait_until_final(poll_interval=0.05, timeout=60)
    assert status.status == "complete", status._raw
    assert (status.success_count, status.failure_count, status.pending_count) == (1001, 0, 0)


def test_a_small_add_is_complete_in_its_answer(taxii):
    """TAXII 2.1 §5.4: the status a small add answers with is already final."""
    col = taxii.collection(TOTO_SOC)
    objs = [indicator() for _ in range(3)] + [malware()]
    status = col.add_objects(envelope(objs), wait_for_completion=False)
    assert status.status == "complete", status._raw
    assert (status.total_count, status.success_count, status.failure_count, status.pending_count) == (
        4,
        4,
        0,
        0,
    )
    assert sorted((s["id"], s["version"]) for s in status.successes) == sorted(
        (o["id"], o["modified"]) for o in objs
    )
    # The same status through the API root, and the objects are there.
    again = taxii.api_root(TOTO_SOC).get_status(status.id)
    assert (again.status, again.success_count) == ("complete", 4)
    stored = taxii.collection(KANSAI_SOC).get_objects(id=ids_of(objs))
    assert sorted(stored["objects"], key=lambda o: o["id"]) == sorted(objs, key=lambda o: o["id"])
    # Another organisation does not see this status.
    r = taxii.http(KANSAI_SOC).get(f"{taxii.root_url(COUNCIL)}status/{status.id}/")
    assert r.status_code == 404, r.text


def test_add_objects_waiting_for_completion(taxii):
    col = taxii.collection(KANSAI_SOC)
    objs = [indicator(tlp="CLEAR"), indicator(tlp="AMBER")]
    status = col.add_objects(envelope(objs), wait_for_completion=True, poll_interval=0.05, timeout=30)
    assert status.status == "complete"
    assert status.success_count == 2
    assert status.failure_count == 0
    assert status.pending_count == 0


# -- reading -----------------------------------------------------------------------------


def test_get_objects_as_pages_returns_every_object_once(taxii, returned_objects):
    mine = [indicator(name=f"paging {n}") for n in range(250)]
    add(taxii.collection(TOTO_SOC), mine)

    reader = taxii.collection(KANSAI_SOC)
    pages = list(as_pages(reader.get_objects, per_request=100))
    assert len(pages) >= 3
    for n, page in enumerate(pages[:-1]):
        assert page["more"] is True, f"page {n}"
        assert page.get("next"), f"page {n} has more but no next"
        assert len(page["objects"]) == 100, f"page {n}"
    assert pages[-1]["more"] is False
    assert "next" not in pages[-1]
    assert 0 < len(pages[-1].get("objects", [])) <= 100

    got = [o for page in pages for o in page.get("objects", [])]
    # An object's TAXII version: modified, else created (the collection's
    # TLP marking definitions have only created).
    def key(o):
        return (o["id"], o.get("modified", o.get("created")))

    twice = [k for k, n in Counter(key(o) for o in got).items() if n > 1]
    assert not twice, f"returned more than once: {twice[:5]}"
    by_id = Counter(o["id"] for o in got)
    missing = [o["id"] for o in mine if by_id[o["id"]] != 1]
    assert not missing, f"{len(missing)} of the 250 not returned exactly once"
    got_by_id = {o["id"]: o for o in got}
    assert all(got_by_id[o["id"]] == o for o in mine), "an object came back changed"

    # The pages together are exactly the collection as one large page.
    whole = reader.get_objects(limit=10000)
    assert whole["more"] is False
    assert sorted(key(o) for o in whole["objects"]) == sorted(key(o) for o in got)
    # The validator saw all of them (conftest checks them after this test).
    assert len(returned_objects) >= 2 * 250


def test_paging_headers_and_next_tokens(taxii):
    add(taxii.collection(TOTO_SOC), [indicator() for _ in range(4)])
    s = taxii.http(KANSAI_SOC)
    r1 = s.get(taxii.objects_url(), params={"limit": 2})
    assert r1.status_code == 200, r1.text
    assert r1.headers["Content-Type"] == TAXII
    p1 = r1.json()
    assert len(p1["objects"]) == 2 and p1["more"] is True and p1["next"]
    m1 = s.get(taxii.collection_url() + "manifest/", params={"limit": 2}).json()
    assert ids_of(m1["objects"]) == ids_of(p1["objects"])
    assert r1.headers["X-TAXII-Date-Added-First"] == m1["objects"][0]["date_added"]
    assert r1.headers["X-TAXII-Date-Added-Last"] == m1["objects"][-1]["date_added"]

    r2 = s.get(taxii.objects_url(), params={"limit": 2, "next": p1["next"]})
    assert r2.status_code == 200, r2.text
    p2 = r2.json()
    assert len(p2["objects"]) == 2
    assert not set(ids_of(p1["objects"])) & set(ids_of(p2["objects"]))
    assert parse_time(r2.headers["X-TAXII-Date-Added-First"]) >= parse_time(
        r1.headers["X-TAXII-Date-Added-Last"]
    )
    # A token this server did not issue is refused.
    bad = s.get(taxii.objects_url(), params={"next": "not-a-token"})
    assert bad.status_code == 400, bad.text


def test_resuming_from_date_added_last_mid_add_skips_nothing(taxii):
    # TAXII 2.1 §3.5: a client may resume with added_after set to the last
    # page's X-TAXII-Date-Added-Last. Objects of one add each have their own
    # date_added, so resuming in the middle of an add skips none of it.
    start = (datetime.now(timezone.utc) - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    mine = [indicator(name=f"resume {n}") for n in range(5)]
    add(taxii.collection(TOTO_SOC), mine)
    s = taxii.http(KANSAI_SOC)
    seen, after = [], start
    for _ in range(200):
        r = s.get(taxii.objects_url(), params={"limit": 2, "added_after": after})
        assert r.status_code == 200, r.text
        page = r.json().get("objects", [])
        if not page:
            break
        seen += ids_of(page)
        last = r.headers["X-TAXII-Date-Added-Last"]
        assert parse_time(last) > parse_time(after), "added_after did not move forward"
        after = last
    missing = set(ids_of(mine)) - set(seen)
    assert not missing, f"resuming from X-TAXII-Date-Added-Last skipped {len(missing)} of 5"


def test_limit_is_clamped_and_defaults_to_1000(taxii):
    add(taxii.collection(TOTO_SOC), [indicator(name=f"bulk {n}") for n in range(1001)])
    s = taxii.http(KANSAI_SOC)
    default = s.get(taxii.objects_url()).json()
    assert len(default["objects"]) == 1000
    assert default["more"] is True
    # TAXII 2.1 §3.4: limit is a positive integer; anything else is a 400.
    for low in ("0", "-5"):
        r = s.get(taxii.objects_url(), params={"limit": low})
        assert r.status_code == 400, (low, r.text)
        assert "limit" in r.json()["description"]
    huge = s.get(taxii.objects_url(), params={"limit": "100000"})
    assert huge.status_code == 200, huge.text
    assert huge.json()["more"] is False
    assert len(huge.json()["objects"]) > 1001
    assert s.get(taxii.objects_url(), params={"limit": "ten"}).status_code == 400


def test_get_object_returns_the_posted_object(taxii):
    obj = indicator(tlp="GREEN", description="posted by the e2e suite")
    add(taxii.collection(TOTO_SOC), [obj])
    env = taxii.collection(KANSAI_SOC).get_object(obj["id"])
    assert env["more"] is False
    assert env["objects"] == [obj]
    with pytest.raises(HTTPError) as e:
        taxii.collection(KANSAI_SOC).get_object(f"indicator--{uuid.uuid4()}")
    assert status_of(e) == 404


def test_object_versions_and_version_matching(taxii):
    writer = taxii.collection(TOTO_SOC)
    reader = taxii.collection(KANSAI_SOC)
    v1 = indicator(name="first version", modified="2026-11-20T01:00:00.000Z")
    v2 = dict(v1, name="second version", modified="2026-11-20T02:00:00.123Z")
    add(writer, [v1])
    add(writer, [v2])

    versions = reader.object_versions(v1["id"])
    assert versions["more"] is False
    assert sorted(versions["versions"]) == [v1["modified"], v2["modified"]]
    assert reader.get_object(v1["id"])["objects"] == [v2]  # latest by default
    assert reader.get_object(v1["id"], version="last")["objects"] == [v2]
    assert reader.get_object(v1["id"], version="first")["objects"] == [v1]
    assert reader.get_object(v1["id"], version=v1["modified"])["objects"] == [v1]
    both = reader.get_object(v1["id"], version="all")["objects"]
    assert sorted(both, key=lambda o: o["modified"]) == [v1, v2]
    assert reader.get_objects(id=v1["id"])["objects"] == [v2]
    manifest = reader.get_manifest(id=v1["id"], version="all")
    assert sorted(r["version"] for r in manifest["objects"]) == [v1["modified"], v2["modified"]]
    assert [r["version"] for r in reader.get_manifest(id=v1["id"])["objects"]] == [v2["modified"]]

    # Re-posting a version stores nothing new.
    add(writer, [v1])
    assert sorted(reader.object_versions(v1["id"])["versions"]) == [v1["modified"], v2["modified"]]

    # An older version arriving later does not become the latest.
    w2 = indicator(name="newer, sent first", modified="2026-11-20T05:00:00.000Z")
    w1 = dict(w2, name="older, sent second", modified="2026-11-20T04:00:00.000Z")
    add(writer, [w2])
    add(writer, [w1])
    assert reader.get_object(w2["id"])["objects"] == [w2]
    assert reader.get_object(w2["id"], version="first")["objects"] == [w1]


def test_manifest(taxii):
    objs = [indicator(), malware()]
    before = datetime.now(timezone.utc) - timedelta(seconds=2)
    add(taxii.collection(TOTO_SOC), objs)
    after = datetime.now(timezone.utc) + timedelta(seconds=2)
    manifest = taxii.collection(KANSAI_SOC).get_manifest(id=ids_of(objs))
    assert manifest["more"] is False
    rows = {r["id"]: r for r in manifest["objects"]}
    assert set(rows) == set(ids_of(objs))
    for o in objs:
        row = rows[o["id"]]
        assert row["version"] == o["modified"]
        assert row["media_type"] == STIX
        assert before <= parse_time(row["date_added"]) <= after, row
    only_malware = taxii.collection(KANSAI_SOC).get_manifest(id=ids_of(objs), type="malware")
    assert ids_of(only_malware["objects"]) == [objs[1]["id"]]


def test_delete_object(taxii):
    writer = taxii.collection(TOTO_SOC)
    reader = taxii.collection(KANSAI_SOC)
    obj = indicator()
    add(writer, [obj])
    assert reader.get_object(obj["id"])["objects"] == [obj]

    # Another organisation's delete, and a viewer's, hide nothing.
    with pytest.raises(HTTPError) as e:
        reader.delete_object(obj["id"])
    assert status_of(e) in (403, 404)
    with pytest.raises(AccessError):  # taxii2-client checks can_write first
        taxii.collection(TOTO_VIEWER).delete_object(obj["id"])
    r = taxii.http(TOTO_VIEWER).delete(taxii.objects_url() + obj["id"] + "/")
    assert r.status_code == 403, r.text
    assert reader.get_object(obj["id"])["objects"] == [obj]

    writer.delete_object(obj["id"])
    for who in (TOTO_SOC, KANSAI_SOC):
        col = taxii.collection(who)
        with pytest.raises(HTTPError) as e:
            col.get_object(obj["id"])
        assert status_of(e) == 404, who
        with pytest.raises(HTTPError) as e:
            col.object_versions(obj["id"])
        assert status_of(e) == 404, who
        assert "objects" not in col.get_objects(id=obj["id"])
        assert "objects" not in col.get_manifest(id=obj["id"])
    with pytest.raises(HTTPError) as e:
        writer.delete_object(obj["id"])
    assert status_of(e) == 404


def test_filters_on_one_object_narrow_reads_and_deletes(taxii):
    """TAXII 2.1 §5.6-5.8: filters that match nothing on a readable object give an
    empty answer (not 404); DELETE hides only the versions its filters match."""
    writer = taxii.collection(TOTO_SOC)
    reader = taxii.collection(KANSAI_SOC)
    v1 = indicator(name="kept unless asked", modified="2026-11-21T01:00:00.000Z")
    v2 = dict(v1, name="newer", modified="2026-11-21T02:00:00.000Z")
    add(writer, [v1])
    add(writer, [v2])
    later = "2099-01-01T00:00:00Z"
    assert "objects" not in reader.get_object(v1["id"], added_after=later)
    assert "objects" not in reader.get_object(v1["id"], spec_version="2.0")
    assert "versions" not in reader.object_versions(v1["id"], added_after=later)
    for narrow in ({"spec_version": "2.0"}, {"type": "malware"}, {"version": "2020-01-01T00:00:00Z"}):
        with pytest.raises(HTTPError) as e:
            writer.delete_object(v1["id"], **narrow)
        assert status_of(e) == 404, narrow
        assert sorted(reader.object_versions(v1["id"])["versions"]) == [v1["modified"], v2["modified"]]
    writer.delete_object(v1["id"], version=v1["modified"], spec_version="2.1")
    assert reader.object_versions(v1["id"])["versions"] == [v2["modified"]]
    writer.delete_object(v1["id"])


def test_delete_hides_only_the_callers_versions(taxii):
    """DELETE hides versions of the caller's organisation only; another member's
    DELETE of them is refused and changes nothing."""
    toto = taxii.collection(TOTO_SOC)
    kansai = taxii.collection(KANSAI_SOC)
    v1 = indicator(name="toto's version", modified="2026-11-20T01:00:00.000Z")
    v2 = dict(v1, name="toto's second version", modified="2026-11-20T02:00:00.000Z")
    add(toto, [v1, v2])
    assert sorted(kansai.object_versions(v1["id"])["versions"]) == [v1["modified"], v2["modified"]]

    with pytest.raises(HTTPError) as e:
        kansai.delete_object(v1["id"])
    assert status_of(e) == 404
    assert sorted(toto.object_versions(v1["id"])["versions"]) == [v1["modified"], v2["modified"]]

    toto.delete_object(v1["id"], version=v1["modified"])
    for col in (toto, kansai):
        assert col.object_versions(v1["id"])["versions"] == [v2["modified"]]
        assert col.get_object(v1["id"])["objects"] == [v2]
        # The object is still there (v2), so a filter for the hidden version
        # gives an empty envelope, not 404 (TAXII 2.1 §5.6).
        assert "objects" not in col.get_object(v1["id"], version=v1["modified"])


# -- filters -----------------------------------------------------------------------------


def test_filter_match_type_and_id(taxii):
    objs = [indicator(), indicator(), malware()]
    add(taxii.collection(TOTO_SOC), objs)
    reader = taxii.collection(KANSAI_SOC)
    ids = ids_of(objs)

    def got(**kw) -> list[str]:
        return sorted(ids_of(reader.get_objects(**kw).get("objects", [])))

    assert got(id=ids, type="malware") == [objs[2]["id"]]
    assert got(id=ids, type="indicator") == sorted(ids[:2])
    assert got(id=ids, type=["indicator", "malware"]) == sorted(ids)
    assert got(id=",".join(ids[:2])) == sorted(ids[:2])
    assert got(id=ids, type="attack-pattern") == []
    everything_malware = reader.get_objects(type="malware", limit=10000)["objects"]
    assert {o["type"] for o in everything_malware} == {"malware"}
    assert objs[2]["id"] in ids_of(everything_malware)
    assert got(id=ids, spec_version="2.1") == sorted(ids)
    assert got(id=ids, spec_version="2.0") == []
    # §3.4: filter fields a server does not support are ignored, not refused.
    assert got(id=ids, relationship_type="indicates") == sorted(ids)
    http = taxii.http(KANSAI_SOC)
    for bad in (
        {"limit": "0"},
        {"limit": "-3"},
        {"match[version]": "all,last"},
        {"match[version]": "last,last"},
    ):
        r = http.get(taxii.objects_url(), params=bad)
        assert r.status_code == 400, (bad, r.text)
        assert next(iter(bad)) in r.json()["description"], r.text
    twice = http.get(
        taxii.objects_url()
        + "?added_after=2020-01-01T00:00:00Z&added_after=2021-01-01T00:00:00Z"
    )
    assert twice.status_code == 400, twice.text
    assert "added_after" in twice.json()["description"]


def test_filter_added_after(taxii):
    writer = taxii.collection(TOTO_SOC)
    reader = taxii.collection(KANSAI_SOC)
    early = [indicator(), indicator()]
    add(writer, early)
    cut = max(r["date_added"] for r in reader.get_manifest(id=ids_of(early))["objects"])
    late = [indicator(), malware()]
    add(writer, late)

    env = reader.get_objects(added_after=cut, id=ids_of(early + late))
    assert sorted(ids_of(env["objects"])) == sorted(ids_of(late))
    # Over the whole collection: nothing added at or before the cut.
    r = taxii.http(KANSAI_SOC).get(taxii.objects_url(), params={"added_after": cut, "limit": 10000})
    assert r.status_code == 200, r.text
    assert set(ids_of(late)) <= set(ids_of(r.json()["objects"]))
    assert not set(ids_of(early)) & set(ids_of(r.json()["objects"]))
    assert parse_time(r.headers["X-TAXII-Date-Added-First"]) > parse_time(cut)
    manifest = reader.get_manifest(added_after=cut, limit=10000)
    assert all(parse_time(row["date_added"]) > parse_time(cut) for row in manifest["objects"])
    bad = taxii.http(KANSAI_SOC).get(taxii.objects_url(), params={"added_after": "yesterday"})
    assert bad.status_code == 400, bad.text


# -- token authentication ---------------------------------------------------------------


def test_api_token_works_as_taxii_credentials(taxii):
    r = requests.post(
        f"{taxii.url}/api/v1/tokens",
        auth=(TOTO_ADMIN, DEMO_PASSWORD),
        json={"name": f"taxii-e2e-{uuid.uuid4().hex[:8]}", "role": "reporter"},
    )
    assert r.status_code == 201, r.text
    secret = r.json()["secret"]

    server = Server(f"{taxii.url}/taxii2/", auth=TokenAuth(secret))  # "Authorization: Token …"
    assert sorted(root.url for root in server.api_roots) == [
        taxii.root_url(COUNCIL),
        taxii.root_url(ISAC),
    ]
    col = Collection(taxii.collection_url(), auth=TokenAuth(secret))
    assert col.can_write is True
    obj = indicator()
    add(col, [obj])
    bearer = requests.get(
        taxii.objects_url() + obj["id"] + "/",
        headers={"Accept": TAXII, "Authorization": f"Bearer {secret}"},
    )
    assert bearer.status_code == 200, bearer.text
    assert bearer.json()["objects"] == [obj]
    wrong = requests.get(
        f"{taxii.url}/taxii2/", headers={"Accept": TAXII, "Authorization": f"Bearer {secret}x"}
    )
    assert wrong.status_code == 401
