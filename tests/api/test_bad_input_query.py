"""Bad input outside the body, across the three APIs: malformed path
segments (bad UUIDs, NUL, bytes that are not UTF-8, huge, injection text),
bad query values on every list route (negative/huge/non-numeric limits,
unknown markers, bad sort keys and booleans, repeated keys), the media types
Nova takes or refuses, and garbage in the version and token headers. The
answer is always a well-formed fault of the API (never a 5xx) and nothing
changes. Shares its helpers, the `world` fixture and the state snapshot
with test_bad_input.py (the body batteries).
"""
import json
import os
import urllib.parse
import uuid

import pytest
import requests

from test_bad_input import (MAX, api_of, assert_unchanged, check_fault, fault_message, fill,
                            send, snapshot, world)  # noqa: F401  (world is a fixture)


# --- path segments --------------------------------------------------------

BAD_IDS = ["not-a-uuid", "%00", "%ff%fe", "x" * 2000, "99999", "-1", "%27%20OR%201%3D1--",
           "%E2%80%AE", "a%0Ab", "12345678-1234-1234-1234-1234567890ab"]

PATH_CASES = [
    ("GET", "/servers/{x}"), ("PUT", "/servers/{x}"), ("DELETE", "/servers/{x}"),
    ("POST", "/servers/{x}/action"), ("GET", "/servers/{x}/metadata"),
    ("PUT", "/servers/{x}/metadata/k"), ("GET", "/servers/{x}/tags"),
    ("PUT", "/servers/{server}/tags/{tag}"), ("GET", "/servers/{x}/os-instance-actions"),
    ("GET", "/servers/{server}/os-instance-actions/{x}"), ("GET", "/servers/{x}/ips"),
    ("GET", "/servers/{x}/migrations"), ("GET", "/servers/{server}/migrations/{x}"),
    ("POST", "/servers/{server}/migrations/{x}/action"),
    ("GET", "/flavors/{x}"), ("DELETE", "/flavors/{x}"), ("GET", "/flavors/{x}/os-extra_specs"),
    ("GET", "/flavors/{flavor}/os-extra_specs/{x}"), ("POST", "/flavors/{x}/action"),
    ("GET", "/flavors/{x}/os-flavor-access"), ("GET", "/os-keypairs/{x}"),
    ("DELETE", "/os-keypairs/{x}"), ("GET", "/os-hypervisors/{x}"),
    ("GET", "/os-hypervisors/{x}/uptime"), ("PUT", "/os-services/{x}"),
    ("DELETE", "/os-services/{x}"),
    ("GET", "/extensions/{x}"), ("GET", "/v2.1/images/{x}"), ("DELETE", "/v2.1/images/{x}"),
    ("GET", "/identity/v3/users/{x}"), ("GET", "/identity/v3/projects/{x}"),
    ("GET", "/identity/v3/domains/{x}"), ("GET", "/identity/v3/roles/{x}"),
    ("GET", "/identity/v3/users/{x}/projects"),
    ("GET", "/image/v2/images/{x}"), ("PATCH", "/image/v2/images/{x}"),
    ("DELETE", "/image/v2/images/{x}"), ("GET", "/image/v2/images/{x}/members"),
    ("PUT", "/image/v2/images/{x}/file"), ("GET", "/image/v2/images/{x}/file"),
    ("PUT", "/image/v2/images/{x}/tags/t"), ("PUT", "/image/v2/images/{queued_image}/tags/{tag}"),
    ("GET", "/image/v2/images/{shared_image}/members/{x}"),
    ("POST", "/image/v2/images/{x}/actions/deactivate"),
]


# Tags in the path: a string, so only bad strings (too long, ',' or '/' for
# Nova, bytes that are not UTF-8) can be refused.
BAD_TAGS = ["%ff%fe", "t" * 300, "a%2Cb", "%C3%28"]


def test_bad_path_segments(admin, demo, world):
    before = snapshot(admin, demo, world)
    n = 0
    for method, pattern in PATH_CASES:
        bad_tags = BAD_TAGS if pattern.startswith("/servers") else [
            t for t in BAD_TAGS if "%2C" not in t]       # Glance allows ',' in a tag
        for bad in bad_tags if "{tag}" in pattern else BAD_IDS:
            path = fill(pattern.replace("{x}", bad).replace("{tag}", bad), world)
            api = api_of(path)
            data, ct = None, None
            if "{tag}" in pattern:
                pass        # no body: the tag itself is what is checked
            elif method in ("POST", "PUT", "PATCH"):
                data, ct = b"{}", "application/json"
                if path.endswith("/file"):
                    data, ct = b"abc", "application/octet-stream"
                elif api == "image" and method == "PATCH":
                    data, ct = b"[]", "application/openstack-images-v2.1-json-patch"
            h = {"X-Auth-Token": admin.token, "OpenStack-API-Version": f"compute {MAX}"}
            if ct:
                h["Content-Type"] = ct
            url = admin._url(path)
            r = requests.request(method, url, data=data, headers=h, timeout=30)
            # 405: a multi-segment value (%2F decoded) can land on another route
            check_fault(api, r, {400, 403, 404, 405, 409, 413, 415}, f"{method} {path[:100]}")
            n += 1
    assert n > 300
    assert_unchanged(before, snapshot(admin, demo, world), "paths")


# --- query parameters -----------------------------------------------------

QUERY_ROUTES = [
    ("/servers", ["limit", "marker", "sort_key", "sort_dir", "all_tenants", "deleted",
                  "changes-since", "changes-before", "status", "name", "ip", "ip6", "tags",
                  "tags-any", "not-tags", "locked", "flavor", "image", "host", "project_id",
                  "tenant_id", "user_id", "reservation_id", "availability_zone",
                  "config_drive", "key_name", "created_at", "launched_at", "power_state",
                  "task_state", "vm_state", "soft_deleted", "progress", "hostname",
                  "uuid", "bogus"]),
    ("/servers/detail", ["limit", "marker", "sort_key", "sort_dir", "all_tenants", "deleted",
                         "changes-since", "locked", "bogus"]),
    ("/flavors", ["limit", "marker", "sort_key", "sort_dir", "is_public", "minRam", "minDisk",
                  "bogus"]),
    ("/flavors/detail", ["limit", "marker", "sort_key", "sort_dir", "is_public", "minRam",
                         "minDisk", "bogus"]),
    ("/os-keypairs", ["limit", "marker", "user_id", "bogus"]),
    ("/os-keypairs/{nokey}", ["user_id"]),
    ("/os-hypervisors", ["limit", "marker", "hypervisor_hostname_pattern", "with_servers",
                         "bogus"]),
    ("/os-hypervisors/detail", ["limit", "marker", "hypervisor_hostname_pattern",
                                "with_servers", "bogus"]),
    ("/os-migrations", ["limit", "marker", "changes-since", "changes-before", "hidden", "host",
                        "instance_uuid", "source_compute", "status", "migration_type",
                        "user_id", "project_id", "bogus"]),
    ("/os-services", ["host", "binary", "bogus"]),
    ("/servers/{server}/os-instance-actions", ["limit", "marker", "changes-since",
                                                "changes-before", "bogus"]),
    ("/servers/{server}/migrations", ["bogus"]),
    ("/limits", ["tenant_id", "reserved", "bogus"]),
    ("/v2.1/images", ["limit", "marker", "name", "status", "changes-since", "server", "type",
                 "minRam", "minDisk", "bogus"]),
    ("/v2.1/images/detail", ["limit", "marker", "bogus"]),
    ("/os-availability-zone/detail", ["bogus"]),
    ("/identity/v3/projects", ["name", "domain_id", "enabled", "is_domain", "parent_id"]),
    ("/identity/v3/users", ["name", "domain_id", "enabled"]),
    ("/identity/v3/role_assignments", ["user.id", "scope.project.id", "role.id", "effective",
                                       "include_names", "include_subtree"]),
    ("/identity/v3/domains", ["name", "enabled"]),
    ("/identity/v3/roles", ["name", "domain_id"]),
    ("/image/v2/images", ["limit", "marker", "sort_key", "sort_dir", "sort", "visibility",
                          "member_status", "owner", "name", "status", "tag", "size_min",
                          "size_max", "protected", "os_hidden", "created_at", "updated_at",
                          "container_format", "disk_format", "id", "bogus"]),
    ("/image/v2/images/{shared_image}/members", ["bogus"]),
]

QUERY_VALUES = ["-1", "abc", "1" * 40, "", "1.5", "%00", "%ff%fe", "x" * 4000, "0",
                "in:", "gte:abc", "%E2%80%AE", "2**70", "None", "maybe", "' OR 1=1 --",
                "2020-13-45T99:99:99Z"]


def qurl(admin, path, query):
    return admin._url(path) + "?" + query


def test_query_battery(admin, demo, world):
    before = snapshot(admin, demo, world)
    n = 0
    for mv in ("2.1", MAX):
        for path, params in QUERY_ROUTES:
            api = api_of(path)
            if api != "compute" and mv != MAX:
                continue
            path = fill(path.replace("{nokey}", "no-such-key"), world)
            for p in params:
                for v in QUERY_VALUES:
                    vq = v if "%" in v else urllib.parse.quote(v, safe="")
                    r = admin.http.get(qurl(admin, path, f"{urllib.parse.quote(p)}={vq}"),
                                       headers={"X-Auth-Token": admin.token,
                                                "OpenStack-API-Version": f"compute {mv}"},
                                       timeout=30)
                    n += 1
                    if r.status_code in (200, 204):
                        continue
                    check_fault(api, r, {400, 403, 404}, f"GET {path}?{p}={v[:40]} @{mv}")
                # repeated keys
                r = admin.http.get(qurl(admin, path, f"{p}=1&{p}=2&{p}=abc"),
                                   headers={"X-Auth-Token": admin.token,
                                            "OpenStack-API-Version": f"compute {mv}"},
                                   timeout=30)
                n += 1
                if r.status_code != 200:
                    check_fault(api, r, {400, 403, 404}, f"GET {path}?{p} repeated @{mv}")
    assert n > 1500
    assert_unchanged(before, snapshot(admin, demo, world), "query")


LIMITED = ["/servers", "/servers/detail", "/flavors", "/flavors/detail", "/os-keypairs",
           "/os-hypervisors", "/os-migrations", "/servers/{server}/os-instance-actions",
           "/image/v2/images"]


@pytest.mark.parametrize("path", LIMITED)
def test_bad_limit_and_marker_are_400(path, admin, world):
    """Nova: limit is a non-negative integer and an unknown marker is a 400
    (servers "marker [x] not found", flavors/keypairs/hypervisors/migrations and
    instance actions likewise); Glance answers 400 to both too."""
    path = fill(path, world)
    api = api_of(path)
    mv = "2.58" if "os-instance-actions" in path else MAX
    if path == "/os-hypervisors":
        mv = "2.53"
    if path == "/os-migrations":
        mv = "2.59"
    for q in ("limit=-1", "limit=abc", "limit=1.5", f"marker={uuid.uuid4()}",
              "marker=not-a-marker"):
        r = admin.http.get(qurl(admin, path, q), headers={
            "X-Auth-Token": admin.token, "OpenStack-API-Version": f"compute {mv}"}, timeout=30)
        check_fault(api, r, {400}, f"GET {path}?{q}")


# --- media types and headers ----------------------------------------------

@pytest.mark.parametrize("ctype", ["text/plain", "", "application/json; charset=UTF-8",
                                   "application/vnd.openstack.compute+json"])
def test_compute_takes_nova_json_media_types(admin, ctype):
    """nova wsgi Request.get_content_type: no type, '' and text/plain mean
    JSON, as do its two JSON types; the body is then validated (400 here, the
    name is missing), not refused with 415."""
    r = send(admin, "POST", "/os-keypairs", {"keypair": {}}, ctype=ctype or None,
             headers={"Content-Type": ctype} if ctype == "" else None)
    check_fault("compute", r, {400}, f"Content-Type {ctype!r}")
    assert "'name' is a required property" in fault_message("compute", r), r.text


@pytest.mark.parametrize("ctype", ["application/xml", "application/foo+json", "text/html",
                                   "multipart/form-data"])
def test_compute_refuses_other_media_types_even_without_body(admin, world, ctype):
    for data in (b'{"keypair": {"name": "bi-ct"}}', b""):
        r = send(admin, "POST", f"/servers/{world['server']}/action", data, ctype=ctype)
        check_fault("compute", r, {415}, f"Content-Type {ctype!r}")
        assert fault_message("compute", r) == "Unsupported Content-Type"


def test_identity_parses_any_media_type(cirrus):
    """keystone's json_body hook calls get_json(force=True): the type is not
    looked at, only whether the body is a JSON object."""
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "demo", "domain": {"name": "Default"}, "password": "demo"}}}}}
    for ctype in ("text/plain", "application/xml", "application/x-www-form-urlencoded"):
        r = requests.post(cirrus + "/identity/v3/auth/tokens", data=json.dumps(body),
                          headers={"Content-Type": ctype}, timeout=30)
        assert r.status_code == 201, (ctype, r.text)
        r = requests.post(cirrus + "/identity/v3/auth/tokens", data=b"auth=x",
                          headers={"Content-Type": ctype}, timeout=30)
        check_fault("identity", r, {400}, ctype)
        assert fault_message("identity", r).startswith("Expecting to find valid JSON object")


BAD_HEADERS = [
    ("OpenStack-API-Version", "compute \xff\xfe"), ("OpenStack-API-Version", "compute 2.x"),
    ("OpenStack-API-Version", "compute " + "9" * 300), ("OpenStack-API-Version", "compute -1.-1"),
    ("OpenStack-API-Version", "compute 2.99999999999999999999"),
    ("X-OpenStack-Nova-API-Version", "\xff"), ("X-Auth-Token", "\xff\xfe"),
    ("X-Auth-Token", "x" * 6000), ("X-Auth-Token", ""), ("X-Auth-Token", "a b"),
]


def test_bad_headers(admin, demo, world):
    """Garbage in the version and token headers: a fault, never a 5xx or a
    body that is not JSON (the messages echo the header)."""
    before = snapshot(admin, demo, world)
    for name, value in BAD_HEADERS:
        for method, path, body in (("GET", "/v2.1/servers", None),
                                   ("POST", f"/v2.1/servers/{world['server']}/action",
                                    b'{"os-stop": null}'),
                                   ("GET", "/image/v2/images", None),
                                   ("GET", "/identity/v3/projects", None)):
            h = {"X-Auth-Token": admin.token, "Content-Type": "application/json"}
            h[name] = value.encode("latin-1")
            r = requests.request(method, admin.base + path, data=body, headers=h, timeout=30)
            if r.status_code in (200, 202):
                assert name != "X-Auth-Token", (name, value, r.status_code)
                continue
            check_fault(api_of(path), r, {400, 401, 404, 406}, f"{name}: {value[:40]!r} {path}")
    # the one header value that may have been accepted (a version or token)
    # must not have been the os-stop: the server is still ACTIVE
    after = snapshot(admin, demo, world)
    assert after["server"]["status"] == "ACTIVE"
    assert before["actions"] == after["actions"]


def test_bad_image_uploads(admin, demo, world, daemon):
    """PUT /v2/images/{id}/file (streamed, no JSON): Glance's 415 for another
    media type, a 400 for a bad x-openstack-image-size, 404 for a missing
    image, 403 for someone else's; the image stays queued with no data, and no
    spooled upload is left behind (conftest's data dir is the daemon's)."""
    iid = world["queued_image"]
    url = admin._url(f"/image/v2/images/{iid}/file")
    cases = [
        ({"Content-Type": "text/plain"}, b"abc", {415}),
        ({"Content-Type": "application/json"}, b"{}", {415}),
        ({}, b"abc", {415}),
        ({"Content-Type": "application/octet-stream", "x-openstack-image-size": "abc"}, b"abc",
         {400}),
        ({"Content-Type": "application/octet-stream", "x-openstack-image-size": "-1"}, b"abc",
         {400}),
        ({"Content-Type": "application/octet-stream", "x-openstack-image-size": "9" * 30},
         b"abc", {400}),
        ({"Content-Type": "application/octet-stream", "x-openstack-image-size": "5"}, b"abc",
         {400}),
    ]
    for headers, data, allowed in cases:
        h = dict(headers, **{"X-Auth-Token": admin.token})
        r = requests.put(url, data=data, headers=h, timeout=30)
        check_fault("image", r, allowed, f"upload {headers}")
        img = admin.get(f"/image/v2/images/{iid}").json()
        assert img["status"] == "queued" and img["size"] is None, img
    h = {"X-Auth-Token": admin.token, "Content-Type": "application/octet-stream"}
    r = requests.put(admin._url(f"/image/v2/images/{uuid.uuid4()}/file"), data=b"abc",
                     headers=h, timeout=30)
    check_fault("image", r, {404}, "upload to a missing image")
    h["X-Auth-Token"] = demo.token
    r = requests.put(url, data=b"abc", headers=h, timeout=30)
    check_fault("image", r, {403, 404}, "upload to another project's image")
    assert admin.get(f"/image/v2/images/{iid}").json()["status"] == "queued"
    spool = os.path.join(daemon.data_dir, "tmp")
    left = [f for f in os.listdir(spool) if f.startswith("upload-")] if os.path.isdir(spool) \
        else []
    assert not left, left


def test_compute_checks_media_type_of_every_request(admin):
    """nova wsgi Resource.__call__ runs get_content_type() for every request,
    before dispatch: a GET with an unsupported Content-Type is a 415 too."""
    for path in ("/servers", "/flavors", "/os-keypairs"):
        r = admin.get(path, headers={"Content-Type": "application/xml"})
        check_fault("compute", r, {415}, f"GET {path}")
        assert fault_message("compute", r) == "Unsupported Content-Type"
        assert admin.get(path, headers={"Content-Type": "text/plain"}).status_code == 200
