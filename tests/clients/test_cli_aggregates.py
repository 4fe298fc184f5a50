"""The aggregate commands of the real `openstack` CLI (python3-openstackclient
6.0) against a two-host cirrusd: an aggregate that defines a zone, its host
seen by `hypervisor show` (which lists aggregates) and by the compute zone
list, properties, image caching (2.81), and tearing it down again.
"""
import json
import os
import shutil
import subprocess

import pytest

from conftest import Daemon, fail_on_sanitizer

OPENSTACK = shutil.which("openstack", path="/usr/bin:" + os.environ.get("PATH", ""))
pytestmark = pytest.mark.skipif(OPENSTACK is None, reason="python3-openstackclient missing "
                                "(scripts/deps.sh installs it)")


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    d = Daemon("--hosts", "2")
    try:
        d.start()
    except Exception:
        d.cleanup()
        raise
    d.home = tmp_path_factory.mktemp("cli-aggregates-home")
    yield d
    d.cleanup()
    fail_on_sanitizer([d])


def run(cloud, *args, fmt="json", ok=True):
    """`openstack <args>` as admin through the clouds.yaml cirrusd wrote."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(OS_CLIENT_CONFIG_FILE=cloud.clouds_yaml, OS_CLOUD="cirrus-admin",
               HOME=str(cloud.home), XDG_CONFIG_HOME=str(cloud.home / ".config"),
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    cmd = [OPENSTACK, *args] + (["-f", fmt] if fmt else [])
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180,
                       stdin=subprocess.DEVNULL)
    if not ok:
        assert p.returncode != 0, f"`openstack {' '.join(args)}` succeeded:\n{p.stdout}"
        return p.stderr
    assert p.returncode == 0, (f"`openstack {' '.join(args)}` exited {p.returncode}\n"
                               f"stderr:\n{p.stderr[-3000:]}\ncirrusd log:\n{cloud.log()[-2000:]}")
    return json.loads(p.stdout) if fmt == "json" else p.stdout


def compute_zones(cloud):
    return {r["Zone Name"]: r["Zone Status"]
            for r in run(cloud, "availability", "zone", "list", "--compute")}


def test_aggregate_zone_lifecycle(cloud):
    ag = run(cloud, "aggregate", "create", "--zone", "az1", "ag1")
    assert ag["name"] == "ag1" and ag["availability_zone"] == "az1"
    ag = run(cloud, "aggregate", "add", "host", "ag1", "cirrus-1")
    assert ag["hosts"] == ["cirrus-1"]
    shown = run(cloud, "aggregate", "show", "ag1")
    assert shown["hosts"] == ["cirrus-1"] and shown["availability_zone"] == "az1"
    rows = run(cloud, "aggregate", "list", "--long")
    assert [(r["Name"], r["Availability Zone"], r["Hosts"]) for r in rows] == \
        [("ag1", "az1", ["cirrus-1"])]
    # `hypervisor show` reads GET /os-aggregates to list the host's aggregates.
    hv = run(cloud, "hypervisor", "show", "cirrus-1")
    assert hv["aggregates"] == ["ag1"] and hv["hypervisor_hostname"] == "cirrus-1"
    assert run(cloud, "hypervisor", "show", "cirrus-2")["aggregates"] == []
    assert compute_zones(cloud) == {"az1": "available", "internal": "available",
                                    "nova": "available"}
    rows = run(cloud, "compute", "service", "list", "--service", "nova-compute")
    assert {r["Host"]: r["Zone"] for r in rows} == {"cirrus-1": "az1", "cirrus-2": "nova"}

    # 2.81 image pre-caching is accepted for an image that exists.
    image = run(cloud, "image", "list")[0]["ID"]
    run(cloud, "--os-compute-api-version", "2.81", "aggregate", "cache", "image", "ag1", image,
        fmt=None)

    run(cloud, "aggregate", "set", "--property", "ssd=true", "ag1", fmt=None)
    assert run(cloud, "aggregate", "show", "ag1")["properties"] == {"ssd": "true"}
    run(cloud, "aggregate", "unset", "--property", "ssd", "ag1", fmt=None)
    assert run(cloud, "aggregate", "show", "ag1")["properties"] == {}

    # Nova refuses to delete an aggregate that still has hosts.
    assert "not empty" in run(cloud, "aggregate", "delete", "ag1", fmt=None, ok=False)
    ag = run(cloud, "aggregate", "remove", "host", "ag1", "cirrus-1")
    assert ag["hosts"] == []
    assert compute_zones(cloud) == {"internal": "available", "nova": "available"}
    run(cloud, "aggregate", "delete", "ag1", fmt=None)
    assert run(cloud, "aggregate", "list") == []


def test_second_zone_refused(cloud):
    run(cloud, "aggregate", "create", "--zone", "az1", "first")
    run(cloud, "aggregate", "create", "--zone", "az2", "second")
    run(cloud, "aggregate", "add", "host", "first", "cirrus-2")
    err = run(cloud, "aggregate", "add", "host", "second", "cirrus-2", ok=False)
    assert "One or more hosts already in availability zone(s) ['az1']" in err
    run(cloud, "aggregate", "remove", "host", "first", "cirrus-2")
    run(cloud, "aggregate", "delete", "first", "second", fmt=None)
