"""The server actions flow of the issue with the real `openstack` CLI
(python3-openstackclient 6.0) against a two-host cirrusd of this module's
own: rescue (with and without --image / --password), unrescue, lock and
unlock (a locked server refuses a member's rescue), `server set --state`,
`server event list`; then the move operations: cold migrate with --host
and --wait, resize confirm / revert, live migration with --host, the
migration list, hypervisors and compute services, disabling a service.

OS_COMPUTE_API_VERSION is the advertised maximum capped at 2.87 (what this
flow needs; --host on a cold migration wants 2.56). Every CLI call costs
1-3 s, so the flow is two tests of several steps each; setup and waits go
through the REST API.
"""
import json
import os
import shutil
import subprocess
import time

import pytest
import requests

from conftest import Client, Daemon, fail_on_sanitizer, first_flavor, first_image, token_for

OPENSTACK = shutil.which("openstack", path="/usr/bin:" + os.environ.get("PATH", ""))
pytestmark = pytest.mark.skipif(OPENSTACK is None, reason="python3-openstackclient missing "
                                "(scripts/deps.sh installs it)")
WANT_MV = (2, 87)
HOST = "OS-EXT-SRV-ATTR:host"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    d = Daemon("--hosts", "2")
    try:
        d.start()
    except Exception:
        d.cleanup()
        raise
    d.home = tmp_path_factory.mktemp("cli-actions-home")
    doc = requests.get(d.url + "/v2.1/", timeout=10).json()["version"]
    have = tuple(int(x) for x in doc["version"].split("."))
    d.mv = min(have, WANT_MV)
    tok, pid, uid = token_for(d.url, "admin", "admin", "admin")
    d.admin = Client(d.url, tok, pid, uid)
    tok, pid, uid = token_for(d.url, "demo", "demo", "demo")
    d.demo = Client(d.url, tok, pid, uid)
    yield d
    d.cleanup()
    fail_on_sanitizer([d])


def run(cloud, user, *args, fmt="json", timeout=180):
    """`openstack <args>` as user with only the clouds.yaml cirrusd wrote
    and the microversion; returns the CompletedProcess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(OS_CLIENT_CONFIG_FILE=cloud.clouds_yaml, OS_CLOUD=f"cirrus-{user}",
               OS_COMPUTE_API_VERSION="%d.%d" % cloud.mv,
               HOME=str(cloud.home), XDG_CONFIG_HOME=str(cloud.home / ".config"),
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    cmd = [OPENSTACK, *args] + (["-f", fmt] if fmt else [])
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def osc(cloud, user, *args, fmt="json", timeout=180):
    p = run(cloud, user, *args, fmt=fmt, timeout=timeout)
    shown = " ".join(args)
    assert p.returncode == 0, (f"`openstack {shown}` (as {user}) exited {p.returncode}\n"
                               f"stderr:\n{p.stderr[-3000:]}\nstdout:\n{p.stdout[-2000:]}\n"
                               f"cirrusd log tail:\n{cloud.log()[-2000:]}")
    if fmt != "json":
        return p.stdout
    return json.loads(p.stdout)


def osc_fails(cloud, user, *args):
    """A call that must fail; returns its stderr."""
    p = run(cloud, user, *args, fmt=None)
    assert p.returncode != 0, f"`openstack {' '.join(args)}` succeeded: {p.stdout}"
    return p.stderr


def wait_status(client, sid, status, timeout=60):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        r = client.get(f"/servers/{sid}")
        assert r.status_code == 200, r.text
        last = r.json()["server"]
        if last["status"] == status and last["OS-EXT-STS:task_state"] is None:
            return last
        time.sleep(0.1)
    raise AssertionError(f"server {sid} not {status}: {last}")


def test_rescue_lock_state_and_events(cloud):
    demo, admin = cloud.demo, cloud.admin
    sid = demo.create_server("cli-rescue")
    # a second image the demo project owns, to rescue with
    r = demo.post("/image/v2/images", {"name": "cli-rescue-image", "disk_format": "raw",
                                       "container_format": "bare"})
    assert r.status_code == 201, r.text
    other = r.json()["id"]
    r = demo.put(f"/image/v2/images/{other}/file", data=b"r" * 256,
                 headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 204, r.text

    osc(cloud, "demo", "server", "rescue", sid, fmt=None)
    assert wait_status(demo, sid, "RESCUE")["OS-EXT-STS:vm_state"] == "rescued"
    osc(cloud, "demo", "server", "unrescue", sid, fmt=None)
    wait_status(demo, sid, "ACTIVE")
    osc(cloud, "demo", "server", "rescue", "--image", "cli-rescue-image", "--password",
        "Resc-ue-42", sid, fmt=None)
    wait_status(demo, sid, "RESCUE")
    osc(cloud, "demo", "server", "unrescue", sid, fmt=None)
    wait_status(demo, sid, "ACTIVE")

    # a member cannot rescue a locked server; the lock holder's unlock frees it
    osc(cloud, "demo", "server", "lock", sid, fmt=None)
    err = osc_fails(cloud, "demo", "server", "rescue", sid)
    assert f"Instance {sid} is locked" in err and "HTTP 409" in err, err
    osc(cloud, "demo", "server", "unlock", sid, fmt=None)

    # an admin's reset of the state, and back
    osc(cloud, "admin", "server", "set", "--state", "error", sid, fmt=None)
    assert wait_status(admin, sid, "ERROR")["OS-EXT-STS:vm_state"] == "error"
    osc(cloud, "admin", "server", "set", "--state", "active", sid, fmt=None)
    wait_status(admin, sid, "ACTIVE")
    # rescued from ERROR, unrescued to ACTIVE
    osc(cloud, "demo", "server", "rescue", sid, fmt=None)
    wait_status(demo, sid, "RESCUE")
    osc(cloud, "demo", "server", "unrescue", sid, fmt=None)
    wait_status(demo, sid, "ACTIVE")

    events = osc(cloud, "demo", "server", "event", "list", sid)
    actions = [e["Action"] for e in events]
    assert actions.count("rescue") == 3 and actions.count("unrescue") == 3, actions
    for name in ("create", "lock", "unlock"):
        assert name in actions, actions
    assert "resetState" in [e["Action"] for e in osc(cloud, "admin", "server", "event", "list",
                                                     sid)]
    rescue_req = next(e["Request ID"] for e in events if e["Action"] == "rescue")
    shown = osc(cloud, "admin", "server", "event", "show", sid, rescue_req)
    assert "compute_rescue_instance" in json.dumps(shown), shown

    assert demo.delete(f"/servers/{sid}").status_code == 204
    assert admin.delete(f"/image/v2/images/{other}").status_code == 204


def test_moves_hypervisors_and_services(cloud):
    if cloud.mv < (2, 56):
        pytest.skip("compute 2.56 (migrate --host) not advertised yet")
    demo, admin = cloud.demo, cloud.admin
    hypervisors = osc(cloud, "admin", "hypervisor", "list")
    names = sorted(h["Hypervisor Hostname"] for h in hypervisors)
    assert len(names) == 2, hypervisors
    services = osc(cloud, "admin", "compute", "service", "list")
    computes = sorted(s["Host"] for s in services if s["Binary"] == "nova-compute")
    assert len(computes) == 2 and all(s["State"] == "up" for s in services), services

    sid = demo.create_server("cli-move")
    src = admin.get(f"/servers/{sid}").json()["server"][HOST]
    dst = next(h for h in computes if h != src)

    # cold migrate to the other host, confirm
    osc(cloud, "admin", "server", "migrate", "--host", dst, "--wait", sid, fmt=None)
    srv = wait_status(admin, sid, "VERIFY_RESIZE")
    assert srv[HOST] == dst, srv
    osc(cloud, "admin", "server", "resize", "confirm", sid, fmt=None)
    assert wait_status(admin, sid, "ACTIVE")[HOST] == dst

    # cold migrate back, revert: it stays where it was
    osc(cloud, "admin", "server", "migrate", "--host", src, "--wait", sid, fmt=None)
    assert wait_status(admin, sid, "VERIFY_RESIZE")[HOST] == src
    osc(cloud, "admin", "server", "resize", "revert", sid, fmt=None)
    assert wait_status(admin, sid, "ACTIVE")[HOST] == dst

    # live migration to a named host
    osc(cloud, "admin", "server", "migrate", "--live-migration", "--host", src, sid, fmt=None)
    deadline = time.time() + 60
    while time.time() < deadline:
        srv = admin.get(f"/servers/{sid}").json()["server"]
        if srv[HOST] == src and srv["status"] == "ACTIVE" and not srv["OS-EXT-STS:task_state"]:
            break
        time.sleep(0.1)
    assert srv[HOST] == src and srv["status"] == "ACTIVE", srv

    migrations = osc(cloud, "admin", "server", "migration", "list", "--server", sid)
    types = sorted(m["Type"] for m in migrations)
    assert types == ["live-migration", "migration", "migration"], migrations
    assert all(m["Status"] in ("confirmed", "reverted", "completed") for m in migrations), \
        migrations

    # disabling the other host's compute service
    osc(cloud, "admin", "compute", "service", "set", "--disable", "--disable-reason", "cli",
        dst, "nova-compute", fmt=None)
    services = osc(cloud, "admin", "compute", "service", "list", "--long")
    row = next(s for s in services if s["Host"] == dst and s["Binary"] == "nova-compute")
    assert row["Status"] == "disabled" and row["Disabled Reason"] == "cli", row

    assert demo.delete(f"/servers/{sid}").status_code == 204
