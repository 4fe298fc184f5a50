"""Image API v2 subset and the compute API's deprecated images proxy, against
a real cirrusd: versions, create/show/list/patch/delete, data upload and
download with their hashes, tags, members (shared visibility), deactivation,
Glance's error codes, /v2.1/images at microversions 2.1-2.35, and the
openstack CLI's image commands.

Every image a test creates is deleted when the test ends, so other test
files (which boot the newest visible image) still find the bootstrap one.
"""
import hashlib
import json
import os
import shutil
import struct
import subprocess
import uuid

import pytest
import requests

from conftest import assert_same_keys, sample

GLANCE_SAMPLES = sample("images/image-get-resp.json") is not None
REF = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "reference",
                   "glance-api-ref")
PATCH_CT = "application/openstack-images-v2.1-json-patch"
OCTET = {"Content-Type": "application/octet-stream"}


def glance_sample(name):
    path = os.path.join(REF, "v2", "samples", name)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def uniq(prefix="img"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class Images:
    """Creates images for one test and deletes them all afterwards."""

    def __init__(self, admin):
        self.admin = admin
        self.ids = []

    def create(self, client, expect=201, **body):
        body.setdefault("name", uniq())
        r = client.post("/image/v2/images", body)
        assert r.status_code == expect, r.text
        if r.status_code == 201:
            self.ids.append(r.json()["id"])
            return r.json()
        return r

    def active(self, client, data=b"x" * 1000, **body):
        body.setdefault("disk_format", "raw")
        body.setdefault("container_format", "bare")
        img = self.create(client, **body)
        r = client.put(f"/image/v2/images/{img['id']}/file", data=data, headers=OCTET)
        assert r.status_code == 204, r.text
        return show(client, img["id"])

    def cleanup(self):
        for i in self.ids:
            patch(self.admin, i, [{"op": "replace", "path": "/protected", "value": False}])
            self.admin.delete(f"/image/v2/images/{i}")


@pytest.fixture
def images(admin):
    made = Images(admin)
    yield made
    made.cleanup()


def show(client, image_id, status=200):
    r = client.get(f"/image/v2/images/{image_id}")
    assert r.status_code == status, r.text
    return r.json()


def patch(client, image_id, ops, content_type=PATCH_CT):
    return client.request("PATCH", f"/image/v2/images/{image_id}", data=json.dumps(ops),
                          headers={"Content-Type": content_type})


def listed(client, **params):
    r = client.get("/image/v2/images", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def ids_of(body):
    return [i["id"] for i in body["images"]]


def assert_glance_error(r, status):
    assert r.status_code == status, r.text
    body = r.json()
    assert body["code"].startswith(str(status)), body
    assert body["title"] and body["message"], body
    return body["message"]


# --- versions and auth ---

def test_versions_root_is_300(cirrus):
    r = requests.get(cirrus + "/image", timeout=10)
    assert r.status_code == 300
    versions = r.json()["versions"]
    assert versions[0]["status"] == "CURRENT"
    assert {v["id"] for v in versions} >= {"v2.0", "v2.1"}
    for v in versions:
        assert v["links"] == [{"href": cirrus + "/image/v2/", "rel": "self"}]
    ref = os.path.join(REF, "versions", "samples", "image-versions-response.json")
    if os.path.exists(ref):
        with open(ref) as f:
            assert [v["id"] for v in json.load(f)["versions"]] == [v["id"] for v in versions]


def test_versions_list_is_200(cirrus):
    r = requests.get(cirrus + "/image/versions", timeout=10)
    assert r.status_code == 200
    assert r.json()["versions"][0]["links"][0]["href"].endswith("/image/v2/")


def test_unauthenticated_is_401(anon):
    r = anon.get("/image/v2/images")
    assert_glance_error(r, 401)
    assert "WWW-Authenticate" in r.headers
    assert_glance_error(anon.get("/image/v2/images/" + str(uuid.uuid4())), 401)


# --- bootstrap image ---

def test_bootstrap_cirros_is_public_active_with_hashes(demo, daemon):
    body = listed(demo, name="cirros")
    assert len(body["images"]) == 1
    img = body["images"][0]
    assert img["status"] == "active" and img["visibility"] == "public"
    assert img["container_format"] == "bare" and img["disk_format"] in ("raw", "qcow2")
    data = demo.get(f"/image/v2/images/{img['id']}/file").content
    assert 1024 <= len(data) == img["size"]
    assert hashlib.md5(data).hexdigest() == img["checksum"]
    assert img["os_hash_algo"] == "sha512"
    assert hashlib.sha512(data).hexdigest() == img["os_hash_value"]
    assert os.path.getsize(os.path.join(daemon.data_dir, "images", img["id"])) == len(data)


def test_bootstrap_owner_is_admin_project(admin):
    img = listed(admin, name="cirros")["images"][0]
    assert img["owner"] == admin.project_id


# --- create ---

def test_create_minimal(admin, images, cirrus):
    img = images.create(admin, name="Ubuntu", disk_format="raw", container_format="bare")
    assert img["status"] == "queued"
    assert img["visibility"] == "private"
    assert img["owner"] == admin.project_id
    assert img["self"] == f"/v2/images/{img['id']}"
    assert img["file"] == f"/v2/images/{img['id']}/file"
    assert img["schema"] == "/v2/schemas/image"
    assert img["size"] is None and img["checksum"] is None and img["os_hash_value"] is None
    assert img["tags"] == [] and img["protected"] is False and img["os_hidden"] is False
    ref = glance_sample("image-create-response.json")
    if ref:
        ref.pop("locations")      # only with show_multiple_locations
        assert_same_keys(img, ref)
    assert show(admin, img["id"]) == img


def test_create_location_header(admin, images, cirrus):
    r = admin.post("/image/v2/images", {"name": uniq()})
    assert r.status_code == 201
    images.ids.append(r.json()["id"])
    assert r.headers["Location"] == f"{cirrus}/image/v2/images/{r.json()['id']}"


def test_create_all_fields(admin, images):
    iid = str(uuid.uuid4())
    img = images.create(admin, id=iid, name="full", disk_format="qcow2",
                        container_format="bare", min_disk=2, min_ram=64, protected=True,
                        tags=["a", "b", "a"], os_hidden=False, hw_disk_bus="virtio",
                        visibility="shared")
    assert img["id"] == iid
    assert (img["min_disk"], img["min_ram"], img["protected"]) == (2, 64, True)
    assert sorted(img["tags"]) == ["a", "b"]
    assert img["hw_disk_bus"] == "virtio"
    assert img["visibility"] == "shared"


def test_create_name_optional(admin, images):
    r = admin.post("/image/v2/images", {})
    assert r.status_code == 201, r.text
    images.ids.append(r.json()["id"])
    assert r.json()["name"] is None


def test_create_duplicate_id_is_409(admin, images):
    iid = str(uuid.uuid4())
    images.create(admin, id=iid)
    assert_glance_error(admin.post("/image/v2/images", {"id": iid}), 409)


@pytest.mark.parametrize("body", [
    {"visibility": "everyone"},
    {"disk_format": "floppy"},
    {"container_format": "box"},
    {"name": "n" * 256},
    {"name": 5},
    {"min_ram": -1},
    {"min_disk": "1"},
    {"min_ram": 2 ** 31},
    {"protected": "yes"},
    {"id": "not-a-uuid"},
    {"tags": "a"},
    {"tags": [1]},
    {"hw_disk_bus": 1},
    {"k" * 256: "v"},
])
def test_create_invalid_is_400(admin, body):
    assert_glance_error(admin.post("/image/v2/images", body), 400)


@pytest.mark.parametrize("key", [
    "status", "checksum", "size", "virtual_size", "os_hash_value", "created_at", "self",
    "file", "schema", "direct_url", "locations"])
def test_create_read_only_attribute_is_403(admin, key):
    msg = assert_glance_error(admin.post("/image/v2/images", {key: "x"}), 403)
    assert "read-only" in msg


@pytest.mark.parametrize("key", ["deleted", "deleted_at", "location", "os_glance_x"])
def test_create_reserved_attribute_is_403(admin, key):
    msg = assert_glance_error(admin.post("/image/v2/images", {key: "x"}), 403)
    assert "reserved" in msg


def test_create_public_needs_admin(admin, demo, images):
    msg = assert_glance_error(demo.post("/image/v2/images", {"visibility": "public"}), 403)
    assert "publicize_image" in msg
    assert images.create(admin, visibility="public")["visibility"] == "public"
    assert images.create(demo, visibility="community")["visibility"] == "community"


def test_create_for_other_owner(admin, demo, images):
    assert_glance_error(demo.post("/image/v2/images", {"owner": admin.project_id}), 403)
    img = images.create(admin, owner=demo.project_id)
    assert img["owner"] == demo.project_id


def test_create_body_errors(admin):
    assert_glance_error(admin.request("POST", "/image/v2/images",
                                      headers={"Content-Type": "application/json"}), 400)
    assert_glance_error(admin.post("/image/v2/images", ["name"]), 400)
    r = admin.request("POST", "/image/v2/images", data="{nope",
                      headers={"Content-Type": "application/json"})
    assert_glance_error(r, 400)
    r = admin.request("POST", "/image/v2/images", data="name=x",
                      headers={"Content-Type": "text/plain"})
    assert_glance_error(r, 415)


def test_create_quotas_are_413(admin):
    props = {f"p{i}": "v" for i in range(129)}
    assert_glance_error(admin.post("/image/v2/images", props), 413)
    tags = [f"t{i}" for i in range(129)]
    assert_glance_error(admin.post("/image/v2/images", {"tags": tags}), 413)


# --- show and visibility ---

def test_show_not_found(demo):
    msg = assert_glance_error(demo.get(f"/image/v2/images/{uuid.uuid4()}"), 404)
    assert "No image found" in msg
    assert_glance_error(demo.get("/image/v2/images/cirros"), 404)


def test_private_visible_to_owner_and_admin_only(admin, demo, images):
    mine = images.create(demo)
    theirs = images.create(admin)
    assert show(demo, mine["id"])["owner"] == demo.project_id
    show(admin, mine["id"])
    assert_glance_error(demo.get(f"/image/v2/images/{theirs['id']}"), 404)


def test_community_visible_but_not_listed(admin, demo, images):
    img = images.create(admin, visibility="community")
    show(demo, img["id"])
    assert img["id"] not in ids_of(listed(demo, limit=1000))
    assert img["id"] in ids_of(listed(demo, visibility="community"))
    assert img["id"] in ids_of(listed(admin, limit=1000))


# --- upload and download ---

def test_upload_and_download(admin, images, daemon):
    data = os.urandom(70000)
    img = images.create(admin, disk_format="raw", container_format="bare")
    r = admin.put(f"/image/v2/images/{img['id']}/file", data=data, headers=OCTET)
    assert r.status_code == 204, r.text
    got = show(admin, img["id"])
    assert got["status"] == "active"
    assert got["size"] == len(data) and got["virtual_size"] == len(data)
    assert got["checksum"] == hashlib.md5(data).hexdigest()
    assert got["os_hash_algo"] == "sha512"
    assert got["os_hash_value"] == hashlib.sha512(data).hexdigest()
    path = os.path.join(daemon.data_dir, "images", img["id"])
    with open(path, "rb") as f:
        assert f.read() == data
    r = admin.get(f"/image/v2/images/{img['id']}/file")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert r.headers["Content-MD5"] == got["checksum"]
    assert r.content == data


def test_upload_empty_file(admin, images):
    img = images.active(admin, data=b"")
    assert img["size"] == 0 and img["checksum"] == hashlib.md5(b"").hexdigest()


def test_upload_qcow2_virtual_size(admin, images):
    header = b"QFI\xfb" + struct.pack(">I", 3) + b"\0" * 16 + struct.pack(">Q", 1 << 30)
    img = images.active(admin, data=header + b"\0" * 100, disk_format="qcow2")
    assert img["virtual_size"] == 1 << 30


def test_upload_twice_is_409(admin, images):
    img = images.active(admin)
    r = admin.put(f"/image/v2/images/{img['id']}/file", data=b"again", headers=OCTET)
    msg = assert_glance_error(r, 409)
    assert "active" in msg


def test_upload_wrong_content_type_is_415(admin, images):
    img = images.create(admin, disk_format="raw", container_format="bare")
    r = admin.put(f"/image/v2/images/{img['id']}/file", data=b"x",
                  headers={"Content-Type": "text/plain"})
    assert_glance_error(r, 415)
    assert show(admin, img["id"])["status"] == "queued"


def test_upload_without_formats_is_400(admin, images):
    img = images.create(admin)
    r = admin.put(f"/image/v2/images/{img['id']}/file", data=b"x", headers=OCTET)
    assert "disk_format" in assert_glance_error(r, 400)
    assert show(admin, img["id"])["status"] == "queued"


def test_upload_size_mismatch_is_400_and_retryable(admin, images):
    img = images.create(admin, disk_format="raw", container_format="bare")
    url = f"/image/v2/images/{img['id']}/file"
    r = admin.put(url, data=b"12345", headers={**OCTET, "x-openstack-image-size": "9"})
    assert_glance_error(r, 400)
    assert show(admin, img["id"])["status"] == "queued"
    r = admin.put(url, data=b"12345", headers={**OCTET, "x-openstack-image-size": "5"})
    assert r.status_code == 204
    assert show(admin, img["id"])["size"] == 5


def test_upload_permissions(admin, demo, images):
    public = images.create(admin, visibility="public", disk_format="raw",
                           container_format="bare")
    r = demo.put(f"/image/v2/images/{public['id']}/file", data=b"x", headers=OCTET)
    assert "upload_image" in assert_glance_error(r, 403)
    private = images.create(admin, disk_format="raw", container_format="bare")
    r = demo.put(f"/image/v2/images/{private['id']}/file", data=b"x", headers=OCTET)
    assert_glance_error(r, 404)
    r = admin.put(f"/image/v2/images/{uuid.uuid4()}/file", data=b"x", headers=OCTET)
    assert_glance_error(r, 404)


def test_download_without_data_is_204(admin, images):
    img = images.create(admin)
    r = admin.get(f"/image/v2/images/{img['id']}/file")
    assert r.status_code == 204 and r.content == b""


def test_download_invisible_is_404(admin, demo, images):
    img = images.active(admin)
    assert_glance_error(demo.get(f"/image/v2/images/{img['id']}/file"), 404)


# --- deactivate / reactivate ---

def test_deactivate_and_reactivate(admin, demo, images):
    img = images.active(admin, visibility="public")
    base = f"/image/v2/images/{img['id']}/actions"
    assert_glance_error(demo.post(base + "/deactivate"), 403)
    assert admin.post(base + "/deactivate").status_code == 204
    assert show(admin, img["id"])["status"] == "deactivated"
    assert admin.post(base + "/deactivate").status_code == 204
    assert_glance_error(demo.get(f"/image/v2/images/{img['id']}/file"), 403)
    assert admin.get(f"/image/v2/images/{img['id']}/file").status_code == 200
    assert admin.post(base + "/reactivate").status_code == 204
    assert show(demo, img["id"])["status"] == "active"
    queued = images.create(admin)
    r = admin.post(f"/image/v2/images/{queued['id']}/actions/deactivate")
    assert_glance_error(r, 403)


# --- list ---

def test_list_shape(demo):
    # other tests share this daemon and add images: ask for a page that
    # holds them all, so that "next" must be absent
    body = listed(demo, limit=1000)
    assert body["first"] == "/v2/images?limit=1000"
    assert body["schema"] == "/v2/schemas/images"
    assert len(body["images"]) < 1000 and "next" not in body
    ref = glance_sample("images-list-response.json")
    if ref:
        assert_same_keys(body, ref)


def test_list_visibility_rules(admin, demo, images):
    mine = images.create(demo)
    admins = images.create(admin)
    public = images.create(admin, visibility="public")
    seen = ids_of(listed(demo, limit=1000))
    assert mine["id"] in seen and public["id"] in seen and admins["id"] not in seen
    seen = ids_of(listed(admin, limit=1000))
    assert {mine["id"], admins["id"], public["id"]} <= set(seen)
    private = listed(demo, visibility="private", limit=1000)["images"]
    assert mine["id"] in ids_of({"images": private})
    assert all(i["visibility"] == "private" and i["owner"] == demo.project_id
               for i in private), private


def test_list_filters(admin, images):
    tag = uniq("tag")
    a = images.active(admin, name=uniq("fa"), tags=[tag, "x"], color="red",
                      data=b"a" * 10)
    b = images.create(admin, name=uniq("fb"), tags=[tag], color="blue")
    assert ids_of(listed(admin, name=a["name"])) == [a["id"]]
    assert set(ids_of(listed(admin, tag=tag))) == {a["id"], b["id"]}
    assert ids_of(listed(admin, tag=[tag, "x"])) == [a["id"]]
    assert ids_of(listed(admin, tag=tag, status="queued")) == [b["id"]]
    assert ids_of(listed(admin, tag=tag, color="blue")) == [b["id"]]
    assert ids_of(listed(admin, tag=tag, size_min=5)) == [a["id"]]
    assert ids_of(listed(admin, tag=tag, owner=admin.project_id, limit=5, sort_key="name",
                         sort_dir="asc")) == [a["id"], b["id"]]
    names = f'in:{a["name"]},"{b["name"]}"'
    assert set(ids_of(listed(admin, name=names))) == {a["id"], b["id"]}
    assert ids_of(listed(admin, tag=tag, status="in:active,saving")) == [a["id"]]
    assert ids_of(listed(admin, tag=tag, created_at="gte:2000-01-01T00:00:00Z",
                         protected="false", disk_format="raw")) == [a["id"]]


def test_list_hidden_images(admin, images):
    img = images.create(admin, os_hidden=True)
    assert img["id"] not in ids_of(listed(admin, limit=1000))
    assert img["id"] in ids_of(listed(admin, os_hidden="true"))


def test_list_sorting(admin, images):
    tag = uniq("sort")
    names = ["b", "c", "a"]
    made = [images.create(admin, name=f"{tag}-{n}", tags=[tag]) for n in names]
    asc = [i["name"] for i in listed(admin, tag=tag, sort_key="name", sort_dir="asc")["images"]]
    assert asc == sorted(asc)
    desc = [i["name"] for i in listed(admin, tag=tag, sort="name:desc")["images"]]
    assert desc == sorted(desc, reverse=True)
    # default: newest first
    assert ids_of(listed(admin, tag=tag)) == [m["id"] for m in reversed(made)]


def test_list_pagination(admin, images):
    tag = uniq("page")
    made = {images.create(admin, tags=[tag])["id"] for _ in range(5)}
    body = listed(admin, tag=tag, limit=2)
    seen = ids_of(body)
    assert len(seen) == 2
    while "next" in body:
        nxt = body["next"]
        assert nxt.startswith("/v2/images?") and "marker=" in nxt and "limit=2" in nxt
        r = admin.get("/image" + nxt)
        assert r.status_code == 200
        body = r.json()
        seen += ids_of(body)
    assert len(seen) == 5 and set(seen) == made
    assert listed(admin, tag=tag, limit=5).get("next") is None
    assert listed(admin, tag=tag, limit=0)["images"] == []


@pytest.mark.parametrize("params", [
    {"limit": "x"}, {"limit": "-1"}, {"visibility": "everyone"}, {"sort_key": "owner"},
    {"sort_dir": "up"}, {"sort": "name:sideways"}, {"sort": "name", "sort_key": "id"},
    {"sort_key": ["name", "id", "status"], "sort_dir": ["asc", "desc"]},
    {"member_status": "maybe"}, {"protected": "perhaps"}, {"size_min": "big"},
    {"created_at": "soon:2020-01-01T00:00:00Z"}, {"created_at": "gt:yesterday"},
    {"changes-since": "2020-01-01T00:00:00Z"},
])
def test_list_bad_params_are_400(admin, params):
    r = admin.get("/image/v2/images", params=params)
    assert_glance_error(r, 400)


def test_list_unknown_marker_is_400(admin, demo, images):
    assert_glance_error(admin.get("/image/v2/images", params={"marker": str(uuid.uuid4())}),
                        400)
    private = images.create(admin)
    assert_glance_error(demo.get("/image/v2/images", params={"marker": private["id"]}), 400)


# --- patch ---

def test_patch_sample_request(admin, images):
    img = images.create(admin)
    ops = glance_sample("image-update-request.json") or [
        {"op": "replace", "path": "/name", "value": "Fedora 17"},
        {"op": "replace", "path": "/tags", "value": ["fedora", "beefy"]}]
    r = patch(admin, img["id"], ops)
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Fedora 17"
    assert sorted(r.json()["tags"]) == ["beefy", "fedora"]
    assert show(admin, img["id"]) == r.json()


def test_patch_properties(admin, images):
    img = images.create(admin)
    r = patch(admin, img["id"], [
        {"op": "add", "path": "/color", "value": "red"},
        {"op": "add", "path": "/a~1b", "value": "slash"},
        {"op": "replace", "path": "/min_ram", "value": 128},
        {"op": "replace", "path": "/protected", "value": True},
        {"op": "add", "path": "/name", "value": "renamed"},
    ])
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["color"], body["a/b"], body["min_ram"]) == ("red", "slash", 128)
    assert body["protected"] is True and body["name"] == "renamed"
    r = patch(admin, img["id"], [{"op": "replace", "path": "/color", "value": "blue"},
                                 {"op": "remove", "path": "/a~1b"}])
    assert r.status_code == 200
    assert r.json()["color"] == "blue" and "a/b" not in r.json()
    assert r.json()["updated_at"] >= img["updated_at"]


def test_patch_draft4_format(admin, images):
    img = images.create(admin)
    ct = "application/openstack-images-v2.0-json-patch"
    r = patch(admin, img["id"], [{"add": "/color", "value": "red"}], ct)
    assert r.status_code == 200, r.text
    assert_glance_error(patch(admin, img["id"], [{"add": "/color", "value": "x"}], ct), 409)
    assert_glance_error(patch(admin, img["id"], [{"move": "/color"}], ct), 400)


def test_patch_wrong_media_type_is_415(admin, images):
    img = images.create(admin)
    r = patch(admin, img["id"], [], "application/json")
    assert_glance_error(r, 415)
    assert PATCH_CT in r.headers["Accept-Patch"]


@pytest.mark.parametrize("body", [
    {"op": "replace", "path": "/name", "value": "x"},
    [{"path": "/name", "value": "x"}],
    [{"op": "move", "path": "/name", "value": "x"}],
    [{"op": "replace", "value": "x"}],
    [{"op": "replace", "path": "/name"}],
    [{"op": "replace", "path": "name", "value": "x"}],
    [{"op": "replace", "path": "/tags/0", "value": "x"}],
    [{"op": "add", "path": "/a~2", "value": "x"}],
    [{"op": "replace", "path": "/min_disk", "value": "big"}],
    [{"op": "replace", "path": "/visibility", "value": "world"}],
    [{"op": "add", "path": "/color", "value": 1}],
    ["replace"],
])
def test_patch_malformed_is_400(admin, images, body):
    img = images.create(admin)
    assert_glance_error(patch(admin, img["id"], body), 400)


@pytest.mark.parametrize("op", [
    {"op": "replace", "path": "/status", "value": "active"},
    {"op": "replace", "path": "/id", "value": str(uuid.uuid4())},
    {"op": "replace", "path": "/checksum", "value": "0"},
    {"op": "add", "path": "/os_glance_foo", "value": "x"},
    {"op": "add", "path": "/deleted", "value": "x"},
    {"op": "remove", "path": "/name"},
    {"op": "remove", "path": "/status"},
])
def test_patch_forbidden_is_403(admin, images, op):
    img = images.create(admin)
    assert_glance_error(patch(admin, img["id"], [op]), 403)


def test_patch_missing_property_is_409(admin, images):
    img = images.create(admin)
    r = patch(admin, img["id"], [{"op": "replace", "path": "/nope", "value": "x"}])
    assert "does not exist" in assert_glance_error(r, 409)
    assert_glance_error(patch(admin, img["id"], [{"op": "remove", "path": "/nope"}]), 409)


def test_patch_is_atomic(admin, images):
    img = images.create(admin, color="red")
    r = patch(admin, img["id"], [{"op": "replace", "path": "/color", "value": "blue"},
                                 {"op": "replace", "path": "/status", "value": "x"}])
    assert r.status_code == 403
    assert show(admin, img["id"])["color"] == "red"


def test_patch_visibility_and_owner_rules(admin, demo, images):
    img = images.create(demo)
    r = patch(demo, img["id"], [{"op": "replace", "path": "/visibility", "value": "public"}])
    assert "publicize_image" in assert_glance_error(r, 403)
    r = patch(demo, img["id"], [{"op": "replace", "path": "/owner", "value": admin.project_id}])
    assert_glance_error(r, 403)
    r = patch(demo, img["id"], [{"op": "replace", "path": "/visibility", "value": "community"}])
    assert r.status_code == 200 and r.json()["visibility"] == "community"
    r = patch(admin, img["id"], [{"op": "replace", "path": "/visibility", "value": "public"}])
    assert r.status_code == 200 and r.json()["visibility"] == "public"


def test_patch_formats_only_while_queued(admin, images):
    img = images.active(admin)
    r = patch(admin, img["id"], [{"op": "replace", "path": "/disk_format", "value": "qcow2"}])
    assert_glance_error(r, 403)
    r = patch(admin, img["id"], [{"op": "replace", "path": "/disk_format", "value": "raw"}])
    assert r.status_code == 200


def test_patch_other_projects_image(admin, demo, images):
    public = images.create(admin, visibility="public")
    op = [{"op": "replace", "path": "/name", "value": "mine"}]
    assert "modify_image" in assert_glance_error(patch(demo, public["id"], op), 403)
    private = images.create(admin)
    assert_glance_error(patch(demo, private["id"], op), 404)
    r = patch(admin, images.create(demo)["id"], op)
    assert r.status_code == 200


def test_patch_quota_is_413(admin, images):
    img = images.create(admin)
    ops = [{"op": "add", "path": f"/p{i}", "value": "v"} for i in range(129)]
    assert_glance_error(patch(admin, img["id"], ops), 413)


# --- tags ---

def test_tags(admin, demo, images):
    img = images.create(admin, visibility="public")
    url = f"/image/v2/images/{img['id']}/tags"
    assert admin.put(url + "/one").status_code == 204
    assert admin.put(url + "/one").status_code == 204
    assert admin.put(url + "/two%20words").status_code == 204
    assert sorted(show(admin, img["id"])["tags"]) == ["one", "two words"]
    assert admin.delete(url + "/one").status_code == 204
    assert show(admin, img["id"])["tags"] == ["two words"]
    assert_glance_error(admin.delete(url + "/one"), 404)
    assert_glance_error(admin.put(url + "/" + "t" * 256), 400)
    assert_glance_error(demo.put(url + "/mine"), 403)
    assert_glance_error(admin.put(f"/image/v2/images/{uuid.uuid4()}/tags/x"), 404)


# --- delete ---

def test_delete(admin, images, daemon):
    img = images.active(admin)
    path = os.path.join(daemon.data_dir, "images", img["id"])
    assert os.path.exists(path)
    assert admin.delete(f"/image/v2/images/{img['id']}").status_code == 204
    assert not os.path.exists(path)
    assert_glance_error(admin.get(f"/image/v2/images/{img['id']}"), 404)
    assert_glance_error(admin.delete(f"/image/v2/images/{img['id']}"), 404)
    assert img["id"] not in ids_of(listed(admin, limit=1000))
    assert_glance_error(admin.post("/image/v2/images", {"id": img["id"]}), 409)


def test_delete_protected_is_403(admin, images):
    img = images.create(admin, protected=True)
    assert "protected" in assert_glance_error(admin.delete(f"/image/v2/images/{img['id']}"),
                                              403)
    show(admin, img["id"])


def test_delete_permissions(admin, demo, images):
    cirros = listed(demo, name="cirros")["images"][0]
    assert_glance_error(demo.delete(f"/image/v2/images/{cirros['id']}"), 403)
    private = images.create(admin)
    assert_glance_error(demo.delete(f"/image/v2/images/{private['id']}"), 404)
    theirs = images.create(demo)
    assert admin.delete(f"/image/v2/images/{theirs['id']}").status_code == 204


# --- members (shared images) ---

def test_members_share_an_image(admin, demo, images):
    img = images.create(admin, visibility="shared")
    url = f"/image/v2/images/{img['id']}/members"
    assert_glance_error(demo.get(f"/image/v2/images/{img['id']}"), 404)
    r = admin.post(url, {"member": demo.project_id})
    assert r.status_code == 200, r.text
    m = r.json()
    assert (m["image_id"], m["member_id"], m["status"]) == (img["id"], demo.project_id,
                                                            "pending")
    assert m["schema"] == "/v2/schemas/member"
    assert_glance_error(admin.post(url, {"member": demo.project_id}), 409)
    # a pending member can see the image but does not list it by default
    show(demo, img["id"])
    assert img["id"] not in ids_of(listed(demo, limit=1000))
    assert img["id"] in ids_of(listed(demo, member_status="pending", visibility="shared"))
    assert_glance_error(demo.post(url, {"member": "someone"}), 403)
    assert_glance_error(demo.put(f"{url}/{demo.project_id}", {"status": "maybe"}), 400)
    r = demo.put(f"{url}/{demo.project_id}", {"status": "accepted"})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert img["id"] in ids_of(listed(demo, limit=1000))
    assert [x["member_id"] for x in demo.get(url).json()["members"]] == [demo.project_id]
    assert demo.get(f"{url}/{demo.project_id}").json()["status"] == "accepted"
    assert admin.delete(f"{url}/{demo.project_id}").status_code == 204
    assert_glance_error(demo.get(f"/image/v2/images/{img['id']}"), 404)
    assert_glance_error(admin.delete(f"{url}/{demo.project_id}"), 404)


def test_members_only_the_member_decides(admin, demo, images):
    img = images.create(demo, visibility="shared")
    url = f"/image/v2/images/{img['id']}/members"
    assert demo.post(url, {"member": admin.project_id}).status_code == 200
    r = demo.put(f"{url}/{admin.project_id}", {"status": "accepted"})
    assert "modify_member" in assert_glance_error(r, 403)
    assert_glance_error(demo.put(f"{url}/{admin.project_id}", {}), 403)
    r = admin.put(f"{url}/{admin.project_id}", {"status": "rejected"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert_glance_error(admin.put(f"{url}/{admin.project_id}", {}), 400)


def test_members_need_shared_visibility(admin, images):
    img = images.create(admin)
    url = f"/image/v2/images/{img['id']}/members"
    assert_glance_error(admin.post(url, {"member": "x"}), 403)
    assert_glance_error(admin.get(url), 403)
    shared = images.create(admin, visibility="shared")
    assert_glance_error(admin.post(f"/image/v2/images/{shared['id']}/members", {}), 400)


# --- the compute API's images proxy (2.1 - 2.35) ---

def test_proxy_list_and_detail(admin, images, cirrus):
    img = images.active(admin, name=uniq("px"), architecture="x86_64", kernel_id="nokernel",
                        ramdisk_id="nokernel")
    r = admin.get("/v2.1/images", params={"name": img["name"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [i["id"] for i in body["images"]] == [img["id"]]
    links = {link["rel"]: link for link in body["images"][0]["links"]}
    assert links["self"]["href"] == f"{cirrus}/v2.1/images/{img['id']}"
    assert links["bookmark"]["href"] == f"{cirrus}/images/{img['id']}"
    assert links["alternate"]["href"] == f"{cirrus}/image/images/{img['id']}"
    assert links["alternate"]["type"] == "application/vnd.openstack.image"
    ref = sample("images/images-list-get-resp.json")
    if ref:
        assert_same_keys(body, ref)
    r = admin.get("/v2.1/images/detail", params={"name": img["name"]})
    detail = r.json()["images"][0]
    assert detail["status"] == "ACTIVE" and detail["progress"] == 100
    assert detail["OS-EXT-IMG-SIZE:size"] == img["size"]
    assert detail["metadata"]["architecture"] == "x86_64"
    assert detail["minRam"] == 0 and detail["minDisk"] == 0
    ref = sample("images/images-details-get-resp.json")
    if ref:
        assert_same_keys(detail, ref["images"][0])


def test_proxy_show(admin, images):
    server = str(uuid.uuid4())
    img = images.create(admin, auto_disk_config="True", min_ram=64, instance_uuid=server,
                        image_type="snapshot")
    r = admin.get(f"/v2.1/images/{img['id']}")
    assert r.status_code == 200, r.text
    body = r.json()["image"]
    assert body["status"] == "SAVING" and body["progress"] == 25
    assert body["OS-DCF:diskConfig"] == "AUTO" and body["minRam"] == 64
    assert body["OS-EXT-IMG-SIZE:size"] is None
    assert body["server"]["id"] == server
    assert body["server"]["links"][0]["href"].endswith(f"/servers/{server}")
    assert body["created"].endswith("Z")
    ref = sample("images/image-get-resp.json")
    if ref:
        want = set(ref["image"]) | {"server"}
        assert set(body) == want
    r = admin.get("/v2.1/images/detail", params={"server": server})
    assert [i["id"] for i in r.json()["images"]] == [img["id"]]
    r = admin.get("/v2.1/images/detail", params={"type": "snapshot", "name": img["name"]})
    assert [i["id"] for i in r.json()["images"]] == [img["id"]]


def test_proxy_not_found(admin, demo, images):
    r = admin.get(f"/v2.1/images/{uuid.uuid4()}")
    assert r.status_code == 404
    assert r.json()["itemNotFound"]["message"] == "Image not found."
    private = images.create(admin)
    assert demo.get(f"/v2.1/images/{private['id']}").status_code == 404


def test_proxy_delete(admin, demo, images):
    img = images.create(admin, protected=True)
    r = admin.delete(f"/v2.1/images/{img['id']}")
    assert r.status_code == 403 and "forbidden" in r.json()
    cirros = listed(demo, name="cirros")["images"][0]
    assert demo.delete(f"/v2.1/images/{cirros['id']}").status_code == 403
    other = images.create(admin)
    assert admin.delete(f"/v2.1/images/{other['id']}").status_code == 204
    assert admin.delete(f"/v2.1/images/{other['id']}").status_code == 404
    assert_glance_error(admin.get(f"/image/v2/images/{other['id']}"), 404)


def test_proxy_paging(admin, images):
    tag = uniq("pp")
    made = [images.create(admin, name=f"{tag}", tags=[tag]) for _ in range(3)]
    r = admin.get("/v2.1/images", params={"name": tag, "limit": 2})
    body = r.json()
    assert len(body["images"]) == 2
    nxt = body["images_links"][0]
    assert nxt["rel"] == "next" and "marker=" in nxt["href"]
    r = admin.get(nxt["href"])
    assert r.status_code == 200
    rest = r.json()["images"]
    assert len(rest) == 1
    assert {i["id"] for i in body["images"] + rest} == {m["id"] for m in made}
    assert admin.get("/v2.1/images", params={"limit": "x"}).status_code == 400
    assert admin.get("/v2.1/images", params={"limit": "-1"}).status_code == 400
    assert admin.get("/v2.1/images", params={"marker": str(uuid.uuid4())}).status_code == 400


def compute_max_mv(client):
    doc = requests.get(client.base + "/v2.1/", timeout=10).json()["version"]
    return tuple(int(x) for x in doc["version"].split("."))


def test_proxy_microversion_bounds(admin):
    cirros = listed(admin, name="cirros")["images"][0]
    if compute_max_mv(admin) < (2, 36):
        pytest.skip("compute 2.36 not advertised yet")
    for mv in ("2.1", "2.35"):
        assert admin.get("/v2.1/images", mv=mv).status_code == 200
        assert admin.get(f"/v2.1/images/{cirros['id']}", mv=mv).status_code == 200
    for path in ("/v2.1/images", "/v2.1/images/detail", f"/v2.1/images/{cirros['id']}"):
        assert admin.get(path, mv="2.36").status_code == 404
    assert admin.delete(f"/v2.1/images/{cirros['id']}", mv="2.36").status_code == 404


def test_proxy_unauthenticated(anon):
    assert anon.get("/v2.1/images").status_code == 401


# --- the openstack CLI ---

@pytest.mark.skipif(shutil.which("openstack") is None, reason="openstack CLI not installed")
def test_openstack_cli_image_commands(daemon, admin, tmp_path):
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=daemon.clouds_yaml, OS_CLOUD="cirrus-admin")

    def osc(*args):
        p = subprocess.run(["openstack", *args], env=env, capture_output=True, text=True,
                           timeout=120)
        assert p.returncode == 0, p.stderr
        return p.stdout

    name = uniq("cli")
    data = os.urandom(30000)
    src, out = tmp_path / "in.img", tmp_path / "out.img"
    src.write_bytes(data)
    assert "cirros" in osc("image", "list", "-f", "value", "-c", "Name").split()
    assert json.loads(osc("image", "show", "cirros", "-f", "json"))["status"] == "active"
    osc("image", "create", "--file", str(src), "--disk-format", "qcow2", name)
    try:
        shown = json.loads(osc("image", "show", name, "-f", "json"))
        assert shown["status"] == "active"
        assert shown["checksum"] == hashlib.md5(data).hexdigest()
        osc("image", "set", "--property", "a=b", name)
        assert show(admin, shown["id"])["a"] == "b"
        osc("image", "save", "--file", str(out), name)
        assert out.read_bytes() == data
    finally:
        osc("image", "delete", name)
    assert name not in osc("image", "list", "-f", "value", "-c", "Name").split()
