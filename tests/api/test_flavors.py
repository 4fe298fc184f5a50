"""Flavors, flavor extra specs and flavor access against a real cirrusd.

Bodies are compared with nova-api-samples/flavors (per microversion) when
../shared is present; everything else runs regardless.
"""
import copy
import uuid

import pytest
import requests

from conftest import assert_same_keys, sample

DEFAULTS = {
    "1": ("m1.tiny", 512, 1, 1), "2": ("m1.small", 2048, 20, 1),
    "3": ("m1.medium", 4096, 40, 2), "4": ("m1.large", 8192, 80, 4),
    "5": ("m1.xlarge", 16384, 160, 8), "42": ("m1.nano", 128, 1, 1),
    "84": ("m1.micro", 192, 1, 1),
}


def need(client, mv):
    """Skips when cirrus does not advertise microversion mv yet."""
    doc = requests.get(client.base + "/v2.1/", timeout=10).json()["version"]
    have = tuple(int(x) for x in doc["version"].split("."))
    if have < tuple(int(x) for x in mv.split(".")):
        pytest.skip(f"compute {mv} not advertised (max {doc['version']})")


def same_shape(actual, path, where="body"):
    """assert_same_keys against a sample, where extra_specs keys are data."""
    exp = sample(path)
    if not exp:
        return

    def clear(body):
        for f in body.get("flavors", []) + ([body["flavor"]] if "flavor" in body else []):
            if "extra_specs" in f:
                f["extra_specs"] = {}
        return body

    assert_same_keys(clear(copy.deepcopy(actual)), clear(exp), where)


def unique(prefix="f"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def flavor(admin):
    """A public flavor made for one test, deleted after it."""
    made = []

    def make(**fields):
        mv = fields.pop("_mv", None)
        body = {"name": unique(), "ram": 256, "vcpus": 1, "disk": 1}
        body.update(fields)
        r = admin.post("/flavors", {"flavor": body}, mv=mv)
        assert r.status_code == 200, r.text
        made.append(r.json()["flavor"]["id"])
        return r.json()["flavor"]

    yield make
    for fid in made:
        admin.delete(f"/flavors/{fid}")


# --- list, detail, show --------------------------------------------------

def test_default_flavors_listed(demo):
    r = demo.get("/flavors")
    assert r.status_code == 200, r.text
    got = {f["id"]: f["name"] for f in r.json()["flavors"]}
    for fid, (name, *_rest) in DEFAULTS.items():
        assert got.get(fid) == name
    same_shape(r.json(), "flavors/flavors-list-resp.json")


def test_default_flavor_sizes(demo):
    for fid, (name, ram, disk, vcpus) in DEFAULTS.items():
        f = demo.get(f"/flavors/{fid}").json()["flavor"]
        assert (f["name"], f["ram"], f["disk"], f["vcpus"]) == (name, ram, disk, vcpus)
        assert f["OS-FLV-EXT-DATA:ephemeral"] == 0
        assert f["OS-FLV-DISABLED:disabled"] is False
        assert f["os-flavor-access:is_public"] is True
        assert f["rxtx_factor"] == 1.0


def test_list_default_order_is_flavorid(demo):
    ids = [f["id"] for f in demo.get("/flavors").json()["flavors"]]
    assert ids == sorted(ids)


def test_show_links(demo, cirrus):
    f = demo.get("/flavors/1").json()["flavor"]
    assert f["links"] == [
        {"rel": "self", "href": f"{cirrus}/v2.1/flavors/1"},
        {"rel": "bookmark", "href": f"{cirrus}/flavors/1"},
    ]


@pytest.mark.parametrize("mv,folder", [("2.1", ""), ("2.55", "v2.55/"), ("2.61", "v2.61/"),
                                       ("2.75", "v2.75/")])
def test_bodies_match_samples_per_microversion(demo, mv, folder):
    need(demo, mv)
    show = demo.get("/flavors/1", mv=mv)
    detail = demo.get("/flavors/detail", mv=mv)
    index = demo.get("/flavors", mv=mv)
    assert show.status_code == detail.status_code == index.status_code == 200
    for body, name in ((show, "flavor-get-resp.json"), (detail, "flavors-detail-resp.json"),
                       (index, "flavors-list-resp.json")):
        same_shape(body.json(), f"flavors/{folder}{name}", f"{mv} {name}")


def test_swap_empty_string_before_2_75(demo):
    assert demo.get("/flavors/1").json()["flavor"]["swap"] == ""
    need(demo, "2.75")
    assert demo.get("/flavors/1", mv="2.74").json()["flavor"]["swap"] == ""
    assert demo.get("/flavors/1", mv="2.75").json()["flavor"]["swap"] == 0


def test_swap_nonzero_is_integer(demo, flavor):
    f = flavor(swap=512)
    assert demo.get(f"/flavors/{f['id']}").json()["flavor"]["swap"] == 512


def test_description_and_extra_specs_by_microversion(demo):
    need(demo, "2.61")
    assert "description" not in demo.get("/flavors/1", mv="2.54").json()["flavor"]
    f = demo.get("/flavors/1", mv="2.55").json()["flavor"]
    assert f["description"] is None and "extra_specs" not in f
    assert demo.get("/flavors", mv="2.55").json()["flavors"][0]["description"] is None
    assert demo.get("/flavors/1", mv="2.61").json()["flavor"]["extra_specs"] == {}


def test_show_unknown_is_404(demo):
    r = demo.get("/flavors/no-such-flavor")
    assert r.status_code == 404
    assert r.json()["itemNotFound"]["message"] == "Flavor no-such-flavor could not be found."


def test_min_ram_and_min_disk_filters(demo):
    r = demo.get("/flavors/detail?minRam=4096&minDisk=80")
    assert r.status_code == 200
    flavors = r.json()["flavors"]
    assert {"4", "5"} <= {f["id"] for f in flavors}
    assert all(f["ram"] >= 4096 and f["disk"] >= 80 for f in flavors)


@pytest.mark.parametrize("query,message", [
    ("minRam=abc", "Invalid minRam filter [abc]"),
    ("minDisk=1.5", "Invalid minDisk filter [1.5]"),
])
def test_bad_min_filters_are_400(demo, query, message):
    r = demo.get(f"/flavors?{query}")
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == message


@pytest.mark.parametrize("query", ["sort_key=bogus", "sort_dir=sideways", "limit=-1",
                                   "limit=x", "marker=no-such-flavor"])
def test_bad_list_queries_are_400(demo, query):
    r = demo.get(f"/flavors?{query}")
    assert r.status_code == 400, r.text
    assert r.json()["badRequest"]["code"] == 400


def test_sort_by_memory_desc(demo):
    r = demo.get("/flavors/detail?sort_key=memory_mb&sort_dir=desc")
    rams = [f["ram"] for f in r.json()["flavors"]]
    assert rams == sorted(rams, reverse=True)


def test_pagination_with_links(demo, cirrus):
    all_ids = [f["id"] for f in demo.get("/flavors").json()["flavors"]]
    r = demo.get("/flavors?limit=2")
    body = r.json()
    assert [f["id"] for f in body["flavors"]] == all_ids[:2]
    link = body["flavors_links"][0]
    assert link["rel"] == "next"
    assert link["href"] == f"{cirrus}/v2.1/flavors?limit=2&marker={all_ids[1]}"
    page2 = demo.get(link["href"]).json()
    assert [f["id"] for f in page2["flavors"]] == all_ids[2:4]
    detail = demo.get("/flavors/detail?limit=1").json()
    assert detail["flavors_links"][0]["href"].startswith(f"{cirrus}/v2.1/flavors/detail?")
    last = demo.get(f"/flavors?marker={all_ids[-1]}").json()
    assert last["flavors"] == [] and "flavors_links" not in last


def test_limit_zero_means_default_and_no_link(demo):
    body = demo.get("/flavors?limit=0").json()
    assert len(body["flavors"]) >= 7 and "flavors_links" not in body


def test_unknown_query_parameter_by_microversion(demo):
    assert demo.get("/flavors?foo=1").status_code == 200
    need(demo, "2.75")
    assert demo.get("/flavors?foo=1", mv="2.74").status_code == 200
    r = demo.get("/flavors?foo=1", mv="2.75")
    assert r.status_code == 400
    assert "'foo' was unexpected" in r.json()["badRequest"]["message"]


def test_project_path_form(demo, cirrus):
    r = demo.get(f"{cirrus}/v2.1/{demo.project_id}/flavors/1")
    assert r.status_code == 200
    assert r.json()["flavor"]["links"][0]["href"] == \
        f"{cirrus}/v2.1/{demo.project_id}/flavors/1"


# --- private flavors and flavor access -----------------------------------

def test_private_flavor_visibility(admin, demo, flavor):
    f = flavor(**{"os-flavor-access:is_public": False})
    fid = f["id"]
    assert f["os-flavor-access:is_public"] is False
    assert fid not in [x["id"] for x in demo.get("/flavors").json()["flavors"]]
    assert demo.get(f"/flavors/{fid}").status_code == 404
    assert fid not in [x["id"] for x in admin.get("/flavors").json()["flavors"]]
    assert fid in [x["id"] for x in admin.get("/flavors?is_public=false").json()["flavors"]]
    assert fid in [x["id"] for x in admin.get("/flavors?is_public=none").json()["flavors"]]
    assert "1" not in [x["id"] for x in admin.get("/flavors?is_public=false").json()["flavors"]]
    assert admin.get("/flavors?is_public=maybe").status_code == 400
    # demo's is_public is ignored: still public flavors only
    assert fid not in [x["id"] for x in demo.get("/flavors?is_public=none").json()["flavors"]]

    r = admin.post(f"/flavors/{fid}/action", {"addTenantAccess": {"tenant": demo.project_id}})
    assert r.status_code == 200, r.text
    assert r.json() == {"flavor_access": [{"flavor_id": fid, "tenant_id": demo.project_id}]}
    assert demo.get(f"/flavors/{fid}").status_code == 200
    assert fid in [x["id"] for x in demo.get("/flavors").json()["flavors"]]
    r = admin.get(f"/flavors/{fid}/os-flavor-access")
    assert r.json()["flavor_access"] == [{"flavor_id": fid, "tenant_id": demo.project_id}]

    r = admin.post(f"/flavors/{fid}/action", {"addTenantAccess": {"tenant": demo.project_id}})
    assert r.status_code == 409
    r = admin.post(f"/flavors/{fid}/action",
                   {"removeTenantAccess": {"tenant": demo.project_id}})
    assert r.status_code == 200 and r.json() == {"flavor_access": []}
    assert demo.get(f"/flavors/{fid}").status_code == 404
    r = admin.post(f"/flavors/{fid}/action",
                   {"removeTenantAccess": {"tenant": demo.project_id}})
    assert r.status_code == 404


def test_flavor_access_errors(admin, demo, flavor):
    r = admin.get("/flavors/1/os-flavor-access")
    assert r.status_code == 404
    assert r.json()["itemNotFound"]["message"] == \
        "Access list not available for public flavors."
    assert demo.get("/flavors/1/os-flavor-access").status_code == 403
    body = {"addTenantAccess": {"tenant": demo.project_id}}
    assert demo.post("/flavors/1/action", body).status_code == 403
    assert admin.post("/flavors/nope/action", body).status_code == 404
    assert admin.post("/flavors/1/action", {"addTenantAccess": {}}).status_code == 400
    assert admin.post("/flavors/1/action", {"bogus": None}).status_code == 400
    need(admin, "2.7")
    r = admin.post("/flavors/1/action", body, mv="2.7")
    assert r.status_code == 409
    assert r.json()["conflictingRequest"]["message"] == "Can not add access to a public flavor."


# --- create ---------------------------------------------------------------

def test_create_full_body(admin, demo, flavor):
    name = unique()
    f = flavor(name=name, id=unique("id"), ram="1024", vcpus=2, disk=10,
               swap=128, rxtx_factor=2.5, **{"OS-FLV-EXT-DATA:ephemeral": 5})
    assert f["name"] == name and f["ram"] == 1024 and f["vcpus"] == 2 and f["disk"] == 10
    assert f["swap"] == 128 and f["rxtx_factor"] == 2.5
    assert f["OS-FLV-EXT-DATA:ephemeral"] == 5
    assert demo.get(f"/flavors/{f['id']}").json()["flavor"]["name"] == name
    same_shape({"flavor": f}, "flavors/flavor-get-resp.json")


def test_create_generates_uuid_and_stringifies_numbers(flavor):
    assert uuid.UUID(flavor()["id"])
    assert uuid.UUID(flavor(id=None)["id"])
    num = 900000 + uuid.uuid4().int % 99999
    assert flavor(id=num)["id"] == str(num)


def test_create_with_description(admin, flavor):
    need(admin, "2.61")
    f = flavor(description="long " * 100, _mv="2.61")
    assert f["description"] == "long " * 100
    assert f["extra_specs"] == {}
    same_shape({"flavor": f}, "flavors/v2.61/flavor-get-resp.json")
    r = admin.post("/flavors", {"flavor": {"name": unique(), "ram": 1, "vcpus": 1, "disk": 1,
                                           "description": "x"}}, mv="2.54")
    assert r.status_code == 400


def test_create_conflicts(admin, flavor):
    f = flavor()
    r = admin.post("/flavors", {"flavor": {"name": f["name"], "ram": 1, "vcpus": 1,
                                           "disk": 1}})
    assert r.status_code == 409
    assert r.json()["conflictingRequest"]["message"] == \
        f"Flavor with name {f['name']} already exists."
    r = admin.post("/flavors", {"flavor": {"name": unique(), "ram": 1, "vcpus": 1,
                                           "disk": 1, "id": f["id"]}})
    assert r.status_code == 409
    assert r.json()["conflictingRequest"]["message"] == \
        f"Flavor with ID {f['id']} already exists."


BAD_FLAVORS = [
    {"ram": 1, "vcpus": 1, "disk": 1},                                   # no name
    {"name": "x", "vcpus": 1, "disk": 1},                                # no ram
    {"name": "x", "ram": 1, "disk": 1},                                  # no vcpus
    {"name": "x", "ram": 1, "vcpus": 1},                                 # no disk
    {"name": " x", "ram": 1, "vcpus": 1, "disk": 1},
    {"name": "", "ram": 1, "vcpus": 1, "disk": 1},
    {"name": "x" * 256, "ram": 1, "vcpus": 1, "disk": 1},
    {"name": "x", "ram": 0, "vcpus": 1, "disk": 1},
    {"name": "x", "ram": "abc", "vcpus": 1, "disk": 1},
    {"name": "x", "ram": 1, "vcpus": 0, "disk": 1},
    {"name": "x", "ram": 1, "vcpus": 1, "disk": -1},
    {"name": "x", "ram": 2 ** 31, "vcpus": 1, "disk": 1},
    {"name": "x", "ram": 1, "vcpus": 1, "disk": 1, "swap": -1},
    {"name": "x", "ram": 1, "vcpus": 1, "disk": 1, "OS-FLV-EXT-DATA:ephemeral": -1},
    {"name": "x", "ram": 1, "vcpus": 1, "disk": 1, "rxtx_factor": 0},
    {"name": "x", "ram": 1, "vcpus": 1, "disk": 1, "rxtx_factor": "abc"},
    {"name": "x", "ram": 1, "vcpus": 1, "disk": 1, "rxtx_factor": "0"},
    {"name": "x", "ram": 1, "vcpus": 1, "disk": 1, "rxtx_factor": True},
    {"name": "x", "ram": 1, "vcpus": 1, "disk": 1, "id": "bad!id"},
    {"name": "x", "ram": 1, "vcpus": 1, "disk": 1, "id": " lead"},
    {"name": "x", "ram": 1, "vcpus": 1, "disk": 1, "id": ""},
    {"name": "x", "ram": 1, "vcpus": 1, "disk": 1, "os-flavor-access:is_public": "maybe"},
    {"name": "x", "ram": 1, "vcpus": 1, "disk": 1, "color": "red"},
]


@pytest.mark.parametrize("body", BAD_FLAVORS)
def test_create_validation(admin, body):
    r = admin.post("/flavors", {"flavor": body})
    assert r.status_code == 400, r.text
    assert r.json()["badRequest"]["code"] == 400


@pytest.mark.parametrize("body", [None, [], {"flavors": {}}, {"flavor": "x"},
                                  {"flavor": {"name": "x", "ram": 1, "vcpus": 1, "disk": 1},
                                   "extra": 1}])
def test_create_body_shape(admin, body):
    if body is None:
        r = admin.request("POST", "/flavors", headers={"Content-Type": "application/json"})
    else:
        r = admin.post("/flavors", body)
    assert r.status_code == 400, r.text


def test_create_needs_admin(demo):
    r = demo.post("/flavors", {"flavor": {"name": unique(), "ram": 1, "vcpus": 1, "disk": 1}})
    assert r.status_code == 403
    assert r.json()["forbidden"]["message"] == \
        "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed."


# --- update description (2.55) --------------------------------------------

def test_update_description(admin, demo, flavor):
    need(admin, "2.75")
    f = flavor()
    r = admin.put(f"/flavors/{f['id']}", {"flavor": {"description": "new"}}, mv="2.75")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["flavor"]["description"] == "new" and body["flavor"]["swap"] == 0
    same_shape(body, "flavors/v2.75/flavor-get-resp.json")
    assert demo.get(f"/flavors/{f['id']}", mv="2.55").json()["flavor"]["description"] == "new"
    r = admin.put(f"/flavors/{f['id']}", {"flavor": {"description": None}}, mv="2.55")
    assert r.status_code == 200 and r.json()["flavor"]["description"] is None


def test_update_errors(admin, demo, flavor):
    need(admin, "2.55")
    f = flavor()
    url = f"/flavors/{f['id']}"
    assert admin.put(url, {"flavor": {"description": "x"}}, mv="2.54").status_code == 404
    assert admin.put("/flavors/nope", {"flavor": {"description": "x"}},
                     mv="2.55").status_code == 404
    assert demo.put(url, {"flavor": {"description": "x"}}, mv="2.55").status_code == 403
    for body in ({"flavor": {}}, {"flavor": {"name": "x", "description": "x"}},
                 {"flavor": {"description": 5}}, {}):
        assert admin.put(url, body, mv="2.55").status_code == 400, body


# --- delete -----------------------------------------------------------------

def test_delete(admin, demo):
    r = admin.post("/flavors", {"flavor": {"name": unique(), "ram": 1, "vcpus": 1,
                                           "disk": 1}})
    fid = r.json()["flavor"]["id"]
    assert demo.delete(f"/flavors/{fid}").status_code == 403
    r = admin.delete(f"/flavors/{fid}")
    assert r.status_code == 202 and r.text == ""
    assert admin.get(f"/flavors/{fid}").status_code == 404
    assert admin.delete(f"/flavors/{fid}").status_code == 404


# --- extra specs --------------------------------------------------------------

def test_extra_specs_crud(admin, demo, flavor):
    fid = flavor()["id"]
    url = f"/flavors/{fid}/os-extra_specs"
    assert demo.get(url).json() == {"extra_specs": {}}
    r = admin.post(url, {"extra_specs": {"key1": "value1", "num": 5, "pi": 3.5}})
    assert r.status_code == 200, r.text
    assert r.json() == {"extra_specs": {"key1": "value1", "num": 5, "pi": 3.5}}
    assert demo.get(url).json() == {"extra_specs": {"key1": "value1", "num": "5",
                                                    "pi": "3.5"}}
    assert demo.get(f"{url}/key1").json() == {"key1": "value1"}
    r = admin.put(f"{url}/key1", {"key1": "value2"})
    assert r.status_code == 200 and r.json() == {"key1": "value2"}
    assert demo.get(f"{url}/key1").json() == {"key1": "value2"}
    r = admin.delete(f"{url}/key1")
    assert r.status_code == 200 and r.text == ""
    assert demo.get(f"{url}/key1").status_code == 404
    assert admin.delete(f"{url}/key1").status_code == 404
    need(demo, "2.61")
    assert demo.get(f"/flavors/{fid}", mv="2.61").json()["flavor"]["extra_specs"] == \
        {"num": "5", "pi": "3.5"}


def test_extra_specs_errors(admin, demo, flavor):
    fid = flavor()["id"]
    url = f"/flavors/{fid}/os-extra_specs"
    r = demo.get(f"{url}/missing")
    assert r.status_code == 404
    assert r.json()["itemNotFound"]["message"] == \
        f"Flavor {fid} has no extra specs with key missing."
    assert demo.get("/flavors/nope/os-extra_specs").status_code == 404
    assert admin.post("/flavors/nope/os-extra_specs",
                      {"extra_specs": {"a": "b"}}).status_code == 404
    assert demo.post(url, {"extra_specs": {"a": "b"}}).status_code == 403
    assert demo.put(f"{url}/a", {"a": "b"}).status_code == 403
    assert demo.delete(f"{url}/a").status_code == 403
    for body in ({}, {"extra_specs": []}, {"extra_specs": {"a/b": "c"}},
                 {"extra_specs": {"a": True}}, {"extra_specs": {"a": None}},
                 {"extra_specs": {"a": "x" * 256}}, {"extra_specs": {}, "x": 1}):
        assert admin.post(url, body).status_code == 400, body
    r = admin.put(f"{url}/a", {"b": "c"})
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == "Request body and URI mismatch"
    assert admin.put(f"{url}/a", {"a": "1", "b": "2"}).status_code == 400
    assert admin.put(f"{url}/a", {}).status_code == 400


def test_extra_spec_validation_from_2_86(admin, flavor):
    need(admin, "2.86")
    url = f"/flavors/{flavor()['id']}/os-extra_specs"
    bad = [{"hw:cpu_policy": "bogus"}, {"hw:numa_nodes": "0"}, {"hw:numa_nodes": "x"},
           {"hw:unknown_thing": "1"}, {"hw_rng:allowed": "maybe"},
           {"hw:mem_page_size": "huge!"}, {"trait:HW_CPU_X86_AVX": "wanted"},
           {"resources:VCPU": "two"}]
    for specs in bad:
        assert admin.post(url, {"extra_specs": specs}, mv="2.85").status_code == 200, specs
        r = admin.post(url, {"extra_specs": specs}, mv="2.86")
        assert r.status_code == 400, specs
        assert r.json()["badRequest"]["message"].startswith("Validation failed;")
    good = {"hw:cpu_policy": "dedicated", "hw:numa_nodes": "2", "hw:numa_cpus.0": "0-3,^2",
            "hw:mem_page_size": "2MB", "hw_rng:allowed": "True",
            "trait:HW_CPU_X86_AVX": "required", "resources1:VCPU": "2",
            "aggregate_instance_extra_specs:ssd": "true", "custom:anything": "goes",
            "plain_key": "x", "quota:disk_read_bytes_sec": 1000}
    r = admin.post(url, {"extra_specs": good}, mv="2.86")
    assert r.status_code == 200, r.text
    r = admin.put(f"{url}/hw:cpu_policy", {"hw:cpu_policy": "nope"}, mv="2.86")
    assert r.status_code == 400
