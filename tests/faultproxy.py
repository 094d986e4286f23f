"""Fault injection for tests: the answers real IAM gives under load or without permission.

moto never throttles, never fails with a 5xx, never loses an answer and allows everything. A
`Faults` object decides, per API action (`CreateUser`, `GetAccountAuthorizationDetails`), which
calls fail and how. Two carriers:

- `FaultProxy`, for the real CLI: an HTTP proxy on 127.0.0.1 in front of the moto server
  (`AWS_ENDPOINT_URL=proxy.url`).
- `inject(client, faults)`, for in-process moto (`mock_aws`), on one boto3 client.

    faults = Faults(Rule("CreateUser", LOST), Rule(ANY_WRITE, denied("iam:CreateGroup"), at=3))

Why `inject` replaces moto's hook instead of adding one of its own: in-process moto answers from
a `before-send` handler, and botocore calls *every* `before-send` handler (`emit`, not
`emit_until_response`), then uses the first answer that is not None. A handler registered ahead of
moto (`register_first`, or on the more specific `before-send.iam.CreateUser`) does win with its
fault, but moto still runs after it and carries the request out: every such fault is a lost
answer, never a refusal. A handler registered after moto never wins at all. So `inject` takes
moto's handler off the client and calls it itself, only when the fault lets the request through.
"""

from __future__ import annotations

import http.client
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

# Who the emulator says the test credentials are (GetCallerIdentity); AWS names the caller so.
CALLER_ARN = "arn:aws:sts::123456789012:user/moto"
ANY_WRITE = "*write*"  # a rule on every call that changes something, counted together
_READ_PREFIXES = ("Get", "List", "Generate", "Simulate")

MAX_BODY_BYTES = 1 << 20
UPSTREAM_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Fault:
    status: int  # 0: no answer at all, the connection is closed
    code: str
    message: str
    # True: the request reaches the emulator and is carried out, then its answer is replaced.
    reaches_aws: bool = False

    def body(self) -> bytes:
        return error_body(self.code, self.message)


THROTTLE = Fault(400, "Throttling", "Rate exceeded")
SERVER_ERROR = Fault(500, "ServiceFailure", "Internal failure, please retry")
LOST = Fault(500, "ServiceFailure", "Internal failure, please retry", reaches_aws=True)
DROPPED = Fault(0, "ConnectionClosedError", "connection closed", reaches_aws=True)
NOT_FOUND = Fault(404, "NoSuchEntity", "The user with name alice cannot be found.")
CONCURRENT = Fault(409, "ConcurrentModification", "Rate of concurrent modifications exceeded")
UNMODIFIABLE = Fault(409, "EntityTemporarilyUnmodifiable", "The entity is being modified")
EXPIRED = Fault(403, "ExpiredToken", "The security token included in the request is expired")


def denied(permission: str) -> Fault:
    """AccessDenied in AWS's words, which name the caller."""
    return Fault(
        403,
        "AccessDenied",
        f"User: {CALLER_ARN} is not authorized to perform: {permission} on resource: * "
        "because no identity-based policy allows the action",
    )


def error_body(code: str, message: str) -> bytes:
    """The XML error document of IAM and STS (query protocol)."""
    return (
        '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        f"<Error><Type>Sender</Type><Code>{escape(code)}</Code>"
        f"<Message>{escape(message)}</Message></Error>"
        "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    ).encode()


def is_write(action: str) -> bool:
    return not action.startswith(_READ_PREFIXES)


def action_of(body: bytes | str | None) -> str:
    """The API action of a query-protocol request body (`Action=CreateUser&...`)."""
    text = body.decode() if isinstance(body, bytes) else (body or "")
    return parse_qs(text).get("Action", [""])[0]


@dataclass(frozen=True)
class Rule:
    """Fault the calls of `action` (or of ANY_WRITE) numbered `at`, or the first `first` ones."""

    action: str
    fault: Fault
    at: int | None = None
    first: int | None = None

    def hits(self, number: int) -> bool:
        if self.first is not None:
            return number <= self.first
        return number == (self.at or 1)


class Faults:
    """Thread-safe: counts every call by action and says which one to fault."""

    def __init__(self, *rules: Rule) -> None:
        self.rules = rules
        self.seen: Counter[str] = Counter()
        self.faulted: list[tuple[str, str]] = []  # (action, AWS error code), in order
        self._lock = threading.Lock()

    def decide(self, action: str) -> Fault | None:
        with self._lock:
            self.seen[action] += 1
            if is_write(action):
                self.seen[ANY_WRITE] += 1
            scopes = (action, ANY_WRITE) if is_write(action) else (action,)
            for rule in self.rules:
                if rule.action in scopes and rule.hits(self.seen[rule.action]):
                    self.faulted.append((action, rule.fault.code))
                    return rule.fault
            return None


class FaultProxy:
    """An HTTP proxy on 127.0.0.1 (a free port) that forwards to `upstream` except where
    `faults` says otherwise. Swap `faults` between runs; `stop()` ends it."""

    def __init__(self, upstream: str, faults: Faults | None = None) -> None:
        self.upstream = urlsplit(upstream)
        self.faults = faults or Faults()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[
        int, list[tuple[str, str]], bytes
    ]:
        connection = http.client.HTTPConnection(
            self.upstream.hostname or "127.0.0.1",
            self.upstream.port,
            timeout=UPSTREAM_TIMEOUT_SECONDS,
        )
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = UPSTREAM_TIMEOUT_SECONDS

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY_BYTES:
                    self.reply(413, [], b"request too large")
                    return
                body = self.rfile.read(length)
                fault = proxy.faults.decide(action_of(body))
                if fault is None or fault.reaches_aws:
                    status, headers, answer = proxy.forward(
                        "POST", self.path, dict(self.headers.items()), body
                    )
                if fault is not None and fault.status == 0:
                    self.close_connection = True
                    return  # the handler closes the socket: no status line, no answer
                if fault is not None:
                    status, headers, answer = fault.status, [], fault.body()
                self.reply(status, headers, answer)

            do_GET = do_POST  # noqa: N815

            def reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response(status)
                headers = [
                    (name, value)
                    for name, value in headers
                    if name.lower() not in ("content-length", "transfer-encoding", "connection")
                ] or [("Content-Type", "text/xml")]
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # no request log between the test's output

        return Handler


@contextmanager
def fault_proxy(upstream: str, *rules: Rule) -> Iterator[FaultProxy]:
    proxy = FaultProxy(upstream, Faults(*rules))
    try:
        yield proxy
    finally:
        proxy.stop()


def inject(client: Any, faults: Faults) -> None:
    """Fault the calls of one boto3 client (in-process moto) as `faults` says."""
    from botocore.awsrequest import AWSResponse
    from botocore.exceptions import ConnectionClosedError
    from moto.core.botocore_stubber import MockRawResponse
    from moto.core.models import botocore_stubber

    def send(request: Any, **kwargs: Any) -> Any:
        fault = faults.decide(action_of(request.body))
        answer = None
        if fault is None or fault.reaches_aws:
            answer = botocore_stubber(request=request, **kwargs)
        if fault is None:
            return answer
        if fault.status == 0:  # botocore's transport raises this when the answer never comes
            raise ConnectionClosedError(endpoint_url=request.url)
        return AWSResponse(request.url, fault.status, {}, MockRawResponse(fault.body()))

    client.meta.events.unregister("before-send", botocore_stubber)
    client.meta.events.register("before-send", send)
