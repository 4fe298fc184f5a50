"""Fixtures for the HTTP API and client tests: a real cirrusd per test session.

The binary is $CIRRUSD (default build/release/cirrusd). Each daemon gets a
free loopback port and a temporary data dir. `admin` and `demo` are clients
holding project-scoped tokens of the bootstrap users.

Sanitizers: under the ASan+UBSan build a daemon reports leaks and undefined
behaviour in its log, not in its exit status alone. Every Daemon scans the
part of the log it wrote when it stops; a report fails the fixture that owned
it and, through pytest_sessionfinish, the whole run.
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

# What ASan, LSan and UBSan print when they find something.
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "AddressSanitizer:DEADLYSIGNAL")
# Reports found by any Daemon during the session: (binary args, log excerpt).
SANITIZER_REPORTS = []
# Defaults for a daemon started outside `make` (the Makefile sets its own).
SANITIZER_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=0",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
}


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
        self.log_start = 0              # this run's part of a log shared by restarts
        self.sanitizer_report = None    # log excerpt when ASan/UBSan spoke

    @property
    def clouds_yaml(self):
        """The clouds.yaml cirrusd writes at start-up (clouds cirrus-admin, cirrus-demo)."""
        return os.path.join(self.data_dir, "clouds.yaml")

    def start(self):
        try:
            self.log_start = os.path.getsize(self.log_path)
        except OSError:
            self.log_start = 0
        env = dict(os.environ)
        for k, v in SANITIZER_ENV.items():
            env.setdefault(k, v)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [self.binary, "--data-dir", self.data_dir, "--listen", f"127.0.0.1:{self.port}",
                 *self.extra],
                stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env)
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
        """Stops the daemon (if still running) and returns its exit status.
        A leak is reported by LSan at exit, so the check comes after wait()."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode if self.proc else 0
        if self.proc:
            self.check_sanitizers()
        self.proc = None
        return rc

    def check_sanitizers(self):
        """Looks for sanitizer reports in what this run wrote to the log."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self.log_start)
                text = f.read().decode(errors="replace")
        except OSError:
            return None
        hits = [i for i in (text.find(m) for m in SANITIZER_MARKERS) if i >= 0]
        if not hits:
            return None
        start = text.rfind("\n", 0, min(hits)) + 1      # from the report's first line
        self.sanitizer_report = text[start:start + 8000]
        SANITIZER_REPORTS.append((" ".join(self.extra) or "(default flags)",
                                  self.sanitizer_report))
        return self.sanitizer_report

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
    """The bootstrap m1.tiny: a flavor some test just created (uuid ids sort
    anywhere) must not be picked by accident."""
    r = client.get("/flavors")
    assert r.status_code == 200, r.text
    flavors = r.json()["flavors"]
    tiny = [f["id"] for f in flavors if f["name"] == "m1.tiny"]
    return tiny[0] if tiny else flavors[0]["id"]


def first_image(client):
    r = client.get("/image/v2/images")
    assert r.status_code == 200, r.text
    return r.json()["images"][0]["id"]


def fail_on_sanitizer(daemons):
    reports = [d.sanitizer_report for d in daemons if d.sanitizer_report]
    if reports:
        pytest.fail("cirrusd sanitizer report:\n" + "\n----\n".join(reports), pytrace=False)


@pytest.fixture(scope="session")
def daemon():
    d = Daemon()
    try:
        d.start()
    except Exception:
        d.cleanup()
        raise
    yield d
    d.cleanup()
    fail_on_sanitizer([d])


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
    # Newest first: a restarted daemon shares the data dir its predecessor owns.
    for d in reversed(made):
        d.cleanup()
    fail_on_sanitizer(made)


def pytest_sessionfinish(session, exitstatus):
    """A sanitizer report anywhere fails the run, even when it surfaced only
    at the session daemon's exit (after the last test had passed)."""
    if SANITIZER_REPORTS and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    for args, report in SANITIZER_REPORTS:
        terminalreporter.section(f"cirrusd sanitizer report ({args})", red=True)
        terminalreporter.write_line(report)


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
