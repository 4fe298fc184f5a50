"""The host commands of the real `openstack` CLI (python3-openstackclient
6.0) against a two-host cirrusd: hypervisor list/stats, compute service
list/set (disable with a reason, enable, force down) and the compute zones.
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
    d.home = tmp_path_factory.mktemp("cli-hosts-home")
    yield d
    d.cleanup()
    fail_on_sanitizer([d])


def osc(cloud, *args, fmt="json"):
    """`openstack <args>` as admin through the clouds.yaml cirrusd wrote."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(OS_CLIENT_CONFIG_FILE=cloud.clouds_yaml, OS_CLOUD="cirrus-admin",
               HOME=str(cloud.home), XDG_CONFIG_HOME=str(cloud.home / ".config"),
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    cmd = [OPENSTACK, *args] + (["-f", fmt] if fmt else [])
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 0, (f"`openstack {' '.join(args)}` exited {p.returncode}\n"
                               f"stderr:\n{p.stderr[-3000:]}\ncirrusd log:\n{cloud.log()[-2000:]}")
    return json.loads(p.stdout) if fmt == "json" else p.stdout


def test_hypervisors(cloud):
    rows = osc(cloud, "hypervisor", "list")
    assert sorted(r["Hypervisor Hostname"] for r in rows) == ["cirrus-1", "cirrus-2"]
    assert {r["State"] for r in rows} == {"up"}
    stats = osc(cloud, "hypervisor", "stats", "show")
    assert stats["count"] == 2 and stats["running_vms"] == 0


def test_services_disable_enable_force_down(cloud):
    rows = osc(cloud, "compute", "service", "list")
    assert sorted(r["Binary"] for r in rows) == ["nova-compute", "nova-compute",
                                                 "nova-conductor", "nova-scheduler"]
    osc(cloud, "compute", "service", "set", "--disable", "--disable-reason", "maint",
        "cirrus-1", "nova-compute", fmt=None)
    rows = {r["Host"]: r for r in osc(cloud, "compute", "service", "list", "--long",
                                      "--service", "nova-compute")}
    assert rows["cirrus-1"]["Status"] == "disabled"
    assert rows["cirrus-1"]["Disabled Reason"] == "maint"
    osc(cloud, "compute", "service", "set", "--enable", "--down", "cirrus-1", "nova-compute",
        fmt=None)
    rows = {r["Host"]: r for r in osc(cloud, "compute", "service", "list", "--long")}
    assert rows["cirrus-1"]["Status"] == "enabled" and rows["cirrus-1"]["State"] == "down"
    zones = osc(cloud, "availability", "zone", "list", "--compute", "--long")
    hosts = {(z["Host Name"], z["Service Name"]): z for z in zones}
    assert hosts[("cirrus-2", "nova-compute")]["Service Status"].startswith("enabled :-)")
    assert ("cirrus", "nova-scheduler") in hosts
