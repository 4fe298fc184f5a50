"""Scheduling against a real cirrusd: servers spread over hosts by free RAM,
the requested host forms (2.74 host / hypervisor_hostname, the admin
"zone:host" form), capacity with allocation ratios (the server that does not
fit goes to ERROR with Nova's NoValidHost fault and releases nothing), and
30 parallel creates on two tiny hosts: never more ACTIVE servers than the
hosts hold, hypervisor usage equal to the sum of the ACTIVE servers.
"""
import concurrent.futures

from conftest import Client
from hostutil import clients, conf_file, create, delete_all, fault, host_of, need, wait_status

NO_VALID_HOST = "No valid host was found. There are not enough hosts available."


def flavor(client, name):
    return next(f for f in client.get("/flavors/detail").json()["flavors"] if f["name"] == name)


def hypervisors(admin):
    r = admin.get("/os-hypervisors/detail")
    assert r.status_code == 200, r.text
    return {h["hypervisor_hostname"]: h for h in r.json()["hypervisors"]}


def test_spread_by_free_ram(spawn_cirrusd):
    admin, demo = clients(spawn_cirrusd("--hosts", "3"))
    sids = [create(demo, f"spread{i}") for i in range(3)]
    assert sorted(host_of(admin, s) for s in sids) == ["cirrus-1", "cirrus-2", "cirrus-3"]
    assert all(h["running_vms"] == 1 for h in hypervisors(admin).values())
    delete_all(demo, sids)


def test_requested_host_274(spawn_cirrusd):
    admin, demo = clients(spawn_cirrusd("--hosts", "3"))
    need(admin, "2.74")
    # From 2.37 "networks" is required.
    a = create(admin, "req-host", mv="2.74", networks="auto", host="cirrus-2")
    b = create(admin, "req-node", mv="2.74", networks="auto", hypervisor_hostname="cirrus-3")
    c = create(admin, "req-both", mv="2.74", networks="auto", host="cirrus-3",
               hypervisor_hostname="cirrus-3")
    assert [host_of(admin, s) for s in (a, b, c)] == ["cirrus-2", "cirrus-3", "cirrus-3"]
    body = {"server": {"name": "x", "flavorRef": flavor(admin, "m1.tiny")["id"],
                       "imageRef": admin.get("/image/v2/images").json()["images"][0]["id"],
                       "networks": "auto", "host": "nohost"}}
    assert fault(admin.post("/servers", body, mv="2.74"), 400) == \
        "Compute host nohost could not be found."
    msg = fault(demo.post("/servers", dict(body, server=dict(body["server"], host="cirrus-1")),
                          mv="2.74"), 403)
    assert "compute:servers:create:requested_destination" in msg
    # A requested host still has to pass the filters: disabled means no host.
    assert admin.put("/os-services/disable",
                     {"host": "cirrus-1", "binary": "nova-compute"}).status_code == 200
    d = create(admin, "req-disabled", wait=False, mv="2.74", networks="auto", host="cirrus-1")
    view = wait_status(admin, d, ("ERROR",))
    assert view["fault"]["message"] == NO_VALID_HOST
    delete_all(admin, [a, b, c, d])


def test_forced_host_zone_form(spawn_cirrusd):
    admin, demo = clients(spawn_cirrusd("--hosts", "3"))
    sid = create(admin, "forced", availability_zone="nova:cirrus-3")
    view = admin.get(f"/servers/{sid}").json()["server"]
    assert view["OS-EXT-SRV-ATTR:host"] == "cirrus-3"
    assert view["OS-EXT-AZ:availability_zone"] == "nova"
    r = demo.post("/servers", {"server": {
        "name": "f", "flavorRef": flavor(demo, "m1.tiny")["id"],
        "imageRef": demo.get("/image/v2/images").json()["images"][0]["id"],
        "availability_zone": "nova:cirrus-1"}})
    assert fault(r, 403) == \
        "Policy doesn't allow os_compute_api:servers:create:forced_host to be performed."
    delete_all(admin, [sid])


def test_capacity_and_release(spawn_cirrusd, tmp_path):
    # One host: 1024 MB of RAM holds two m1.tiny (512 MB); vCPUs 1 x 4.0.
    d = spawn_cirrusd("--config", conf_file(
        tmp_path, "[compute]\nhost_vcpus = 1\nhost_ram_mb = 1024\nhost_disk_gb = 10\n"))
    admin, demo = clients(d)
    tiny = flavor(demo, "m1.tiny")
    a = create(demo, "cap1", flavorRef=tiny["id"])
    b = create(demo, "cap2", flavorRef=tiny["id"])
    c = create(demo, "cap3", wait=False, flavorRef=tiny["id"])
    view = wait_status(demo, c, ("ERROR",))
    assert view["fault"]["code"] == 500 and view["fault"]["message"] == NO_VALID_HOST
    h = hypervisors(admin)["cirrus"]
    assert (h["memory_mb_used"], h["vcpus_used"], h["running_vms"]) == (1024, 2, 2)
    # The ERROR server held nothing; deleting an ACTIVE one frees room.
    delete_all(demo, [c, a])
    assert hypervisors(admin)["cirrus"]["memory_mb_used"] == 512
    e = create(demo, "cap4", flavorRef=tiny["id"])
    # A flavor no host can hold never fits.
    big = create(demo, "big", wait=False, flavorRef=flavor(demo, "m1.xlarge")["id"])
    assert wait_status(demo, big, ("ERROR",))["fault"]["message"] == NO_VALID_HOST
    delete_all(demo, [b, e, big])
    h = hypervisors(admin)["cirrus"]
    assert (h["memory_mb_used"], h["vcpus_used"], h["local_gb_used"], h["running_vms"]) == \
        (0, 0, 0, 0)


def test_ratio_allows_overcommit(spawn_cirrusd, tmp_path):
    d = spawn_cirrusd("--config", conf_file(
        tmp_path, "[compute]\nhost_ram_mb = 512\nram_allocation_ratio = 2.0\n"))
    admin, demo = clients(d)
    tiny = flavor(demo, "m1.tiny")
    sids = [create(demo, f"ratio{i}", flavorRef=tiny["id"]) for i in range(2)]
    h = hypervisors(admin)["cirrus"]
    assert h["memory_mb"] == 512 and h["memory_mb_used"] == 1024
    over = create(demo, "ratio-over", wait=False, flavorRef=tiny["id"])
    assert wait_status(demo, over, ("ERROR",))["fault"]["message"] == NO_VALID_HOST
    delete_all(demo, sids + [over])


def test_parallel_creates_never_oversubscribe(spawn_cirrusd, tmp_path):
    # Two hosts, each holding two m1.tiny by RAM: capacity 4.
    d = spawn_cirrusd("--hosts", "2", "--config", conf_file(
        tmp_path, "[compute]\nhost_vcpus = 2\nhost_ram_mb = 1024\nhost_disk_gb = 20\n"
                  "[quota]\ninstances = 100\ncores = 200\nram = 1000000\n"))
    admin, demo = clients(d)
    tiny = flavor(demo, "m1.tiny")
    image = demo.get("/image/v2/images").json()["images"][0]["id"]

    def one(i):
        c = Client(demo.base, demo.token, demo.project_id, demo.user_id)
        r = c.post("/servers", {"server": {"name": f"par{i}", "flavorRef": tiny["id"],
                                           "imageRef": image}})
        assert r.status_code == 202, r.text
        return r.json()["server"]["id"]

    with concurrent.futures.ThreadPoolExecutor(max_workers=30) as pool:
        sids = list(pool.map(one, range(30)))
    views = [wait_status(admin, s, ("ACTIVE", "ERROR"), timeout=120) for s in sids]
    active = [v for v in views if v["status"] == "ACTIVE"]
    errors = [v for v in views if v["status"] == "ERROR"]
    assert len(active) == 4, [v["status"] for v in views]
    assert len(errors) == 26
    assert all(v["fault"]["message"] == NO_VALID_HOST for v in errors)
    hv = hypervisors(admin)
    for name, h in hv.items():
        mine = [v for v in active if v["OS-EXT-SRV-ATTR:host"] == name]
        assert h["running_vms"] == len(mine) == 2, name
        assert h["memory_mb_used"] == sum(tiny["ram"] for _ in mine) <= h["memory_mb"]
        assert h["vcpus_used"] == sum(tiny["vcpus"] for _ in mine)
        assert h["local_gb_used"] == sum(tiny["disk"] for _ in mine)
    delete_all(demo, sids)
    assert all(h["running_vms"] == 0 and h["memory_mb_used"] == 0
               for h in hypervisors(admin).values())
