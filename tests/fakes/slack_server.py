"""A fake Slack Web API: a real HTTP server on 127.0.0.1 that the real `slack_sdk` talks to
(`WebClient(base_url=...)`). It answers `users.lookupByEmail` and `chat.postMessage` as Slack
does (JSON with `ok`, errors as `ok: false` with an `error` code), checks the bot token, and can
rate-limit: a 429 with `Retry-After`, either for the next N calls of a method or whenever calls
of a method come closer together than Slack's limit allows."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "xoxb-test-token"


@dataclass
class FakeSlack:
    users: dict[str, str] = field(default_factory=dict)  # e-mail -> member id
    messages: list[dict[str, Any]] = field(default_factory=list)  # chat.postMessage bodies
    calls: list[tuple[str, float]] = field(default_factory=list)  # (method, monotonic time)
    throttle_next: dict[str, int] = field(default_factory=dict)  # method -> 429s to answer
    fail_next: dict[str, str] = field(default_factory=dict)  # method -> error code, once
    min_spacing: dict[str, float] = field(default_factory=dict)  # method -> seconds (else 429)
    rate_limited: int = 0
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def dms(self, member: str) -> list[str]:
        return [m["text"] for m in self.messages if m.get("channel") == member]

    def answer(
        self, method: str, auth: str | None, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self.lock:
            now = time.monotonic()
            previous = [t for m, t in self.calls if m == method]
            self.calls.append((method, now))
            if self.throttle_next.get(method):
                self.throttle_next[method] -= 1
                self.rate_limited += 1
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
            spacing = self.min_spacing.get(method)
            if spacing and previous and now - previous[-1] < spacing:
                self.rate_limited += 1
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}
            if auth != f"Bearer {TOKEN}":
                return 200, {"ok": False, "error": "invalid_auth"}, {}
            if method in self.fail_next:
                return 200, {"ok": False, "error": self.fail_next.pop(method)}, {}
            if method == "users.lookupByEmail":
                member = self.users.get(str(params.get("email", "")).lower())
                if member is None:
                    return 200, {"ok": False, "error": "users_not_found"}, {}
                return (
                    200,
                    {"ok": True, "user": {"id": member, "profile": {"email": params["email"]}}},
                    {},
                )
            if method == "chat.postMessage":
                self.messages.append(dict(params))
                return 200, {"ok": True, "channel": params.get("channel"), "ts": f"{now:.6f}"}, {}
            return 200, {"ok": False, "error": "unknown_method"}, {}


@contextmanager
def slack_server(users: dict[str, str] | None = None) -> Iterator[FakeSlack]:
    fake = FakeSlack(users={k.lower(): v for k, v in (users or {}).items()})

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            parts = urlsplit(self.path)
            method = parts.path.rsplit("/", 1)[-1]
            params: dict[str, Any] = {k: v[0] for k, v in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length", "0") or 0)
            if length:
                raw = self.rfile.read(length)
                if "json" in (self.headers.get("Content-Type") or ""):
                    params.update(json.loads(raw))
                else:
                    params.update({k: v[0] for k, v in parse_qs(raw.decode()).items()})
            status, body, headers = fake.answer(method, self.headers.get("Authorization"), params)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = _handle  # noqa: N815 (http.server API)
        do_POST = _handle  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
