"""The OpenAPI document as clients use it: validated with openapi-spec-validator,
turned into a Python client by openapi-python-client (conftest.py), and every
operation in it called through that client against the demo world.

Every answer is checked against the document as it arrives (an httpx event
hook): its status must be one the operation documents, and its body must
match the schema documented for that status and media type. The generated
client is made with `raise_on_unexpected_status`, so an undocumented status
also fails the call itself. The operations called are enumerated from the
requests actually sent and compared with the document's: an operation added
to the document and not called here fails the test.
"""

from __future__ import annotations

import importlib
import io
import json
from datetime import datetime
import re
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus

import httpx
import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec

from renkei_server import DEMO_PASSWORD

NCSO_ADMIN = "admin@ncso.example.jp"  # platform administrator
TOTO_ADMIN = "admin@toto-power.example.jp"  # administrator of an operator
COUNCIL = 1
# A council indicator the demo loads (GREEN; toto-power is a council member).
DEMO_INDICATOR = "indicator--5e1a0001-0000-4000-8000-000000000001"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def operations(document: dict) -> dict[str, tuple[str, str, dict]]:
    """operationId -> (method, path template, operation)."""
    out = {}
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                op = item[method]
                assert op.get("operationId"), f"{method.upper()} {path} has no operationId"
                assert op["operationId"] not in out, f"operationId {op['operationId']} twice"
                out[op["operationId"]] = (method, path, op)
    return out


def media_type(value: str) -> tuple[str, str]:
    """(type/subtype, parameters) in lower case without spaces."""
    base, _, params = value.replace(" ", "").lower().partition(";")
    return base, params


@dataclass
class Calls:
    """What the generated client sent, each answer checked against the document."""

    document: dict
    routes: list[tuple[str, re.Pattern, str]] = field(default_factory=list)
    called: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for op_id, (method, path, _) in operations(self.document).items():
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path))
            self.routes.append((method, re.compile(f"^{pattern}$"), op_id))
        # A literal segment wins over a parameter (`/users/{id}/sessions/end`
        # against `/users/{id}/sessions/{session}/end` cannot clash, but stay exact).
        self.routes.sort(key=lambda r: r[1].pattern.count("[^/]+"))

    def operation(self, method: str, path: str) -> str:
        for m, pattern, op_id in self.routes:
            if m == method and pattern.match(path):
                return op_id
        raise AssertionError(f"{method.upper()} {path} is no operation of the document")

    def check(self, response: httpx.Response) -> None:
        """The response hook: the status and body are the documented ones."""
        response.read()
        request = response.request
        op_id = self.operation(request.method.lower(), request.url.path)
        self.called.setdefault(op_id, []).append(response.status_code)
        _, _, op = operations(self.document)[op_id]
        status = str(response.status_code)
        documented = op["responses"]
        where = f"{op_id}: {request.method} {request.url} answered {status}"
        assert status in documented, f"{where}, not among {sorted(documented)}: {response.text[:500]}"
        content = documented[status].get("content") or {}
        if not content:
            assert not response.content, f"{where} with a body, documented without: {response.text[:300]}"
            return
        sent = media_type(response.headers.get("content-type", ""))
        chosen = None
        for name, media in content.items():
            doc_type = media_type(name)
            if doc_type == sent or (doc_type[0] == sent[0] and not doc_type[1]):
                chosen = media
                break
        assert chosen is not None, f"{where} as {sent}, documented as {sorted(content)}"
        schema = {**chosen["schema"], "components": self.document["components"]}
        if sent[0] == "application/json" or sent[0].endswith("+json"):
            body = response.json()
        else:
            body = response.text
        errors = sorted(OAS31Validator(schema).iter_errors(body), key=str)
        assert not errors, f"{where}; the body does not match the documented schema:\n" + "\n".join(
            f"  {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10]
        )


@dataclass
class Clients:
    """The generated package, its clients and their recorded calls."""

    pkg: object
    calls: Calls
    url: str

    def module(self, name: str):
        return importlib.import_module(f"{self.pkg.__name__}.{name}")

    def op(self, tag: str, op_id: str):
        return self.module(f"api.{tag.replace('-', '_')}.{op_id}")

    def models(self):
        return self.module("models")

    def _args(self, auth=None) -> dict:
        args = {"event_hooks": {"response": [self.calls.check]}}
        if auth:
            args["auth"] = auth
        return args

    def anonymous(self):
        return self.pkg.Client(base_url=self.url, raise_on_unexpected_status=True, httpx_args=self._args())

    def basic(self, email: str, password: str = DEMO_PASSWORD):
        """HTTP Basic, documented beside bearer tokens (administrators' work needs it:
        API tokens act as reporters or viewers)."""
        return self.pkg.Client(
            base_url=self.url, raise_on_unexpected_status=True, httpx_args=self._args((email, password))
        )

    def bearer(self, token: str):
        return self.pkg.AuthenticatedClient(
            base_url=self.url, token=token, raise_on_unexpected_status=True, httpx_args=self._args()
        )


def call(module, status: int, **kwargs):
    """Calls an operation through the generated module; the answer has `status`."""
    r = module.sync_detailed(**kwargs)
    assert r.status_code == HTTPStatus(status), f"{module.__name__}: {r.status_code} {r.content[:500]!r}"
    return r.parsed


def portal_session(url: str, email: str, password: str) -> None:
    """Signs in on the portal (not part of the API) so the user has a session."""
    with httpx.Client(base_url=url, follow_redirects=False) as h:
        page = h.get("/login")
        assert page.status_code == 200, page.text[:300]
        token = re.search(r'name="csrf"\s+value="([^"]+)"', page.text)
        assert token, "the sign-in form's CSRF field"
        r = h.post("/login", data={"email": email, "password": password, "csrf": token.group(1)})
        assert r.status_code in (302, 303), f"portal sign-in: {r.status_code} {r.text[:300]}"


def bundle(*objects: dict) -> dict:
    return {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": list(objects)}


def indicator(value: str) -> dict:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-11-20T00:00:00.000Z",
        "modified": "2026-11-20T00:00:00.000Z",
        "name": f"api test {value}",
        "indicator_types": ["malicious-activity"],
        "pattern": f"[ipv4-addr:value = '{value}']",
        "pattern_type": "stix",
        "valid_from": "2026-11-20T00:00:00Z",
        "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],
    }


@pytest.fixture
def clients(api) -> Clients:
    return Clients(api.client, Calls(api.document), api.url)


def test_document_is_valid_openapi(api):
    assert api.document["openapi"].startswith("3.1"), api.document["openapi"]
    validate_spec(api.document)
    tags = {t["name"] for t in api.document["tags"] if t.get("description")}
    for op_id, (_, path, op) in operations(api.document).items():
        assert len(op.get("tags", [])) == 1 and op["tags"][0] in tags, f"{op_id} ({path}): {op.get('tags')}"


def test_generated_client_calls_every_operation(api, clients: Clients):
    c = clients
    m = c.models()
    tag = f"api-{uuid.uuid4().hex[:8]}"
    anon = c.anonymous()
    ncso = c.basic(NCSO_ADMIN)
    toto = c.basic(TOTO_ADMIN)

    # -- operations ---------------------------------------------------------------
    assert call(c.op("operations", "healthz"), 200, client=anon) == "ok"
    assert call(c.op("operations", "readyz"), 200, client=anon) == "ready"

    # -- tokens: a reporter's token, and one to revoke -------------------------------
    token = call(
        c.op("tokens", "create_token"), 201, client=toto, body=m.NewTokenRequest(name=f"{tag} reporter", role="reporter")
    )
    assert token.secret, "the secret is shown at creation"
    reporter = c.bearer(token.secret)
    spare = call(c.op("tokens", "create_token"), 201, client=toto, body=m.NewTokenRequest(name=f"{tag} spare", role="viewer"))
    listed = call(c.op("tokens", "list_tokens"), 200, client=toto)
    assert {token.id, spare.id} <= {t.id for t in listed}
    assert all(not t.secret for t in listed), "secrets are shown once"
    revoked = call(c.op("tokens", "revoke_token"), 200, client=toto, id=spare.id)
    assert revoked.revoked_at

    # -- users ---------------------------------------------------------------------------
    me = call(c.op("users", "get_me"), 200, client=reporter)
    toto_org = me.org.id
    assert me.role == "reporter" and COUNCIL in me.communities
    assert TOTO_ADMIN in {u.email for u in call(c.op("users", "list_users"), 200, client=toto)}
    email = f"{tag}@toto-power.example.jp"
    password = f"Kagi-{uuid.uuid4().hex}"
    user = call(
        c.op("users", "create_user"),
        201,
        client=toto,
        body=m.NewUserRequest(email=email, display_name="API テスト", role="viewer", password=password),
    )
    assert call(c.op("users", "deactivate_user"), 200, client=toto, id=user.id).active is False
    assert call(c.op("users", "reactivate_user"), 200, client=toto, id=user.id).active is True
    portal_session(c.url, email, password)
    portal_session(c.url, email, password)
    sessions = call(c.op("users", "list_sessions"), 200, client=toto, id=user.id)
    assert len(sessions) == 2, sessions
    assert call(c.op("users", "end_session"), 200, client=toto, id=user.id, session=sessions[0].id).ended == 1
    assert call(c.op("users", "end_sessions"), 200, client=toto, id=user.id).ended == 1
    reset = call(c.op("users", "create_password_reset"), 201, client=toto, id=user.id)
    assert "/reset/" in reset.url, reset.url
    newcomer = c.basic(email, password)
    call(
        c.op("users", "change_password"),
        204,
        client=newcomer,
        body=m.PasswordChangeRequest(current_password=password, new_password=f"Atarashii-{uuid.uuid4().hex}"),
    )

    # -- organisations ------------------------------------------------------------------
    assert toto_org in {o.id for o in call(c.op("organisations", "list_orgs"), 200, client=reporter)}
    supplier = call(
        c.op("organisations", "create_org"),
        201,
        client=ncso,
        body=m.NewOrgRequest(name_ja=f"{tag} 部品株式会社", name_en=f"{tag} Parts Co.", kind="supplier"),
    )
    link = m.SupplyLinkView(customer_org_id=toto_org, contractor_org_id=supplier.id, tier=1)
    call(c.op("organisations", "create_supply_link"), 201, client=ncso, body=link)
    links = call(c.op("organisations", "list_supply_links"), 200, client=ncso)
    assert (toto_org, supplier.id) in {(x.customer_org_id, x.contractor_org_id) for x in links}

    # -- communities ------------------------------------------------------------------------
    assert COUNCIL in {x.id for x in call(c.op("communities", "list_communities"), 200, client=reporter)}
    community = call(
        c.op("communities", "create_community"),
        201,
        client=ncso,
        body=m.NewCommunityRequest(name_ja=f"{tag} 協議会", name_en=f"{tag} council", terms_version="1.0"),
    )
    membership = call(
        c.op("communities", "create_membership"),
        201,
        client=ncso,
        body=m.NewMembershipRequest(community_id=community.id, org_id=toto_org),
    )
    accepted = call(c.op("communities", "accept_membership"), 200, client=toto, id=membership.id)
    assert accepted.accepted_at
    listed = call(c.op("communities", "list_memberships"), 200, client=ncso, community=community.id)
    assert [x.id for x in listed] == [membership.id]
    ended = call(c.op("communities", "end_membership"), 200, client=ncso, id=membership.id)
    assert ended.ended_at

    # -- items ------------------------------------------------------------------------------
    new_item = m.NewItemRequest(
        title=f"{tag} 注意喚起",
        body="保守回線の棚卸しを。",
        tlp="GREEN",
        audience=m.AudienceView(communities=[COUNCIL]),
    )
    item = call(c.op("items", "create_item"), 201, client=reporter, body=new_item)
    new_item.body = "保守回線の棚卸しと更新を。"
    amended = call(c.op("items", "amend_item"), 201, client=reporter, id=item.id, body=new_item)
    assert amended.version == item.version + 1
    assert call(c.op("items", "get_item"), 200, client=reporter, id=item.id).version == amended.version
    assert len(call(c.op("items", "item_versions"), 200, client=reporter, id=item.id)) == 2
    assert item.id in {x.id for x in call(c.op("items", "list_items"), 200, client=reporter)}

    # -- imports: a file as octet-stream, a bundle as JSON, the older bundle endpoint --------------
    collections = call(c.op("intelligence", "list_collections"), 200, client=reporter)
    council = next(x for x in collections if x.can_write and "Council indicators" in x.title)
    octet = uuid.uuid4().int % 250 + 1
    csv = f"value,type\n203.0.113.{octet},ipv4\n".encode()
    File = c.module("types").File
    result = call(
        c.op("imports", "import_file"),
        201,
        client=reporter,
        body=File(payload=io.BytesIO(csv), file_name="list.csv", mime_type="text/csv"),
        format_=m.ImportFormatName.CSV,
        collection=council.id,
        tlp="GREEN",
    )
    assert result.stored == 1 and not result.line_errors
    text = f"seen from hxxp://{tag}.example[.]net/login today\n".encode()
    result = call(
        c.op("imports", "import_file"),
        201,
        client=reporter,
        body=File(payload=io.BytesIO(text)),
        format_=m.ImportFormatName.TEXT,
        tlp="GREEN",
    )
    assert result.stored >= 1
    imported = indicator(f"198.51.100.{octet}")
    result = call(
        c.op("imports", "import_file"),
        201,
        client=reporter,
        body=m.ImportFileJsonBody.from_dict(bundle(imported)),
        format_=m.ImportFormatName.STIX,
        collection=council.id,
    )
    assert result.stored == 1
    older = call(
        c.op("imports", "import_bundle"),
        201,
        client=reporter,
        id=council.id,
        body=m.ImportBundleBody.from_dict(bundle(indicator(f"192.0.2.{octet}"))),
    )
    assert older.stored == 1

    # -- intelligence ------------------------------------------------------------------------
    hits = call(c.op("intelligence", "lookup_value"), 200, client=reporter, value=f"203.0.113.{octet}")
    assert hits.type_ == "ipv4" and hits.total >= 1 and hits.hits
    found = call(c.op("intelligence", "search_objects"), 200, client=reporter, q=f"198.51.100.{octet}")
    assert imported["id"] in {f.object_["id"] for f in found}
    seen = call(
        c.op("intelligence", "create_sighting"),
        201,
        client=reporter,
        body=m.SightingRequest(sighting_of=DEMO_INDICATOR, tlp="GREEN", count=3),
    )
    assert seen.id.startswith("sighting--")
    page = call(c.op("intelligence", "get_object"), 200, client=reporter, id=DEMO_INDICATOR)
    assert page.versions and page.sightings.count >= 3
    notes = call(c.op("intelligence", "list_notifications"), 200, client=reporter, limit=500)
    assert notes.objects
    for fmt in m.ExportFormatName:
        # A blocklist holds one type of value per file: name it.
        kind = {"type_": "ipv4"} if fmt == m.ExportFormatName.BLOCKLIST else {}
        body = call(c.op("intelligence", "export_indicators"), 200, client=reporter, format_=fmt, **kind)
        assert isinstance(body, str)
        if fmt == m.ExportFormatName.STIX:
            assert json.loads(body)["type"] == "bundle"

    # -- warning lists ----------------------------------------------------------------------
    lists = call(c.op("warning-lists", "list_warninglists"), 200, client=toto)
    assert lists.builtin
    entry = call(
        c.op("warning-lists", "add_warning_entry"),
        201,
        client=toto,
        body=m.WarningEntryRequest(list_="our-cdn", value=f"cdn.{tag}.example.jp", description="our CDN"),
    )
    assert entry.id in {e.id for e in call(c.op("warning-lists", "list_warninglists"), 200, client=toto).entries}
    call(c.op("warning-lists", "remove_warning_entry"), 204, client=toto, id=entry.id)

    # -- webhooks ---------------------------------------------------------------------------
    hook = call(c.op("webhooks", "create_webhook"), 201, client=toto, body=m.NewWebhookRequest(url=api.webhook_url))
    assert hook.secret
    assert hook.id in {w.id for w in call(c.op("webhooks", "list_webhooks"), 200, client=toto)}
    call(c.op("webhooks", "list_deliveries"), 200, client=toto, id=hook.id)
    call(c.op("webhooks", "disable_webhook"), 204, client=toto, id=hook.id)

    # -- reporting regimes --------------------------------------------------------------------
    profiles = call(c.op("reporting", "list_report_profiles"), 200, client=reporter)
    assert {"jp-cyber-response", "jp-appi-leak", "eu-nis2", "eu-cra", "eu-dora", "us-circia"} <= {p.id for p in profiles}
    nis2 = call(c.op("reporting", "get_report_profile"), 200, client=reporter, id="eu-nis2")
    assert nis2.to_dict()["id"] == "eu-nis2"
    # NIS2 Art. 23(4): early warning within 24 hours of awareness, notification within 72.
    clocks = call(
        c.op("reporting", "compute_report_clocks"),
        200,
        client=reporter,
        body=m.ClocksRequest.from_dict(
            {"profiles": ["eu-nis2"], "awareness": "2026-12-01T09:00:00Z", "now": "2026-12-01T10:00:00Z"}
        ),
    )
    (regime,) = clocks.regimes
    due = {k.stage: k.due for k in regime.clocks}
    at = lambda text: datetime.fromisoformat(text.replace("Z", "+00:00"))  # noqa: E731
    assert at(due["early-warning"]) == at("2026-12-02T09:00:00Z"), due
    assert at(due["notification"]) == at("2026-12-04T09:00:00Z"), due

    # -- reports: an incident filed once under two regimes, a version, the recipient's work --
    r = lambda op: c.op("reports", op)  # noqa: E731
    bindings = call(r("list_bindings"), 200, client=ncso)
    national = [b.org_id for b in bindings if b.recipient == "national-office"]
    assert national, "the demo binds the national office"
    call(
        r("bind_recipient"),
        201,
        client=ncso,
        body=m.BindingView(profile="eu-nis2", recipient="csirt", org_id=national[0]),
    )
    incident = call(
        r("create_incident"),
        201,
        client=reporter,
        body=m.IncidentRequest.from_dict(
            {
                "title": f"{tag} ランサムウェア",
                "awareness": "2026-12-01T09:00:00+09:00",
                "common": {"organisation-name": "東都電力株式会社"},
                "regimes": ["jp-cyber-response", "eu-nis2"],
                "consent": {"national": True, "sanitised": True},
            }
        ),
    )
    jp = next(x for x in incident.reports if x.profile == "jp-cyber-response")
    call(r("get_incident"), 200, client=reporter, id=incident.id)
    call(
        r("update_incident"),
        200,
        client=reporter,
        id=incident.id,
        body=m.IncidentFacts.from_dict({"awareness": "2026-12-01T08:00:00+09:00", "common": {}}),
    )
    extra = call(
        r("create_report"), 201, client=reporter, body=m.ReportRequest.from_dict({"profile": "us-circia", "incident": incident.id})
    )
    assert extra.incident_id == incident.id
    assert jp.id in {x.id for x in call(r("list_reports"), 200, client=reporter).reports}
    assert call(r("get_report"), 200, client=reporter, id=jp.id).id == jp.id
    values = {
        "report-category": "flash",
        "operator": "東都電力株式会社",
        "sector": "電力",
        "contact": "03-0000-0000",
        "aware-at": "2026-12-01T08:00:00+09:00",
        "incident-overview": "ファイルサーバが暗号化された。",
        "affected-computer": ["ファイルサーバ"],
        "response-taken": "隔離した。",
    }
    call(
        r("save_draft"),
        200,
        client=reporter,
        id=jp.id,
        body=m.FormValues.from_dict({"stage": "flash", "form": "ransomware", "values": {"operator": "東都電力株式会社"}}),
    )
    v1 = call(
        r("submit_version"),
        201,
        client=reporter,
        id=jp.id,
        body=m.FormValues.from_dict({"stage": "flash", "form": "ransomware", "values": values}),
    )
    assert len(v1.sha256) == 64
    assert [v.version for v in call(r("list_versions"), 200, client=reporter, id=jp.id)] == [1]
    assert call(r("get_version"), 200, client=reporter, id=jp.id, version=1).sha256 == v1.sha256
    # Exports: a version as JSON and as a workbook, every version as one workbook.
    exp = r("export_version").sync_detailed(client=reporter, id=jp.id, version=1, format_="json")
    assert exp.status_code == HTTPStatus.OK, exp.content[:300]
    assert json.loads(exp.content)["sha256"] == v1.sha256
    # The generated parser of a 200 reads JSON whenever JSON is one of its
    # media types, so the workbooks go through the generated request (and
    # the client's checked transport) and are read as bytes.
    def workbook(op: str, **kwargs) -> httpx.Response:
        return reporter.get_httpx_client().request(**r(op)._get_kwargs(**kwargs))

    exp = workbook("export_version", id=jp.id, version=1, format_="xlsx")
    assert exp.status_code == HTTPStatus.OK and exp.content[:2] == b"PK", exp.content[:300]
    assert exp.headers["content-disposition"] == f'attachment; filename="report-{jp.id}-v1.xlsx"'
    exp = workbook("export_report", id=jp.id, format_="xlsx")
    assert exp.status_code == HTTPStatus.OK and exp.content[:2] == b"PK", exp.content[:300]
    assert [d.additional_properties["version"] for d in call(r("export_report"), 200, client=reporter, id=jp.id, format_="json")] == [1]
    call(r("set_consent"), 200, client=reporter, id=jp.id, body=m.ConsentRequest(national=True, sanitised=True))
    from importlib import import_module

    File = import_module(f"{c.pkg.__name__}.types").File
    att = call(
        r("add_attachment"),
        201,
        client=reporter,
        id=jp.id,
        name="log.txt",
        body=File(payload=io.BytesIO("接続元 185.220.101.47\n".encode()), file_name="log.txt"),
    )
    assert att.media_type.startswith("text/plain")
    assert [a.id for a in call(r("list_attachments"), 200, client=reporter, id=jp.id)] == [att.id]
    r_att = r("get_attachment").sync_detailed(client=reporter, id=jp.id, attachment=att.id)
    assert r_att.status_code == HTTPStatus.OK and "185.220.101.47" in r_att.content.decode()
    queue = call(r("report_queue"), 200, client=ncso, profile="jp-cyber-response")
    assert jp.id in {x.id for x in queue.reports}
    call(r("set_state"), 204, client=ncso, id=jp.id, body=m.StateRequest(state="analysing"))
    call(r("post_message"), 201, client=ncso, id=jp.id, body=m.MessageRequest(body="台数を教えてください"))
    assert len(call(r("list_messages"), 200, client=reporter, id=jp.id)) == 1
    task = call(r("add_task"), 201, client=ncso, id=jp.id, body=m.TaskRequest(title="IoC 抽出"))
    call(r("update_task"), 200, client=ncso, id=jp.id, task=task.id, body=m.TaskUpdate(done=True))
    assert [t.done for t in call(r("list_tasks"), 200, client=ncso, id=jp.id)] == [True]
    assert call(r("list_indicators"), 200, client=ncso, id=jp.id) == []
    kinds = {e.kind for e in call(r("timeline"), 200, client=ncso, id=jp.id)}
    assert {"version", "message", "task", "state"} <= kinds, kinds
    notice = call(
        r("create_notice"),
        201,
        client=reporter,
        body=m.NoticeRequest(profile="jp-cyber-response", notice="computer-notice", title=f"{tag} EMS"),
    )
    call(
        r("submit_notice_version"),
        201,
        client=reporter,
        id=notice.id,
        body=m.FormValues.from_dict(
            {
                "values": {
                    "operator": "東都電力株式会社",
                    "product-name": "EMS-1000",
                    "manufacturer": "ミライ制御",
                    "product-version": "4.2",
                    "role": "需給制御",
                }
            }
        ),
    )
    call(r("get_notice"), 200, client=ncso, id=notice.id)
    assert len(call(r("list_notice_versions"), 200, client=reporter, id=notice.id)) == 1

    # -- alerts -----------------------------------------------------------------------------
    pref = c.basic("admin@pref-shizuoka.example.jp")
    town = c.basic("admin@town-midori.example.jp")
    alert = call(
        c.op("alerts", "create_alert"),
        201,
        client=ncso,
        body=m.NewAlertRequest.from_dict(
            {
                "title": f"VPN機器の脆弱性 {tag}",
                "summary": "自治体の外部接続点を狙う攻撃",
                "steps": ["ファームウェアを更新する", "管理画面を公開しない"],
                "indicators": ["198.51.100.99"],
                "tlp": "AMBER",
                "audience": {"sectors": ["government"]},
            }
        ),
    )
    assert alert.stix_report_id.startswith("report--")
    assert alert.id in {a.id for a in call(c.op("alerts", "list_alerts"), 200, client=town)}
    assert call(c.op("alerts", "get_alert"), 200, client=town, id=alert.id).title == alert.title
    relay = call(
        c.op("alerts", "relay_alert"),
        201,
        client=pref,
        id=alert.id,
        body=m.PassOnRequest.from_dict({"vendor": "さくらネットワーク", "deadline": "2026-12-25"}),
    )
    assert relay.kind == "relay" and relay.parent_id == alert.id
    mine = call(
        c.op("alerts", "set_alert_status"),
        200,
        client=town,
        id=relay.id,
        body=m.StatusRequest.from_dict({"status": "confirmed"}),
    )
    assert mine.status == "confirmed"
    fwd = call(c.op("alerts", "forward_alert"), 201, client=town, id=relay.id, body=m.PassOnRequest.from_dict({}))
    assert fwd.kind == "forward"
    by_name = {o.name_en: o.id for o in call(c.op("organisations", "list_orgs"), 200, client=town)}
    named = call(
        c.op("alerts", "name_alert_vendors"),
        200,
        client=town,
        body=m.VendorsRequest.from_dict(
            {"vendor": by_name["Sakura Network Ltd."], "subcontractor": by_name["Fuji Giken Ltd."]}
        ),
    )
    assert set(named.orgs) == set(call(c.op("alerts", "list_alert_vendors"), 200, client=town).orgs)
    assert by_name["Fuji Giken Ltd."] in named.orgs
    table = call(c.op("alerts", "alert_recipients"), 200, client=ncso, id=alert.id)
    assert table.total == 3 and table.unconfirmed == 2, table.to_dict()
    reminded = call(c.op("alerts", "remind_alert"), 201, client=ncso, id=alert.id)
    assert len(reminded.reminded) == 2

    # -- audit ------------------------------------------------------------------------------
    entries = call(c.op("audit", "list_audit"), 200, client=ncso, limit=500)
    assert any(e.action.startswith("webhook") for e in entries), {e.action for e in entries}

    # Every operation of the document, called through the generated client.
    documented = set(operations(api.document))
    called = set(c.calls.called)
    assert called == documented, (
        f"not called: {sorted(documented - called)}; called but undocumented: {sorted(called - documented)}"
    )
    assert not any(s >= 400 for statuses in c.calls.called.values() for s in statuses), c.calls.called


def test_errors_are_problems_the_client_reads(api, clients: Clients):
    c = clients
    m = c.models()
    toto = c.basic(TOTO_ADMIN)
    token = call(c.op("tokens", "create_token"), 201, client=toto, body=m.NewTokenRequest(name="errors", role="reporter"))
    reporter = c.bearer(token.secret)

    problem = call(c.op("users", "get_me"), 401, client=c.bearer("not-a-token"))
    assert isinstance(problem, m.Problem) and problem.status == 401

    problem = call(c.op("items", "get_item"), 404, client=reporter, id=2**62)
    assert isinstance(problem, m.Problem) and problem.status == 404

    # An export format that does not exist: 400 naming `format`, with its code.
    problem = call(c.op("reports", "export_version"), 400, client=reporter, id=1, version=1, format_="pdf")
    assert isinstance(problem, m.Problem) and (problem.field, problem.code) == ("format", "report-export-format-unknown")
    # A path naming nothing possible: 404 as problem+json, not a plain-text 400.
    problem = call(c.op("items", "get_item"), 404, client=reporter, id="not-a-number")
    assert isinstance(problem, m.Problem), problem

    problem = call(c.op("intelligence", "lookup_value"), 422, client=reporter, value="999.1.1.1", type_="ipv4")
    assert problem.field == "value", problem
    # A query parameter that does not parse is named.
    problem = call(c.op("items", "list_items"), 422, client=reporter, limit="many")
    assert problem.field == "limit", problem

    problem = call(
        c.op("imports", "import_file"),
        422,
        client=reporter,
        body=c.module("types").File(payload=io.BytesIO(b"value\n300.1.1.1\n")),
        format_=m.ImportFormatName.CSV,
        tlp="GREEN",
    )
    assert problem.errors and problem.errors[0]["line"] == 2, problem

