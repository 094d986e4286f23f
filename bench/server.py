"""The bench's IAM emulator: a moto server in a child process, with three additions.

- `POST /bench/seed`: create users, groups, roles and policies straight in moto's memory.
  Through the API, seeding 5,000 users and 1,000 roles takes ~40,000 calls (minutes); in memory
  it takes seconds. What is
  measured afterwards (plan, refresh, apply) still goes through the API like any client.
- `GET /bench/counts`: IAM and STS requests received, by action, since the last reset: the
  server-side count of what a plan did, kept apart from the client's own count.
- `POST /bench/latency`: add a delay to every API request, as a stand-in for the network round
  trip to real IAM (moto answers in ~1 ms on the same host; AWS in tens of milliseconds).
- Identity Center (`bench/identity_server.py`): the instance's 20 calls a second enforced, and
  the sso-admin reads moto lacks answered, Organizations' ListTargetsForPolicy paged as AWS
  pages it; `POST /bench/identity-center` turns the limit off while the bench seeds the
  organisation.

A child process, so that the memory measured for the client (iamctl, the refresh baseline) is the
client's alone, and moto's CPU time is not taken from the bench process.
"""

from __future__ import annotations

import io
import json
import logging
import os
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.identity_server import (  # noqa: E402
    IdentityCenterLayer,
    encode,
    organizations_answer,
    service_and_action,
)
from reconciler import emulator  # noqa: E402
from reconciler.emulator import (  # noqa: E402
    EXIT_ON_EOF,
    reset_emulator,
    wait_for_stop,
)

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class ServerCounts:
    calls: Counter[str]  # requests by action (`service:Action` beyond IAM and STS)
    max_items: dict[str, int]  # the MaxItems the client last sent, by action
    services: Counter[str]  # requests by service
    throttled: Counter[str]  # ThrottlingException answers by service (counted in `calls` too)

    @property
    def total(self) -> int:
        return sum(self.calls.values())


@dataclass(frozen=True)
class Emulator:
    url: str
    stop: Callable[[], None]

    def reset(self) -> None:
        """Empty the account (moto reloads the AWS managed policies on the next request)."""
        reset_emulator(self.url)

    def seed(self, body: dict[str, Any]) -> None:
        post(f"{self.url}/bench/seed", body)

    def counts(self, reset: bool = True) -> ServerCounts:
        """Requests by action since the last reset; resets the count unless told not to."""
        query = "?reset=1" if reset else ""
        with urllib.request.urlopen(f"{self.url}/bench/counts{query}", timeout=30) as response:
            answer = json.load(response)
        return ServerCounts(Counter(answer["calls"]), answer["max_items"],
                            Counter(answer["services"]), Counter(answer["throttled"]))

    def set_latency(self, seconds: float) -> None:
        post(f"{self.url}/bench/latency", {"seconds": seconds})

    def limit_identity_center(self, enforce: bool) -> None:
        """Whether the server enforces Identity Center's 20 calls a second (off to seed)."""
        post(f"{self.url}/bench/identity-center", {"enforce": enforce})

    def load_aws_policies(self, load: bool) -> None:
        """Whether accounts the emulator meets from now on get AWS managed policies."""
        post(f"{self.url}/bench/aws-policies", {"load": load})


def post(url: str, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=600):
        pass


def start_emulator() -> Emulator:
    """Start the bench emulator on a free local port (see `reconciler/emulator.py` for why a child
    process that exits when its standard input closes)."""
    url, stop = emulator.start_emulator(str(Path(__file__).resolve()))
    return Emulator(url, stop)


# Inside the child process.


class BenchMiddleware:
    """Wraps moto's WSGI application: answers /bench/ requests, counts and delays the others,
    and stands in front of moto for Identity Center (`identity_server.py`)."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.identity_center = IdentityCenterLayer()
        self.counts: Counter[str] = Counter()
        self.services: Counter[str] = Counter()
        self.max_items: dict[str, int] = {}
        self.latency = 0.0
        self.lock = threading.Lock()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/bench/"):
            return self.bench(path, environ, start_response)
        if path.startswith("/moto-api"):
            return self.app(environ, start_response)
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            return self.json_call(target, environ, start_response)
        self.count(environ)
        self.delay()
        return self.app(environ, start_response)

    def delay(self) -> None:
        if self.latency:
            time.sleep(self.latency)  # releases the GIL: concurrent requests overlap

    def count(self, environ: Environ) -> None:
        """IAM and STS use the query protocol: the action is a field of the form body. Read the
        body, note the action, and put the body back for moto."""
        fields = urllib.parse.parse_qs(read_body(environ).decode("utf-8", "replace"))
        action = fields.get("Action", ["?"])[0]
        service = "sts" if action in ("GetCallerIdentity", "AssumeRole") else "iam"
        with self.lock:
            self.counts[action] += 1
            self.services[service] += 1
            if "MaxItems" in fields:
                self.max_items[action] = int(fields["MaxItems"][0])

    def json_call(self, target: str, environ: Environ,
                  start_response: StartResponse) -> Iterable[bytes]:
        """A JSON-protocol call (sso-admin, identitystore, organizations): the action is in the
        X-Amz-Target header. Counted, throttled beyond Identity Center's rate (on arrival, as
        AWS counts), delayed, then answered by the layer or by moto."""
        service, action = service_and_action(target)
        with self.lock:
            self.counts[f"{service}:{action}"] += 1
            self.services[service] += 1
        answer = self.identity_center.throttle(service)
        self.delay()
        if answer is None and service == "sso-admin":
            answer = self.identity_center.answer(action, json.loads(read_body(environ) or b"{}"))
        elif answer is None and service == "organizations":
            answer = organizations_answer(action, json.loads(read_body(environ) or b"{}"))
        if answer is None:
            return self.app(environ, start_response)
        status, headers, body = encode(answer)
        start_response(status, headers)
        return [body]

    def bench(self, path: str, environ: Environ, start_response: StartResponse) -> list[bytes]:
        body = read_body(environ)
        answer: Any = {}
        if path == "/bench/seed":
            seed_backend(json.loads(body))
        elif path == "/bench/latency":
            self.latency = float(json.loads(body)["seconds"])
        elif path == "/bench/identity-center":
            self.identity_center.enforce = bool(json.loads(body)["enforce"])
        elif path == "/bench/aws-policies":
            # moto reads this when it first meets an account: ~1,500 AWS managed policies each,
            # which the many small accounts of the many-accounts run do not use.
            load = "true" if json.loads(body)["load"] else "false"
            os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = load
        elif path == "/bench/counts":
            with self.lock:
                answer = {"calls": dict(self.counts), "max_items": dict(self.max_items),
                          "services": dict(self.services),
                          "throttled": dict(self.identity_center.throttled)}
                if "reset=1" in environ.get("QUERY_STRING", ""):
                    self.counts.clear()
                    self.max_items.clear()
                    self.services.clear()
                    self.identity_center.throttled.clear()
        else:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"unknown bench endpoint\n"]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(answer).encode()]


def read_body(environ: Environ) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def seed_backend(spec: dict[str, Any]) -> None:
    """Create what `bench.accounts.seed` describes, with moto's own backend methods (the ones its
    API handlers call), skipping groups and policies that already exist."""
    from moto.iam.models import iam_backends

    from bench.accounts import ACCOUNT_ID

    backend = iam_backends[spec.get("account", ACCOUNT_ID)]["aws"]
    for policy in spec["policies"]:
        if not any(p.name == policy["name"] for p in backend.managed_policies.values()):
            backend.create_policy("", "/", json.dumps(policy["document"]), policy["name"], [])
    for group in spec["groups"]:
        if group["name"] not in backend.groups:
            backend.create_group(group["name"])
            for arn in group["policies"]:
                backend.attach_group_policy(arn, group["name"])
    for user in spec["users"]:
        seed_user(backend, user)
    for role in spec.get("roles", []):
        seed_role(backend, role)


def seed_user(backend: Any, user: dict[str, Any]) -> None:
    name = user["name"]
    tags = [{"Key": key, "Value": value} for key, value in user["tags"].items()]
    backend.create_user("us-east-1", name, tags=tags)
    for group in user["groups"]:
        backend.add_user_to_group(group, name)
    for arn in user["policies"]:
        backend.attach_user_policy(arn, name)
    for _ in range(user["access_keys"]):
        backend.create_access_key(name)
    if user["console"]:
        backend.create_login_profile(name, os.urandom(24).hex())


def seed_role(backend: Any, role: dict[str, Any]) -> None:
    name = role["name"]
    tags = [{"Key": key, "Value": value} for key, value in role["tags"].items()]
    backend.create_role(
        name, json.dumps(role["trust"]), "/", None, role["description"], tags,
        str(role["max_session_duration"]),
    )
    for arn in role["policies"]:
        backend.attach_role_policy(arn, name)
    for policy_name, document in role["inline_policies"].items():
        backend.put_role_policy(name, policy_name, json.dumps(document))
    if role["instance_profile"]:
        backend.create_instance_profile(name, "/", [name])


def serve(exit_on_stdin_eof: bool) -> None:
    """Run moto with the bench middleware on a free port, print the URL, serve until stopped."""
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from reconciler.emulator import only_the_aws_partition

    only_the_aws_partition()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = BenchMiddleware(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    print(f"http://{host!s}:{port}", flush=True)
    try:
        wait_for_stop(exit_on_stdin_eof)
    finally:
        server.shutdown()


if __name__ == "__main__":
    serve(exit_on_stdin_eof=EXIT_ON_EOF in sys.argv[1:])
