"""Fixtures for the HTTP API tests: a real cirrusd per test session.

The binary is $CIRRUSD (default build/release/cirrusd). Each daemon gets a
free loopback port and a temporary data dir. `admin` and `demo` are clients
holding project-scoped tokens of the bootstrap users.
"""
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "reference" / "nova-api-samples"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    """One cirrusd process with its own port and data dir."""

    def __init__(self, *extra_args, data_dir=None):
        self.binary = os.environ.get("CIRRUSD", str(ROOT / "build/release/cirrusd"))
        self.port = free_port()
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="cirrus-test-")
        self.extra = list(extra_args)
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.log_path = os.path.join(self.data_dir, "cirrusd.log")

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "--data-dir", self.data_dir, "--listen", f"127.0.0.1:{self.port}",
             *self.extra],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"cirrusd exited: {self.log()}")
            try:
                requests.get(self.url + "/", timeout=1)
                return self
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("cirrusd did not start")

    def log(self):
        try:
            return pathlib.Path(self.log_path).read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode if self.proc else 0
        self.proc = None
        return rc

    def cleanup(self):
        self.stop()
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


class Client:
    """requests wrapper: token, microversion header, and the three API roots."""

    def __init__(self, base, token=None, project_id=None, user_id=None, mv=None):
        self.base = base
        self.token = token
        self.project_id = project_id
        self.user_id = user_id
        self.mv = mv
        self.http = requests.Session()

    def with_mv(self, mv):
        c = Client(self.base, self.token, self.project_id, self.user_id, mv)
        return c

    def _url(self, path):
        if path.startswith("http"):
            return path
        if path.startswith("/identity") or path.startswith("/image") or path.startswith("/v2"):
            return self.base + path
        return self.base + "/v2.1" + path

    def request(self, method, path, json_body=None, headers=None, data=None, mv=None, **kw):
        h = {}
        if self.token:
            h["X-Auth-Token"] = self.token
        v = mv or self.mv
        if v:
            h["OpenStack-API-Version"] = f"compute {v}"
        if json_body is not None:
            data = json.dumps(json_body)
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        return self.http.request(method, self._url(path), data=data, headers=h, timeout=30, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, json_body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, json_body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, json_body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # --- helpers used across test files ---
    def wait_server(self, server_id, status, timeout=30):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            r = self.get(f"/servers/{server_id}")
            if status == "DELETED" and r.status_code == 404:
                return None
            assert r.status_code == 200, r.text
            last = r.json()["server"]
            if last["status"] == status:
                return last
            if last["status"] == "ERROR" and status != "ERROR":
                raise AssertionError(f"server went to ERROR: {last}")
            time.sleep(0.05)
        raise AssertionError(f"server {server_id} not {status} in time: {last}")

    def create_server(self, name="s", wait=True, **fields):
        body = {"name": name, "flavorRef": fields.pop("flavorRef", None) or first_flavor(self),
                "imageRef": fields.pop("imageRef", None) or first_image(self)}
        body.update(fields)
        r = self.post("/servers", {"server": body})
        assert r.status_code == 202, r.text
        sid = r.json()["server"]["id"]
        if wait:
            self.wait_server(sid, "ACTIVE")
        return sid


def token_for(base, user, password, project):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"name": "Default"}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"name": "Default"}}}}}
    r = requests.post(base + "/identity/v3/auth/tokens", json=body, timeout=30)
    assert r.status_code == 201, r.text
    tok = r.json()["token"]
    return r.headers["X-Subject-Token"], tok["project"]["id"], tok["user"]["id"]


def first_flavor(client):
    r = client.get("/flavors")
    assert r.status_code == 200, r.text
    return r.json()["flavors"][0]["id"]


def first_image(client):
    r = client.get("/image/v2/images")
    assert r.status_code == 200, r.text
    return r.json()["images"][0]["id"]


@pytest.fixture(scope="session")
def daemon():
    d = Daemon().start()
    yield d
    d.cleanup()


@pytest.fixture(scope="session")
def cirrus(daemon):
    return daemon.url


@pytest.fixture(scope="session")
def admin(cirrus):
    tok, pid, uid = token_for(cirrus, "admin", "admin", "admin")
    return Client(cirrus, tok, pid, uid)


@pytest.fixture(scope="session")
def demo(cirrus):
    tok, pid, uid = token_for(cirrus, "demo", "demo", "demo")
    return Client(cirrus, tok, pid, uid)


@pytest.fixture(scope="session")
def anon(cirrus):
    return Client(cirrus)


@pytest.fixture
def spawn_cirrusd():
    """Factory for tests that need a daemon of their own (restart, kill -9)."""
    made = []

    def make(*args, data_dir=None):
        d = Daemon(*args, data_dir=data_dir)
        made.append(d)
        return d.start()

    yield make
    for d in made:
        d.cleanup()


def sample(path):
    """A body from nova-api-samples, or None when ../shared is absent."""
    p = SAMPLES / path
    if not p.exists():
        return None
    return json.loads(p.read_text())


def assert_same_keys(actual, expected, where="body"):
    """Field-by-field shape comparison with a Nova sample: same keys, recursively
    (values differ per deployment)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected object, got {actual!r}"
        assert set(actual) == set(expected), (
            f"{where}: extra {sorted(set(actual) - set(expected))}, "
            f"missing {sorted(set(expected) - set(actual))}")
        for k in expected:
            assert_same_keys(actual[k], expected[k], f"{where}.{k}")
    elif isinstance(expected, list) and expected and actual:
        assert isinstance(actual, list), f"{where}: expected array"
        assert_same_keys(actual[0], expected[0], f"{where}[0]")
