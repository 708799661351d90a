"""A fake HubSpot: a real HTTP server on 127.0.0.1, written from the shapes in HubSpot's docs.

It reproduces what a sync must cope with: no `paging` on the last page, repeated query
parameters (`properties=a&properties=b`), the owners path with its trailing slash, search filters,
sorts and the 10,000-result cap of one query (HTTP 400 past it), the 200-per-page search limit,
v4 association paging per input, archived records, 401/403 bodies, injected 429s (with and
without Retry-After, rolling or DAILY) and 502s, and an enforced rate limit: a request over the
budget is answered 429 and recorded in `violations`, so a test can assert there were none.
"""

from __future__ import annotations

import bisect
import json
import os
import signal
import socket
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .hubspot_portal import CREATED, MODIFIED, Portal, Record, to_ms

ALL_SCOPES = frozenset({"crm.objects.contacts.read", "crm.objects.deals.read", "crm.objects.owners.read", "sales-email-read"})
SEARCH_CAP = 10_000
TRUE = ("true", "True")


@dataclass
class Fault:
    """Answer the next `times` requests whose path contains `match` with this response."""

    match: str
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int


def rate_limit_body(policy: str = "TEN_SECONDLY_ROLLING") -> dict[str, Any]:
    name = {"DAILY": "daily", "SECONDLY": "secondly"}.get(policy, "ten_secondly_rolling")
    return {
        "status": "error", "message": f"You have reached your {name} limit.", "errorType": "RATE_LIMIT",
        "correlationId": str(uuid.uuid4()), "policyName": policy, "groupName": "api",
    }  # fmt: skip


class ApiError(Exception):
    def __init__(self, status: int, message: str, category: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"status": "error", "message": message, "correlationId": str(uuid.uuid4()), "category": category, **extra}


class FakeHubSpot:
    """Serve a `Portal`. Start with `with FakeHubSpot(portal) as fake:`; `fake.url` is the base URL."""

    def __init__(
        self,
        portal: Portal,
        *,
        token: str = "pat-test-token",
        scopes: frozenset[str] = ALL_SCOPES,
        rate_per_10s: int | None = None,
        search_per_second: int | None = None,
        daily_limit: int | None = None,
        inline_association_limit: int = 100,
        association_page_size: int = 500,
    ) -> None:
        self.portal = portal
        self.token = token
        self.scopes = scopes
        self.rate_per_10s = rate_per_10s
        self.search_per_second = search_per_second
        self.daily_limit = daily_limit
        self.inline_association_limit = inline_association_limit
        self.association_page_size = association_page_size
        self.lock = threading.Lock()
        self.log: list[tuple[str, str, dict[str, list[str]]]] = []
        self.violations: list[str] = []
        self.bad_requests: list[str] = []
        self.faults: list[Fault] = []
        self.kill: tuple[int, int] | None = None  # (after this many requests, pid)
        self._arrivals: deque[float] = deque()
        self._search_arrivals: deque[float] = deque()
        self._server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> FakeHubSpot:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits up to one interval (0.5 s by default) per test.
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def request_count(self) -> int:
        return len(self.log)

    def inject(self, match: str, status: int, body: dict[str, Any] | None = None, *, headers: dict[str, str] | None = None, times: int = 1) -> None:
        with self.lock:
            self.faults.append(Fault(match, status, body or {}, headers or {}, times))

    def requests_to(self, fragment: str) -> int:
        return sum(1 for _, path, _ in self.log if fragment in path)

    # ------------------------------------------------------------------ one request
    def handle(self, method: str, raw_path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        parts = urlsplit(raw_path)
        query = parse_qs(parts.query, keep_blank_values=True)
        path = parts.path
        if path == "/_fake/stats":
            return 200, {"requests": len(self.log), "violations": self.violations, "bad_requests": self.bad_requests}, {}
        with self.lock:
            self.log.append((method, path, query))
            count = len(self.log)
            if self.kill is not None and count >= self.kill[0]:
                os.kill(self.kill[1], signal.SIGKILL)
                self.kill = None
            limited = self._over_budget(path)
            fault = self._take_fault(path)
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401, ApiError(401, "Authentication credentials not found. This API supports OAuth 2.0 authentication.", "INVALID_AUTHENTICATION").body, {}
        if limited:
            return 429, rate_limit_body(limited), {}
        if self.daily_limit is not None and count > self.daily_limit:
            return 429, rate_limit_body("DAILY"), {}
        if fault is not None:
            return fault.status, fault.body, fault.headers
        try:
            payload = json.loads(body) if body else {}
            return 200, *self._route(method, path, query, payload)
        except ApiError as exc:
            if exc.status == 400:
                self.bad_requests.append(f"{method} {path}: {exc}")
            return exc.status, exc.body, {}

    def _over_budget(self, path: str) -> str | None:
        now = time.monotonic()
        if self.rate_per_10s is not None:
            self._arrivals.append(now)
            while self._arrivals and self._arrivals[0] <= now - 10.0:
                self._arrivals.popleft()
            if len(self._arrivals) > self.rate_per_10s:
                self.violations.append(f"{len(self._arrivals)} requests in 10 s (limit {self.rate_per_10s}): {path}")
                return "TEN_SECONDLY_ROLLING"
        if self.search_per_second is not None and path.endswith("/search"):
            self._search_arrivals.append(now)
            while self._search_arrivals and self._search_arrivals[0] <= now - 1.0:
                self._search_arrivals.popleft()
            if len(self._search_arrivals) > self.search_per_second:
                self.violations.append(f"{len(self._search_arrivals)} searches in 1 s (limit {self.search_per_second})")
                return "SECONDLY"
        return None

    def _take_fault(self, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.match in path and fault.times > 0:
                fault.times -= 1
                return fault
        return None

    def _require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise ApiError(
                403, "This app hasn't been granted all required scopes to make this call.", "MISSING_SCOPES",
                errors=[{"message": "One or more of the following scopes are required.", "context": {"requiredGranularScopes": [scope]}}],
            )  # fmt: skip

    # ------------------------------------------------------------------ routes
    def _route(self, method: str, path: str, query: dict[str, list[str]], payload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        segments = path.strip("/").split("/")
        headers = {"X-HubSpot-RateLimit-Max": str(self.rate_per_10s or 190), "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}
        if method == "GET" and path == "/crm/v3/owners/":
            self._require("crm.objects.owners.read")
            return self._owners(query), headers
        if method == "GET" and path == "/crm/v3/pipelines/deals":
            self._require("crm.objects.deals.read")
            return {"results": self.portal.pipelines}, headers
        if segments[:3] == ["crm", "v3", "objects"] and len(segments) >= 4 and segments[3] in self.portal.objects:
            object_type = segments[3]
            self._require("crm.objects.deals.read" if object_type == "deals" else "crm.objects.contacts.read")
            rest = segments[4:]
            if method == "GET" and not rest:
                return self._list(object_type, query), headers
            if method == "POST" and rest == ["search"]:
                return self._search(object_type, payload), {}  # search answers carry no rate headers
            if method == "POST" and rest == ["batch", "read"]:
                return self._batch_read(object_type, query, payload), headers
        if method == "POST" and segments[:3] == ["crm", "v4", "associations"] and segments[5:] == ["batch", "read"]:
            from_type, to_type = segments[3], segments[4]
            self._require("crm.objects.deals.read" if from_type == "deals" else "crm.objects.contacts.read")
            return self._associations(from_type, to_type, payload), headers
        raise ApiError(404, f"No route for {method} {path}", "OBJECT_NOT_FOUND")

    def _owners(self, query: dict[str, list[str]]) -> dict[str, Any]:
        limit = int(query.get("limit", ["100"])[0])
        if limit > 500:
            raise ApiError(400, "limit must be at most 500", "VALIDATION_ERROR")
        archived = query.get("archived", ["false"])[0] in TRUE
        after = int(query.get("after", ["0"])[0] or 0)
        owners = sorted((o for o in self.portal.owners if bool(o.get("archived")) == archived), key=lambda o: int(o["id"]))
        chosen = [o for o in owners if int(o["id"]) > after][:limit]
        out: dict[str, Any] = {"results": chosen}
        if len([o for o in owners if int(o["id"]) > after]) > limit:
            out["paging"] = {"next": {"after": chosen[-1]["id"], "link": "?after=" + chosen[-1]["id"]}}
        return out

    def _list(self, object_type: str, query: dict[str, list[str]]) -> dict[str, Any]:
        limit = int(query.get("limit", ["10"])[0])
        if limit > 100:
            raise ApiError(400, "limit must be at most 100", "VALIDATION_ERROR")
        history = query.get("propertiesWithHistory", [])
        if history:
            limit = min(limit, 50)  # propertiesWithHistory: at most 50 records per page
        archived = query.get("archived", ["false"])[0] in TRUE
        properties = query.get("properties", [])
        associations = query.get("associations", [])
        after = query.get("after", [None])[0]
        ids = self.portal.ids[object_type]
        position = bisect.bisect_right(ids, int(after)) if after else 0
        table = self.portal.objects[object_type]
        results: list[dict[str, Any]] = []
        while position < len(ids) and len(results) < limit:
            record = table[ids[position]]
            position += 1
            if (record.archived_at is not None) != archived or record.merged_into is not None:
                continue
            results.append(self._record(object_type, record, properties, history, associations))
        more = any((table[i].archived_at is not None) == archived and table[i].merged_into is None for i in _rest(ids, position))
        out: dict[str, Any] = {"results": results}
        if more and results:
            out["paging"] = {"next": {"after": results[-1]["id"], "link": f"/crm/v3/objects/{object_type}?after={results[-1]['id']}"}}
        return out

    def _record(self, object_type: str, record: Record, properties: list[str], history: list[str], associations: list[str]) -> dict[str, Any]:
        out = self.portal.serialize(object_type, record, properties)
        if history:
            out["propertiesWithHistory"] = {n: list((record.history or {}).get(n, [])) for n in history}
        if "contacts" in associations:
            contacts = self.portal.contacts_of[object_type].get(record.id, [])
            if contacts:
                shown = contacts[: self.inline_association_limit]
                block: dict[str, Any] = {"results": [{"id": str(c), "type": f"{object_type[:-1]}_to_contact"} for c in shown]}
                if len(contacts) > len(shown):
                    block["paging"] = {"next": {"after": str(len(shown)), "link": "..."}}
                out["associations"] = {"contacts": block}
        return out

    def _search(self, object_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        limit = int(payload.get("limit", 10))
        if limit > 200:
            raise ApiError(400, "limit must be at most 200", "VALIDATION_ERROR")
        offset = int(payload.get("after") or 0)
        if offset + limit > SEARCH_CAP:
            raise ApiError(400, f"Paging past {SEARCH_CAP} results is not supported; narrow the filters.", "VALIDATION_ERROR")
        groups = payload.get("filterGroups") or [{"filters": []}]
        sorts = payload.get("sorts") or []
        table = self.portal.objects[object_type]
        matched = [
            record for i in self.portal.ids[object_type]
            if (record := table[i]).archived_at is None and record.merged_into is None and any(self._matches(object_type, record, g.get("filters", [])) for g in groups)
        ]  # fmt: skip
        for sort in reversed(sorts):
            name = sort if isinstance(sort, str) else sort.get("propertyName")
            descending = (not isinstance(sort, str) and sort.get("direction") == "DESCENDING") or (isinstance(sort, str) and sort.startswith("-"))
            name = str(name).lstrip("-")
            matched.sort(key=lambda r, n=name: self._sort_key(object_type, r, n), reverse=descending)
        page = matched[offset: offset + limit]
        out: dict[str, Any] = {"total": len(matched), "results": [self.portal.serialize(object_type, r, payload.get("properties", [])) for r in page]}
        if offset + limit < len(matched):
            out["paging"] = {"next": {"after": str(offset + limit)}}
        return out

    def _comparable(self, object_type: str, record: Record, name: str) -> float | str | None:
        if name == "hs_object_id":
            return float(record.id)
        if name == MODIFIED[object_type]:
            return float(record.modified_ms)
        if name == CREATED[object_type]:
            return float(to_ms(record.created))
        if name == "num_associated_contacts" and object_type == "deals":  # calculated by HubSpot
            return float(len(self.portal.contacts_of["deals"].get(record.id, [])))
        return record.properties.get(name)

    def _sort_key(self, object_type: str, record: Record, name: str) -> tuple[int, Any]:
        value = self._comparable(object_type, record, name)
        return (0, value) if isinstance(value, float) else (1, str(value or ""))

    def _matches(self, object_type: str, record: Record, filters: list[dict[str, Any]]) -> bool:
        for f in filters:
            have = self._comparable(object_type, record, f["propertyName"])
            op = f["operator"]
            if op == "HAS_PROPERTY":
                if have in (None, ""):
                    return False
                continue
            want: Any = f.get("value")
            if isinstance(have, float):
                want = float(want) if want is not None else None
            if op == "EQ" and have != want or op == "NEQ" and have == want:
                return False
            if op in ("GT", "GTE", "LT", "LTE"):
                if have is None or want is None:
                    return False
                if not {"GT": have > want, "GTE": have >= want, "LT": have < want, "LTE": have <= want}[op]:
                    return False
            if op == "IN" and str(have) not in [str(v) for v in f.get("values", [])]:
                return False
        return True

    def _batch_read(self, object_type: str, query: dict[str, list[str]], payload: dict[str, Any]) -> dict[str, Any]:
        inputs = payload.get("inputs", [])
        history = payload.get("propertiesWithHistory") or []
        if len(inputs) > (50 if history else 100):
            raise ApiError(400, f"Too many inputs: {len(inputs)} (at most {50 if history else 100})", "VALIDATION_ERROR")
        results = []
        for item in inputs:
            record = self.portal.resolve(object_type, int(item["id"]))  # a merged-away id answers with the survivor
            if record is not None and all(r["id"] != str(record.id) for r in results):
                results.append(self._record(object_type, record, payload.get("properties", []), history, []))
        return {"status": "COMPLETE", "results": results, "startedAt": "2026-01-01T00:00:00Z", "completedAt": "2026-01-01T00:00:01Z"}

    def _associations(self, from_type: str, to_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        inputs = payload.get("inputs", [])
        if len(inputs) > 1000 or to_type != "contacts":
            raise ApiError(400, "at most 1000 inputs, to contacts", "VALIDATION_ERROR")
        results, errors = [], []
        for item in inputs:
            record_id = int(item["id"])
            contacts = self.portal.contacts_of[from_type].get(record_id, []) if self.portal.live(from_type, record_id) else []
            start = int(item.get("after") or 0)
            chunk = contacts[start: start + self.association_page_size]
            if not chunk:
                errors.append({"status": "error", "category": "OBJECT_NOT_FOUND", "message": f"No {to_type} associated with {record_id}", "context": {"fromObjectId": [str(record_id)]}})
                continue
            result: dict[str, Any] = {
                "from": {"id": str(record_id)},
                "to": [{"toObjectId": c, "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 194, "label": None}]} for c in chunk],
            }
            if start + len(chunk) < len(contacts):
                result["paging"] = {"next": {"after": str(start + len(chunk)), "link": None}}
            results.append(result)
        out: dict[str, Any] = {"status": "COMPLETE", "results": results, "startedAt": "2026-01-01T00:00:00Z", "completedAt": "2026-01-01T00:00:01Z"}
        if errors:
            out["errors"], out["numErrors"] = errors, len(errors)
        return out


def _rest(ids: list[int], position: int) -> Any:
    return (ids[i] for i in range(position, len(ids)))


class _Handler(BaseHTTPRequestHandler):
    fake: FakeHubSpot
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        return

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle + delayed ACK add 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, payload, headers = self.fake.handle(method, self.path, self.headers, body)
        if status == 200 and isinstance(payload, dict) and payload.get("errors") and "/crm/v4/" in self.path:
            status = 207  # v4 batch reads answer Multi-Status when some inputs have no associations
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")
