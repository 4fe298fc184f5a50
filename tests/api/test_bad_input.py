"""Bad input across the three APIs: every route that takes a body or query
parameters gets a generated battery of malformed requests, and must answer
with its API's fault body (compute {"<faultName>": {"code", "message"}},
identity {"error": {"code", "message", "title"}}, image Glance's
{"code", "title", "message"}), a status in the documented set, never a 5xx,
and no state change (server/flavor/keypair/image lists, the target server's
metadata/tags/actions are compared before and after each battery). The
session daemon runs under ASan/UBSan in `make test`, so a crash or a leak
on any of these inputs fails the run through conftest.

ROUTE_TABLE is the maintained list of routes with a body; a test parses
src/api/**/*.c and fails when a POST/PUT/PATCH route (or a server action)
exists that the list does not cover, so new routes must be added here.
Path segments, query parameters, media types and headers are in
test_bad_input_query.py, which shares this file's helpers and `world`.
"""
import copy
import json
import pathlib
import re
import uuid

import pytest

from conftest import first_flavor, first_image

ROOT = pathlib.Path(__file__).resolve().parents[2]
MAX = "2.100"
CAP = 112 * 1024             # HTTP_MAX_BODY (src/http/server.h)

# --- bad values -----------------------------------------------------------

HUGE = "x" * 65536
BAD_VALUES = {
    "null": None,
    "int": 7,
    "neg": -1,
    "float": 1.5,
    "true": True,
    "array": [],
    "object": {},
    "empty": "",
    "huge": HUGE,
    "huge-utf8": "a" + "\u00e9" * 30000,     # messages cut inside a character
    "nul": "a\u0000b",
    "ctrl": "a\u0001\u001fb",
    "longarray": ["x"] * 20000,
    "deep": "<deep>",       # 2000 nested arrays: parses (jansson allows 2048 levels)
}
DEEP = "[" * 2000 + "]" * 2000

# Raw bodies any JSON route must refuse (400) whatever its schema. (Duplicate
# keys are not here: Python's json, like jansson, keeps the last one.)
RAW_BAD = {
    "truncated": b'{"a": ',
    "garbage": b"not json at all",
    "trailing": b'{"a": 1} x',
    "single-quotes": b"{'a': 1}",
    "bad-utf8": b'{"a": "\xff\xfe"}',
    "bad-utf8-key": b'{"\xc3\x28": 1}',
    "lone-surrogate": b'{"a": "\\ud800"}',
    "nul-escape": b'{"a": "x\\u0000y"}',
    "raw-ctrl": b'{"a": "x\x01y"}',
    "bigint": b'{"a": 123456789012345678901234567890}',
    "nan": b'{"a": NaN}',
    "deep-array": b"[" * 10000 + b"]" * 10000,
    "deep-object": b'{"a":' * 10000 + b"1" + b"}" * 10000,
}
ROOT_BAD = {"null": None, "int": 1, "string": "x", "true": True, "array": [], "array1": [{}],
            "empty-object": {}}

# What each API may answer to bad input (documented fault codes).
STATUS = {
    "compute": {400, 401, 403, 404, 409, 413, 415},
    "identity": {400, 401, 403, 404, 409, 413, 415},
    "image": {400, 401, 403, 404, 409, 413, 415},
}


# What each service says to a body that is not JSON (nova wsgi, keystone
# json_body's ValidationError, glance JSONRequestDeserializer).
MALFORMED = {
    "compute": "Malformed request body",
    "identity": "Expecting to find valid JSON object in request body. The server could not "
                "comply with the request since it is either malformed or otherwise incorrect. "
                "The client is assumed to be in error.",
    "image": "Malformed JSON in request body.",
}


def fault_message(api, r):
    body = r.json()
    if api == "identity" or (api == "compute" and r.status_code == 401):
        return body["error"]["message"]
    if api == "image":
        return body["message"]
    return next(iter(body.values()))["message"]


def check_fault(api, r, allowed=None, where="", clean=False):
    """A well-formed fault of `api` with a status in `allowed`; `clean`: the
    input was valid UTF-8, so the message must not need U+FFFD."""
    ctx = f"{where}: {r.status_code} {r.text[:300]!r}"
    assert r.status_code < 500, ctx
    allowed = allowed or STATUS[api]
    assert r.status_code in allowed, ctx
    assert r.headers.get("Content-Type", "").startswith("application/json"), ctx
    try:
        body = r.json()
    except ValueError:
        raise AssertionError(f"{ctx}: body is not JSON")
    if api == "identity" or (api == "compute" and r.status_code == 401):
        assert set(body) == {"error"}, ctx
        err = body["error"]
        assert set(err) == {"code", "message", "title"}, ctx
        assert err["code"] == r.status_code and err["title"], ctx
    elif api == "image":
        assert set(body) >= {"code", "title", "message"}, ctx
        assert body["code"].startswith(str(r.status_code)), ctx
    else:
        assert len(body) == 1, ctx
        (name, err), = body.items()
        # Nova's Fault has no name for 406 (a version it does not serve)
        names = ("computeFault",) if r.status_code == 406 else (
            "badRequest", "unauthorized", "forbidden", "itemNotFound", "badMethod",
            "conflictingRequest", "overLimit", "badMediaType")
        assert name in names, ctx
        assert set(err) == {"code", "message"}, ctx
        assert err["code"] == r.status_code, ctx
        msg = err["message"]
    msg = body.get("error", body).get("message") if api != "compute" or r.status_code == 401 \
        else msg
    assert isinstance(msg, str) and msg.strip(), ctx
    assert "Traceback" not in msg and "sqlite" not in msg.lower(), ctx
    if clean:
        assert "\ufffd" not in msg, ctx
    return body


def send(client, method, path, data, ctype="application/json", mv=MAX, headers=None):
    h = {"Content-Type": ctype} if ctype else {}
    h.update(headers or {})
    if isinstance(data, (dict, list)) or data is None or isinstance(data, (int, float, str)):
        # Python's json cannot nest 2000 deep: the "deep" kind is spliced in as text
        data = json.dumps(data, ensure_ascii=False).replace('"<deep>"', DEEP).encode()
    return client.request(method, path, data=data, headers=h, mv=mv)


def api_of(path):
    if path.startswith("/identity"):
        return "identity"
    if path.startswith("/image"):
        return "image"
    return "compute"


def set_path(body, path, value):
    b = copy.deepcopy(body)
    d = b
    for k in path[:-1]:
        d = d[k]
    d[path[-1]] = value
    return b


# --- the route table ------------------------------------------------------
#
# Each entry: id, api, method, route pattern (as in the C table), concrete
# path (format fields from the `world` fixture), a valid template body, the
# fields to mutate as (json path, kinds that are VALID there and so not
# sent), extra hand-written bad bodies, who sends it, and the microversion.
# Routes without a JSON body (tags/{tag}, image tag, deactivate...) appear
# with template None: they get path/content-type checks only.

def F(path, *valid):
    valid = set(valid)
    if "huge" in valid:
        valid.add("huge-utf8")
    return (path, valid)


ALL_STR = ("empty", "huge", "huge-utf8", "ctrl")

ROUTE_TABLE = [
    dict(id="servers-create-2.1", api="compute", method="POST", route="/servers",
         path="/servers", mv="2.1", who="admin",
         body={"server": {"name": "bi-new", "flavorRef": "{flavor}", "imageRef": "{image}"}},
         fields=[F(("server", "name")), F(("server", "flavorRef")), F(("server", "imageRef")),
                 F(("server", "adminPass"), *ALL_STR), F(("server", "metadata"), "object"),
                 F(("server", "networks"), "array"), F(("server", "accessIPv4")),
                 F(("server", "accessIPv6")), F(("server", "availability_zone")),
                 F(("server", "key_name")), F(("server", "min_count"), "int"),
                 F(("server", "max_count"), "int"),
                 F(("server", "user_data"), "empty", "huge-utf8"),
                 F(("server", "security_groups"), "array"), F(("server", "config_drive"), "true"),
                 F(("server", "OS-DCF:diskConfig")),
                 F(("server", "block_device_mapping_v2"), "array"),
                 F(("server", "personality"), "array"), F(("os:scheduler_hints",), "object")],
         extra=[{"server": {"name": "bi-new", "flavorRef": "{flavor}", "imageRef": "{image}",
                            "metadata": {"": "v"}}},
                {"server": {"name": "bi-new", "flavorRef": "{flavor}", "imageRef": "{image}",
                            "metadata": {"k" * 256: "v"}}},
                {"server": {"name": "bi-new", "flavorRef": "{flavor}", "imageRef": "{image}",
                            "min_count": 3, "max_count": 2}},
                {"server": {"name": "bi-new", "flavorRef": "{flavor}", "imageRef": "{image}",
                            "networks": [{"uuid": "not-a-uuid"}]}},
                {"server": {"name": "bi-new", "flavorRef": "{flavor}", "imageRef": "{image}",
                            "networks": [{"fixed_ip": "999.1.1.1"}]}},
                {"server": {"name": "bi-new", "flavorRef": "{flavor}", "imageRef": "{image}",
                            "user_data": "not base64!"}},
                {"server": {"name": "bi-new", "flavorRef": "{flavor}", "imageRef": "{image}",
                            "block_device_mapping_v2": [{"boot_index": "x"}]}},
                {"server": {"name": "bi-new", "flavorRef": "{flavor}",
                            "imageRef": str(uuid.uuid4())}},
                {"server": {"name": "bi-new", "flavorRef": "no-such-flavor",
                            "imageRef": "{image}"}}]),
    dict(id="servers-create-max", api="compute", method="POST", route="/servers",
         path="/servers", mv=MAX, who="admin",
         body={"server": {"name": "bi-new", "flavorRef": "{flavor}", "imageRef": "{image}",
                          "networks": "none"}},
         fields=[F(("server", "name")), F(("server", "networks"), "array"),
                 F(("server", "description"), "null", "empty"),
                 F(("server", "tags"), "array"), F(("server", "hostname")),
                 F(("server", "host")), F(("server", "hypervisor_hostname")),
                 F(("server", "trusted_image_certificates"), "null"),
                 F(("server", "min_count"), "int"), F(("server", "key_name"))],
         extra=[{"server": {"name": "bi-new", "flavorRef": "{flavor}", "imageRef": "{image}",
                            "networks": "none", "tags": ["a,b"]}},
                {"server": {"name": "bi-new", "flavorRef": "{flavor}", "imageRef": "{image}",
                            "networks": "none", "tags": ["t"] * 51}},
                {"server": {"name": "bi-new", "flavorRef": "{flavor}", "imageRef": "{image}",
                            "networks": "none", "personality": []}},
                {"server": {"name": "bi-new", "flavorRef": "{flavor}", "imageRef": "{image}"}}]),
    dict(id="servers-update", api="compute", method="PUT", route="/servers/{id}",
         path="/servers/{server}", missing="/servers/{missing}", mv=MAX, who="admin",
         body={"server": {"name": "bi-target"}},
         fields=[F(("server", "name")), F(("server", "description"), "null", "empty"),
                 F(("server", "accessIPv4")), F(("server", "accessIPv6")),
                 F(("server", "OS-DCF:diskConfig")), F(("server", "hostname"))]),
    dict(id="servers-action", api="compute", method="POST", route="/servers/{id}/action",
         path="/servers/{server}/action", mv=MAX, who="admin",
         body={"reboot": {"type": "SOFT"}},
         fields=[F(("reboot", "type")), F(("reboot",))],
         extra=[{"bogus": None}, {"reboot": {"type": "SOFT"}, "os-stop": None},
                {"os-stop": None, "extra": 1}, {"": None}]),
    dict(id="servers-metadata-create", api="compute", method="POST",
         route="/servers/{id}/metadata", path="/servers/{server}/metadata",
         missing="/servers/{missing}/metadata", mv=MAX, who="admin",
         body={"metadata": {"k": "v"}},
         fields=[F(("metadata",), "object"), F(("metadata", "k"), "empty", "ctrl")],
         extra=[{"metadata": {"": "v"}}, {"metadata": {"k" * 256: "v"}},
                {"metadata": {"a/b": "v"}}, {"metadata": {"k": "v" * 256}},
                {"metadata": {f"k{i}": "v" for i in range(200)}}]),
    dict(id="servers-metadata-replace", api="compute", method="PUT",
         route="/servers/{id}/metadata", path="/servers/{server}/metadata", mv=MAX, who="admin",
         body={"metadata": {"k": "v"}},
         fields=[F(("metadata",), "object"), F(("metadata", "k"), "empty", "ctrl")],
         extra=[{"metadata": {"": "v"}}, {"metadata": {"k" * 256: "v"}},
                {"metadata": {f"k{i}": "v" for i in range(200)}}]),
    dict(id="servers-metadata-item", api="compute", method="PUT",
         route="/servers/{id}/metadata/{key}", path="/servers/{server}/metadata/k",
         missing="/servers/{missing}/metadata/k", mv=MAX,
         who="admin", body={"meta": {"k": "v"}},
         fields=[F(("meta",)), F(("meta", "k"), "empty", "ctrl")],
         extra=[{"meta": {"other": "v"}}, {"meta": {"k": "v", "j": "w"}}, {"meta": {}},
                {"metadata": {"k": "v"}}]),
    dict(id="servers-tags-replace", api="compute", method="PUT", route="/servers/{id}/tags",
         path="/servers/{server}/tags",
         missing="/servers/{missing}/tags", mv=MAX, who="admin", body={"tags": ["a"]},
         fields=[F(("tags",), "array"), F(("tags", 0), "ctrl")],
         extra=[{"tags": ["a,b"]}, {"tags": ["a/b"]}, {"tags": ["t" * 61]},
                {"tags": [f"t{i}" for i in range(51)]}]),
    dict(id="servers-tag-add", api="compute", method="PUT", route="/servers/{id}/tags/{tag}",
         path="/servers/{server}/tags/x", mv=MAX, who="admin", body=None),
    dict(id="flavors-create", api="compute", method="POST", route="/flavors", path="/flavors",
         mv=MAX, who="admin",
         body={"flavor": {"name": "bi-flavor", "ram": 64, "vcpus": 1, "disk": 1}},
         fields=[F(("flavor", "name")), F(("flavor", "id"), "null", "int", "neg", "float"),
                 F(("flavor", "ram"), "int"), F(("flavor", "vcpus"), "int"),
                 F(("flavor", "disk"), "int"), F(("flavor", "OS-FLV-EXT-DATA:ephemeral"), "int"),
                 F(("flavor", "swap"), "int"), F(("flavor", "rxtx_factor"), "int", "float"),
                 F(("flavor", "os-flavor-access:is_public"), "true"),
                 F(("flavor", "description"), "null", "empty", "huge-utf8")],
         extra=[{"flavor": {"name": "bi-flavor", "ram": 0, "vcpus": 1, "disk": 1}},
                {"flavor": {"name": "bi-flavor", "ram": 64, "vcpus": 2 ** 31, "disk": 1}},
                {"flavor": {"name": "bi-flavor", "ram": "12a", "vcpus": 1, "disk": 1}},
                {"flavor": {"name": "bi-flavor", "ram": 64, "vcpus": 1, "disk": 1,
                            "id": " bad id "}},
                {"flavor": {"name": "bi-flavor", "ram": 64, "vcpus": 1}},
                # 409s: an existing id or name, nothing written
                {"flavor": {"name": "bi-flavor", "ram": 64, "vcpus": 1, "disk": 1,
                            "id": "{flavor}"}},
                {"flavor": {"name": "{flavor_name}", "ram": 64, "vcpus": 1, "disk": 1}}]),
    dict(id="flavors-update", api="compute", method="PUT", route="/flavors/{id}",
         path="/flavors/{flavor}",
         missing="/flavors/no-such-flavor", mv=MAX, who="admin",
         body={"flavor": {"description": "d"}},
         # description: up to 65535 characters (so "huge-utf8" passes)
         fields=[F(("flavor", "description"), "null", "empty", "huge-utf8"), F(("flavor",))],
         extra=[{"flavor": {"name": "x"}}]),
    dict(id="flavor-extra-specs-create", api="compute", method="POST",
         route="/flavors/{id}/os-extra_specs", path="/flavors/{flavor}/os-extra_specs",
         missing="/flavors/no-such-flavor/os-extra_specs", mv=MAX,
         who="admin", body={"extra_specs": {"bi:key": "v"}},
         fields=[F(("extra_specs",), "object"),
                 F(("extra_specs", "bi:key"), "int", "neg", "float", "true", "empty", "ctrl")],
         extra=[{"extra_specs": {"": "v"}}, {"extra_specs": {"k" * 256: "v"}},
                {"extra_specs": {"a/b": "v"}}, {"extra_specs": {"hw:cpu_policy": "bogus"}},
                {"extra_specs": {"hw:numa_nodes": "-3"}}],
         extra_keys_ok=True),
    dict(id="flavor-extra-specs-item", api="compute", method="PUT",
         route="/flavors/{id}/os-extra_specs/{key}", path="/flavors/{flavor}/os-extra_specs/bi:key",
         mv=MAX, who="admin", body={"bi:key": "v"},
         fields=[F(("bi:key",), "int", "neg", "float", "true", "empty", "ctrl")],
         extra=[{"other": "v"}, {"bi:key": "v", "x": "y"}]),
    dict(id="flavor-action", api="compute", method="POST", route="/flavors/{id}/action",
         path="/flavors/{private_flavor}/action",
         missing="/flavors/no-such-flavor/action", mv=MAX, who="admin",
         body={"addTenantAccess": {"tenant": "p"}},
         fields=[F(("addTenantAccess", "tenant"), "ctrl"), F(("addTenantAccess",))],
         extra=[{"bogusAction": {"tenant": "p"}},
                {"removeTenantAccess": {"tenant": "p", "x": 1}},
                {"addTenantAccess": {"tenant": "p"}, "removeTenantAccess": {"tenant": "p"}}]),
    dict(id="keypairs-create-2.1", api="compute", method="POST", route="/os-keypairs",
         path="/os-keypairs", mv="2.1", who="admin", body={"keypair": {"name": "bi-kp"}},
         fields=[F(("keypair", "name")), F(("keypair", "public_key"), "empty")],
         extra=[{"keypair": {"name": "bi-kp", "type": "ssh"}},
                {"keypair": {"name": "bad/name"}},
                {"keypair": {"name": "bi-kp", "public_key": "ssh-rsa AAAA garbage"}}]),
    dict(id="keypairs-create-max", api="compute", method="POST", route="/os-keypairs",
         path="/os-keypairs", mv=MAX, who="admin",
         body={"keypair": {"name": "bi-kp", "public_key": "{pubkey}"}},
         fields=[F(("keypair", "name")), F(("keypair", "type")),
                 F(("keypair", "user_id"), "empty", "huge", "ctrl")],
         extra=[{"keypair": {"name": "bi-kp"}},
                {"keypair": {"name": "{keypair}", "public_key": "{pubkey}"}}]),
    dict(id="services-update", api="compute", method="PUT", route="/os-services/{id}",
         path="/os-services/{service}",
         missing="/os-services/{missing}", mv=MAX, who="admin", body={"status": "disabled"},
         root_ok=("empty-object",),      # valid: "No updates were requested" after the lookup
         fields=[F(("status",)), F(("disabled_reason",), "empty", "ctrl", "null"),
                 F(("forced_down",), "true")],
         extra=[{"status": "enabled", "disabled_reason": "x"}, {}]),
    dict(id="services-update-2.1", api="compute", method="PUT", route="/os-services/{id}",
         path="/os-services/disable", mv="2.1", who="admin",
         body={"host": "{host}", "binary": "nova-compute"},
         fields=[F(("host",)), F(("binary",))]),
    dict(id="server-migration-action", api="compute", method="POST",
         route="/servers/{id}/migrations/{mid}/action",
         path="/servers/{server}/migrations/1/action", mv=MAX, who="admin",
         body={"force_complete": None},
         fields=[F(("force_complete",), "null")], extra=[{"bogus": None}]),
    dict(id="aggregates-create", api="compute", method="POST", route="/os-aggregates",
         path="/os-aggregates", mv=MAX, who="admin", body={"aggregate": {"name": "bi-agg-new"}},
         fields=[F(("aggregate", "name")), F(("aggregate", "availability_zone"), "null"),
                 F(("aggregate",))]),
    dict(id="aggregates-update", api="compute", method="PUT", route="/os-aggregates/{id}",
         path="/os-aggregates/{aggregate}", missing="/os-aggregates/999999", mv=MAX, who="admin",
         body={"aggregate": {"name": "bi-agg-renamed"}},
         fields=[F(("aggregate", "name")), F(("aggregate", "availability_zone"), "null"),
                 F(("aggregate",))],
         extra=[{"aggregate": {}}]),
    dict(id="aggregates-action", api="compute", method="POST",
         route="/os-aggregates/{id}/action", path="/os-aggregates/{aggregate}/action",
         missing="/os-aggregates/999999/action", mv=MAX,
         who="admin", body={"add_host": {"host": "no-such-host"}},
         fields=[F(("add_host", "host")), F(("add_host",))],
         extra=[{"set_metadata": {"metadata": {"": "v"}}},
                {"set_metadata": {"metadata": {"k": 7}}},
                {"set_metadata": {"metadata": {"k": "v" * 256}}},
                {"set_metadata": {"metadata": {"k": "v"}, "x": 1}},
                {"set_metadata": {}}, {"remove_host": {"host": 7}}, {"bogus": {}},
                {"add_host": {"host": "h"}, "remove_host": {"host": "h"}}]),
    dict(id="aggregates-images", api="compute", method="POST",
         route="/os-aggregates/{id}/images", path="/os-aggregates/{aggregate}/images", mv=MAX,
         who="admin", body={"cache": [{"id": "{image}"}]},
         fields=[F(("cache",)), F(("cache", 0)), F(("cache", 0, "id"))],
         extra=[{"cache": []}, {"cache": [{"id": "{image}", "x": 1}]}]),
    dict(id="identity-tokens", api="identity", method="POST", route="/v3/auth/tokens",
         path="/identity/v3/auth/tokens", mv=None, who="anon",
         body={"auth": {"identity": {"methods": ["password"], "password": {"user": {
             "name": "demo", "domain": {"name": "Default"}, "password": "wrong"}}},
             "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}},
         fields=[F(("auth",)), F(("auth", "identity")), F(("auth", "identity", "methods")),
                 F(("auth", "identity", "methods", 0)),
                 F(("auth", "identity", "password")),
                 F(("auth", "identity", "password", "user")),
                 F(("auth", "identity", "password", "user", "name")),
                 F(("auth", "identity", "password", "user", "password")),
                 F(("auth", "identity", "password", "user", "domain")),
                 F(("auth", "identity", "password", "user", "domain", "name")),
                 F(("auth", "scope")), F(("auth", "scope", "project")),
                 F(("auth", "scope", "project", "name")),
                 F(("auth", "scope", "project", "domain"))],
         extra=[{"auth": {"identity": {"methods": ["token"], "token": {"id": "x"}}}},
                {"auth": {"identity": {"methods": ["password", "token"]}}},
                {"auth": {"identity": {"methods": ["totp"]}}},
                {"auth": {"identity": {"methods": ["password"], "password": {"user": {
                    "id": "x" * 70000}}}}}]),
    dict(id="image-create", api="image", method="POST", route="/v2/images",
         path="/image/v2/images", mv=None, who="admin",
         body={"name": "bi-image", "container_format": "bare", "disk_format": "raw"},
         fields=[F(("name",), "null", "empty", "ctrl"), F(("container_format",), "null"),
                 F(("disk_format",), "null"), F(("visibility",)), F(("tags",),
                 "array", "longarray"),
                 F(("min_disk",), "int"), F(("min_ram",), "int"), F(("protected",), "true"),
                 F(("id",))],
         extra=[{"name": "bi-image", "status": "active"}, {"name": "bi-image", "size": 5},
                {"name": "bi-image", "tags": ["t" * 256]},
                {"name": "bi-image", "id": "not-a-uuid"}],
         extra_keys_ok=True, root_ok=("empty-object",)),
    dict(id="image-patch", api="image", method="PATCH", route="/v2/images/{id}",
         path="/image/v2/images/{queued_image}", mv=None, who="admin",
         ctype="application/openstack-images-v2.1-json-patch",
         body=[{"op": "replace", "path": "/name", "value": "bi-renamed"}],
         fields=[F((0, "op")), F((0, "path")), F((0, "value"), "empty", "ctrl", "null"),
                 F((0,))],
         extra=[[{"op": "replace", "path": "/status", "value": "active"}],
                [{"op": "replace", "path": "/min_ram", "value": "x"}],
                [{"op": "replace", "path": "/visibility", "value": "bogus"}],
                [{"op": "add", "path": "/tags/-", "value": "t" * 256}],
                [{"op": "remove", "path": "/name"}],
                [{"op": "copy", "path": "/name", "from": "/id"}],
                [{"op": "replace", "path": "/a/b/c", "value": 1}],
                [{"op": "replace", "path": "name", "value": "x"}],
                [{"op": "replace", "path": "/name"}],
                [{"op": "replace", "path": "/id", "value": str(uuid.uuid4())}]],
         root_ok=("array", "array1")),
    dict(id="image-members-create", api="image", method="POST", route="/v2/images/{id}/members",
         path="/image/v2/images/{shared_image}/members", mv=None, who="admin",
         body={"member": "{demo_project}"},
         fields=[F(("member",), "ctrl")], extra_keys_ok=True),
    dict(id="image-members-update", api="image", method="PUT",
         route="/v2/images/{id}/members/{member}",
         path="/image/v2/images/{shared_image}/members/{demo_project}", mv=None, who="demo",
         body={"status": "pending"}, fields=[F(("status",))], extra_keys_ok=True),
    dict(id="image-upload", api="image", method="PUT", route="/v2/images/{id}/file",
         path="/image/v2/images/{queued_image}/file", mv=None, who="admin", body=None),
    dict(id="image-deactivate", api="image", method="POST",
         route="/v2/images/{id}/actions/deactivate",
         path="/image/v2/images/{missing}/actions/deactivate", mv=None, who="admin", body=None),
    dict(id="image-reactivate", api="image", method="POST",
         route="/v2/images/{id}/actions/reactivate",
         path="/image/v2/images/{missing}/actions/reactivate", mv=None, who="admin", body=None),
    dict(id="image-tag-add", api="image", method="PUT", route="/v2/images/{id}/tags/{tag}",
         path="/image/v2/images/{queued_image}/tags/" + "t" * 300, mv=None, who="admin",
         body=None),
]

# user_data "huge-utf8": Nova's base64 check is binascii's non-strict decode,
# which skips every byte outside the alphabet, so it passes there too.

# Every server action (body key -> valid template value, fields to mutate).
# Actions whose value Nova ignores (os-start, pause, ...) get root-level checks
# only: any value is valid for them.
ACTIONS = {
    "os-start": None, "os-stop": None, "pause": None, "unpause": None, "suspend": None,
    "resume": None, "unlock": None, "injectNetworkInfo": None, "resetNetwork": None,
    "confirmResize": None, "revertResize": None, "unrescue": None,
    "reboot": ({"type": "SOFT"}, [F(("type",))]),
    "lock": ({"locked_reason": "r"}, [F(("locked_reason",), "ctrl")]),
    "os-resetState": ({"state": "active"}, [F(("state",))]),
    "os-getConsoleOutput": ({"length": 5}, [F(("length",), "null", "int", "neg")]),
    "changePassword": ({"adminPass": "p"}, [F(("adminPass",), *ALL_STR)]),
    "createImage": ({"name": "snap", "metadata": {}},
                    [F(("name",)), F(("metadata",), "object")]),
    "rescue": ({"adminPass": "p"}, [F(("adminPass",), *ALL_STR), F(("rescue_image_ref",))]),
    "migrate": ({"host": "nosuchhost"}, [F(("host",), "null")]),
    # flavorRef is any integer or a non-empty string in the schema: those fail
    # only after the server lookup ("~": 404 on a missing server, 400 on ours)
    "resize": ({"flavorRef": "{flavor}"}, [F(("flavorRef",), "~int", "~neg", "~huge",
                                             "~huge-utf8", "~ctrl"),
                                          F(("OS-DCF:diskConfig",))]),
    "os-migrateLive": ({"host": None, "block_migration": "auto"},
                       [F(("host",), "null"), F(("block_migration",), "true")]),
}


def c_routes():
    """(api, method, pattern, flags) of every route table entry in src/api."""
    rx = re.compile(r'\{\s*"(GET|POST|PUT|PATCH|DELETE|HEAD)",\s*"([^"]+)",\s*\w+,\s*([^,]+),')
    out = set()
    for f in (ROOT / "src/api").rglob("*.c"):
        api = f.parent.name if f.parent.name in ("identity", "image") else "compute"
        for m in rx.finditer(f.read_text()):
            out.add((api, m.group(1), m.group(2), m.group(3).strip()))
    return out


def c_actions():
    rx = re.compile(r'\{\s*"([A-Za-z-]+)",\s*\w+,\s*[^,{}]+,\s*[^,{}]+\s*\}')
    names = set()
    for f in (ROOT / "src/api/compute").glob("server_actions_*.c"):
        text = f.read_text()
        for block in re.findall(r"const struct server_action server_actions_\w+\[\] = \{(.*?)\n\};",
                                text, re.S):
            names.update(m.group(1) for m in rx.finditer(block))
    return names


def test_route_table_covers_every_write_route():
    have = {(e["api"], e["method"], e["route"]) for e in ROUTE_TABLE}
    found = {(a, m, p) for a, m, p, _ in c_routes() if m in ("POST", "PUT", "PATCH")}
    assert len(found) >= 25, found
    missing = found - have
    assert not missing, f"routes with a body not in ROUTE_TABLE: {sorted(missing)}"
    stale = have - found
    assert not stale, f"ROUTE_TABLE names routes that no longer exist: {sorted(stale)}"


def test_action_table_covers_every_server_action():
    found = c_actions()
    assert len(found) >= 20, found
    assert found == set(ACTIONS), (sorted(found - set(ACTIONS)), sorted(set(ACTIONS) - found))


# --- the world the batteries run against ----------------------------------

@pytest.fixture(scope="module")
def world(admin, demo):
    w = {"flavor": first_flavor(admin), "image": first_image(admin), "missing": str(uuid.uuid4()),
         "demo_project": demo.project_id}
    w["flavor_name"] = admin.get(f"/flavors/{w['flavor']}").json()["flavor"]["name"]
    r = admin.post("/servers", {"server": {"name": "bi-target", "flavorRef": w["flavor"],
                                           "imageRef": w["image"], "metadata": {"k": "v"}}})
    assert r.status_code == 202, r.text
    sid = r.json()["server"]["id"]
    admin.wait_server(sid, "ACTIVE")
    r = admin.put(f"/servers/{sid}/tags/keep", mv=MAX)
    assert r.status_code in (201, 204), r.text
    w["server"] = sid
    r = admin.post("/flavors", {"flavor": {"name": f"bi-private-{uuid.uuid4().hex[:6]}",
                                           "ram": 64, "vcpus": 1, "disk": 1,
                                           "os-flavor-access:is_public": False}})
    assert r.status_code == 200, r.text
    w["private_flavor"] = r.json()["flavor"]["id"]
    r = admin.post("/image/v2/images", {"name": "bi-queued", "container_format": "bare",
                                        "disk_format": "raw"})
    assert r.status_code == 201, r.text
    w["queued_image"] = r.json()["id"]
    r = admin.post("/image/v2/images", {"name": "bi-shared", "container_format": "bare",
                                        "disk_format": "raw", "visibility": "shared"})
    assert r.status_code == 201, r.text
    w["shared_image"] = r.json()["id"]
    r = admin.post(f"/image/v2/images/{w['shared_image']}/members",
                   {"member": demo.project_id})
    assert r.status_code == 200, r.text
    r = admin.post("/os-aggregates", {"aggregate": {"name": f"bi-agg-{uuid.uuid4().hex[:6]}"}})
    assert r.status_code == 200, r.text
    w["aggregate"] = r.json()["aggregate"]["id"]
    r = admin.get("/os-services?binary=nova-compute", mv=MAX)
    svc = r.json()["services"][0]
    w["service"], w["host"] = svc["id"], svc["host"]
    r = admin.post("/os-keypairs", {"keypair": {"name": f"bi-gen-{uuid.uuid4().hex[:6]}"}})
    assert r.status_code == 200, r.text
    w["pubkey"] = r.json()["keypair"]["public_key"]
    w["keypair"] = r.json()["keypair"]["name"]        # kept: a name that is taken (409)
    yield w
    admin.delete(f"/os-keypairs/{w['keypair']}")
    admin.delete(f"/servers/{sid}")
    admin.delete(f"/flavors/{w['private_flavor']}")
    admin.delete(f"/os-aggregates/{w['aggregate']}")
    admin.delete(f"/image/v2/images/{w['queued_image']}")
    admin.delete(f"/image/v2/images/{w['shared_image']}")


def fill(obj, w):
    """Substitutes {name} placeholders from the world in strings."""
    if isinstance(obj, str):
        return re.sub(r"\{(\w+)\}", lambda m: str(w.get(m.group(1), m.group(0))), obj)
    if isinstance(obj, list):
        return [fill(x, w) for x in obj]
    if isinstance(obj, dict):
        return {fill(k, w): fill(v, w) for k, v in obj.items()}
    return obj


def snapshot(admin, demo, w):
    """Everything a rejected request could have touched."""
    def get(c, p, mv=MAX):
        r = c.get(p, mv=mv)
        assert r.status_code == 200, (p, r.text)
        return r.json()
    sid = w["server"]
    srv = get(admin, f"/servers/{sid}")["server"]
    return {
        "servers": sorted(s["id"] for s in get(admin, "/servers?all_tenants=1")["servers"]),
        "server": srv,
        "metadata": get(admin, f"/servers/{sid}/metadata"),
        "tags": get(admin, f"/servers/{sid}/tags"),
        "actions": [a["request_id"] for a in
                    get(admin, f"/servers/{sid}/os-instance-actions")["instanceActions"]],
        "flavors": get(admin, "/flavors/detail?is_public=None"),
        "specs": get(admin, f"/flavors/{w['flavor']}/os-extra_specs"),
        "access": get(admin, f"/flavors/{w['private_flavor']}/os-flavor-access"),
        "keypairs": get(admin, "/os-keypairs"),
        "aggregates": get(admin, "/os-aggregates"),
        # updated_at: the API process writes the conductor/scheduler heartbeat
        "services": [{k: v for k, v in x.items() if k != "updated_at"}
                     for x in get(admin, "/os-services")["services"]],
        "images": get(admin, "/image/v2/images"),
        "members": get(admin, f"/image/v2/images/{w['shared_image']}/members"),
    }


def assert_unchanged(before, after, where):
    for k in before:
        assert before[k] == after[k], f"{where}: {k} changed by a rejected request"


# --- batteries ------------------------------------------------------------

def battery(entry, w):
    """(label, raw bytes or JSON value, content type, allowed statuses) for one route."""
    api = entry["api"]
    ctype = entry.get("ctype", "application/json")
    out = []
    base = STATUS[api]
    bad = {400} | ({401} if api == "identity" else set())
    for label, raw in RAW_BAD.items():
        out.append((f"raw:{label}", raw, ctype, bad))
    # no body at all: each service asks for one (400)
    out.append(("empty-body", b"", ctype, {400}))
    for label, v in ROOT_BAD.items():
        if label in entry.get("root_ok", ()):
            continue
        out.append((f"root:{label}", v, ctype, bad))
    body = fill(entry["body"], w)
    out.append(("wrong-top-key", {"bogus": body} if isinstance(body, dict) else {"x": 1},
                ctype, bad))
    if isinstance(body, dict) and not entry.get("extra_keys_ok"):
        out.append(("extra-root-key", dict(body, unexpected_key=1), ctype, bad))
        for k, v in body.items():
            if isinstance(v, dict):
                out.append((f"extra-key-in:{k}", dict(body, **{k: dict(v, unexpected_key=1)}),
                            ctype, bad))
    for path, ok in entry.get("fields", []):
        for kind, v in BAD_VALUES.items():
            if kind in ok:
                continue
            out.append((f"field:{'.'.join(map(str, path))}={kind}", set_path(body, path, v),
                        ctype, bad))
    for i, b in enumerate(entry.get("extra", [])):
        # 403: Nova's metadata quota, Glance's read-only attributes; 404: Keystone's
        # unknown token in the token method, a missing flavor/image named in the body
        out.append((f"extra#{i}", fill(b, w), ctype, bad | {403, 404, 409}))
    # size cap and media type
    big = json.dumps({"pad": "x" * (CAP + 10)}).encode()
    out.append(("too-large", big, ctype, {413}))
    # keystone parses any type (the template's wrong password then gives 401)
    wrong_ct = {"compute": {415}, "identity": {401}, "image": {415}}[api]
    if entry["id"] == "image-patch":
        wrong_ct = {415}
    out.append(("ctype:text/xml", json.dumps(body).encode(), "text/xml", wrong_ct))
    out.append(("ctype:form", json.dumps(body).encode(), "application/x-www-form-urlencoded",
                wrong_ct))
    return [(lbl, data, ct, allowed & base) for lbl, data, ct, allowed in out]


BODY_ROUTES = [e for e in ROUTE_TABLE if e["body"] is not None]


@pytest.mark.parametrize("entry", BODY_ROUTES, ids=[e["id"] for e in BODY_ROUTES])
def test_body_battery(entry, admin, demo, anon, world):
    client = {"admin": admin, "demo": demo, "anon": anon}[entry["who"]]
    path = fill(entry["path"], world)
    before = snapshot(admin, demo, world)
    tried = 0
    api = entry["api"]
    missing = fill(entry["missing"], world) if entry.get("missing") else None
    for label, data, ctype, allowed in battery(entry, world):
        r = send(client, entry["method"], path, data, ctype=ctype, mv=entry["mv"])
        where = f"{entry['id']} {label}"
        check_fault(api, r, allowed, where, clean=not label.startswith("raw:"))
        msg = fault_message(api, r)
        if label.startswith("raw:"):
            assert msg == MALFORMED[api], f"{where}: {msg!r}"
        elif label == "too-large":
            assert msg == "Request is too large.", f"{where}: {msg!r}"
        elif label.startswith("ctype:") and r.status_code == 415 and api == "compute":
            assert msg == "Unsupported Content-Type", f"{where}: {msg!r}"
        tried += 1
        # Nova validates the body (schema decorator) before the handler looks
        # the resource up: the same body against a missing one is still a 400
        if missing and label.split(":")[0] in ("raw", "root", "field", "wrong-top-key",
                                                "extra-root-key", "extra-key-in"):
            r = send(client, entry["method"], missing, data, ctype=ctype, mv=entry["mv"])
            check_fault(api, r, {400}, f"{where} (missing target)")
            tried += 1
    assert tried > 20
    assert_unchanged(before, snapshot(admin, demo, world), entry["id"])


ACTION_NAMES = sorted(ACTIONS)


@pytest.mark.parametrize("name", ACTION_NAMES)
def test_action_battery(name, admin, demo, world):
    """Each action: a second key, wrong-typed args, unknown keys; also against a
    missing server (the schema is checked before the lookup in Nova)."""
    sid = world["server"]
    spec = ACTIONS[name]
    cases = [({name: None, "unexpected": 1}, {400}), ({name: None, name + "x": None}, {400})]
    if spec:
        tmpl, fields = spec
        tmpl = fill(tmpl, world)
        cases.append(({name: dict(tmpl, unexpected_key=1)}, {400}))
        for path, ok in fields:
            for kind, v in BAD_VALUES.items():
                if "~" + kind in ok:
                    cases.append(({name: set_path(tmpl, path, v)}, {400, 404}))
                elif kind not in ok:
                    cases.append(({name: set_path(tmpl, path, v)}, {400}))
        for kind, v in BAD_VALUES.items():
            if kind not in ("null", "object"):
                cases.append(({name: v}, {400}))
    before = snapshot(admin, demo, world)
    for body, allowed in cases:
        for target in (sid, world["missing"]):
            r = send(admin, "POST", f"/servers/{target}/action", body)
            # only a body the schema accepts may get as far as the lookup
            ok = allowed - {404} if target == sid else allowed
            check_fault("compute", r, ok, f"{name} {json.dumps(body)[:120]} on {target}")
    assert_unchanged(before, snapshot(admin, demo, world), name)


ADMIN_ONLY = ["flavors-create", "flavors-update", "flavor-extra-specs-create", "flavor-action",
              "services-update", "services-update-2.1", "aggregates-create",
              "aggregates-update", "aggregates-action", "aggregates-images"]


def test_schema_comes_before_policy(admin, demo, world):
    """Nova's @validation.schema runs before the handler's context.can(): a
    member sending a bad body to an admin API gets the 400, a good one 403."""
    before = snapshot(admin, demo, world)
    entries = {e["id"]: e for e in ROUTE_TABLE}
    for eid in ADMIN_ONLY:
        e = entries[eid]
        path = fill(e["path"], world)
        body = fill(e["body"], world)
        r = send(demo, e["method"], path, {"bogus_root": body}, mv=e["mv"])
        check_fault("compute", r, {400}, f"{eid} bad body as member")
        r = send(demo, e["method"], path, body, mv=e["mv"])
        check_fault("compute", r, {403}, f"{eid} good body as member")
    for action, args in (("os-resetState", {"state": "bogus"}), ("migrate", {"x": 1}),
                         ("os-migrateLive", {"host": 7, "block_migration": "auto"})):
        r = send(admin, "POST", f"/servers/{world['missing']}/action", {action: args})
        check_fault("compute", r, {400}, f"{action} bad body, missing server")
    assert_unchanged(before, snapshot(admin, demo, world), "policy")


def test_root_messages_follow_jsonschema(admin, world):
    """jsonschema reports the first failing keyword in schema order (type,
    properties, required, additionalProperties) with repr() of the value, and
    names every unexpected key at once."""
    cases = [
        ("POST", "/flavors", {"bogus": {}}, "'flavor' is a required property"),
        ("POST", "/os-keypairs", {"bogus": 1}, "'keypair' is a required property"),
        ("POST", "/os-keypairs", "x", "'x' is not of type 'object'"),
        ("POST", "/flavors", ["x"], "['x'] is not of type 'object'"),
        ("POST", "/os-aggregates", {"aggregate": {"name": "n"}, "x": 1, "y": 2},
         "Additional properties are not allowed ('x', 'y' were unexpected)"),
        ("PUT", f"/os-services/{world['service']}", {"a": 1, "b": 2},
         "Additional properties are not allowed ('a', 'b' were unexpected)"),
        ("POST", "/flavors", {"flavor": {"name": "n", "ram": 1, "vcpus": 1, "disk": 1,
                                         "p": 1, "q": 2}},
         "Invalid input for field/attribute flavor. Value: {'name': 'n', 'ram': 1, 'vcpus': 1, "
         "'disk': 1, 'p': 1, 'q': 2}. Additional properties are not allowed ('p', 'q' were "
         "unexpected)"),
    ]
    for method, path, body, expect in cases:
        r = send(admin, method, path, body)
        check_fault("compute", r, {400}, f"{method} {path}")
        assert fault_message("compute", r) == expect, (path, r.text)
