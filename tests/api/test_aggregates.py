"""os-aggregates against a real cirrusd: the admin-only CRUD, the add_host /
remove_host / set_metadata actions and 2.81 image caching, each with Nova's
status codes and messages; views at 2.1 (no uuid) and 2.41 (uuid); and
availability zones defined by aggregates as os-availability-zone,
os-services and the scheduler see them (private daemons with two hosts).
There are no os-aggregates api samples in the reference: the views are
compared with Nova's response schema (schemas/aggregates.py) instead.
"""
import re
import uuid

import pytest

from hostutil import clients, create, delete_all, fault, need

# schemas/aggregates.py _aggregate_response (+ uuid from 2.41).
FULL = {"availability_zone", "created_at", "deleted", "deleted_at", "hosts", "id", "metadata",
        "name", "updated_at"}
CREATED = FULL - {"hosts", "metadata"}
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def new_name():
    return "ag-" + uuid.uuid4().hex[:8]


def make(client, name=None, az=None, mv=None):
    body = {"name": name or new_name()}
    if az is not None:
        body["availability_zone"] = az
    r = client.post("/os-aggregates", {"aggregate": body}, mv=mv)
    assert r.status_code == 200, r.text
    return r.json()["aggregate"]


def show(client, agg_id, mv=None):
    r = client.get(f"/os-aggregates/{agg_id}", mv=mv)
    assert r.status_code == 200, r.text
    return r.json()["aggregate"]


def action(client, agg_id, name, value, mv=None):
    return client.post(f"/os-aggregates/{agg_id}/action", {name: value}, mv=mv)


def ok_action(client, agg_id, name, value, mv=None):
    r = action(client, agg_id, name, value, mv)
    assert r.status_code == 200, r.text
    return r.json()["aggregate"]


def zone_of(client, host):
    r = client.get("/os-services", params={"binary": "nova-compute", "host": host})
    assert r.status_code == 200, r.text
    (svc,) = r.json()["services"]
    return svc["zone"]


def zone_names(client):
    r = client.get("/os-availability-zone")
    assert r.status_code == 200, r.text
    return [(z["zoneName"], z["zoneState"]["available"])
            for z in r.json()["availabilityZoneInfo"]]


@pytest.fixture
def agg(admin):
    """An aggregate on the session daemon, removed (hosts first) afterwards."""
    a = make(admin)
    yield a
    for h in show(admin, a["id"])["hosts"]:
        action(admin, a["id"], "remove_host", {"host": h})
    admin.delete(f"/os-aggregates/{a['id']}")


# --- policy ---------------------------------------------------------------

def test_admin_only(demo, agg):
    def denied(r, rule):
        assert fault(r, 403) == f"Policy doesn't allow {rule} to be performed."

    base = "os_compute_api:os-aggregates:"
    aid = agg["id"]
    denied(demo.get("/os-aggregates"), base + "index")
    denied(demo.post("/os-aggregates", {"aggregate": {"name": "x"}}), base + "create")
    denied(demo.get(f"/os-aggregates/{aid}"), base + "show")
    denied(demo.put(f"/os-aggregates/{aid}", {"aggregate": {"name": "x"}}), base + "update")
    denied(demo.delete(f"/os-aggregates/{aid}"), base + "delete")
    denied(action(demo, aid, "add_host", {"host": "cirrus"}), base + "add_host")
    denied(action(demo, aid, "remove_host", {"host": "cirrus"}), base + "remove_host")
    denied(action(demo, aid, "set_metadata", {"metadata": {}}), base + "set_metadata")


def test_needs_token(anon):
    assert anon.get("/os-aggregates").status_code == 401


def test_schema_checked_before_policy(demo):
    # Nova's validation decorator runs before the handler's policy check.
    assert fault(demo.post("/os-aggregates", {"aggregate": {}}), 400) == (
        "Invalid input for field/attribute aggregate. Value: {}. "
        "'name' is a required property")


# --- create / views -------------------------------------------------------

def test_create_and_views_2_1(admin):
    name = new_name()
    a = make(admin, name, "az-view")
    try:
        assert set(a) == CREATED
        assert a["name"] == name and a["availability_zone"] == "az-view"
        assert a["deleted"] is False and a["deleted_at"] is None
        assert a["updated_at"] is None and isinstance(a["id"], int)
        assert TIME_RE.match(a["created_at"]), a
        s = show(admin, a["id"])
        assert set(s) == FULL
        assert s["hosts"] == [] and s["metadata"] == {"availability_zone": "az-view"}
        assert s["created_at"] == a["created_at"]
        listed = [x for x in admin.get("/os-aggregates").json()["aggregates"]
                  if x["id"] == a["id"]]
        assert listed == [s]
    finally:
        admin.delete(f"/os-aggregates/{a['id']}")


def test_views_2_41_carry_uuid(admin):
    a = make(admin, mv="2.41")
    try:
        assert set(a) == CREATED | {"uuid"} and UUID_RE.match(a["uuid"])
        assert a["availability_zone"] is None
        s = show(admin, a["id"], mv="2.41")
        assert set(s) == FULL | {"uuid"} and s["uuid"] == a["uuid"]
        assert s["metadata"] == {}
        assert "uuid" not in show(admin, a["id"], mv="2.40")
        for x in admin.get("/os-aggregates", mv="2.41").json()["aggregates"]:
            assert set(x) == FULL | {"uuid"}
        r = admin.put(f"/os-aggregates/{a['id']}", {"aggregate": {"name": new_name()}},
                      mv="2.41")
        assert r.status_code == 200 and r.json()["aggregate"]["uuid"] == a["uuid"]
    finally:
        admin.delete(f"/os-aggregates/{a['id']}")


def test_create_null_zone(admin):
    r = admin.post("/os-aggregates", {"aggregate": {"name": new_name(),
                                                    "availability_zone": None}})
    assert r.status_code == 200, r.text
    a = r.json()["aggregate"]
    try:
        assert a["availability_zone"] is None
        assert show(admin, a["id"])["metadata"] == {}
    finally:
        admin.delete(f"/os-aggregates/{a['id']}")


def test_create_duplicate_name(admin, agg):
    r = admin.post("/os-aggregates", {"aggregate": {"name": agg["name"]}})
    assert fault(r, 409) == f"Aggregate {agg['name']} already exists."


BAD_NAME = ("An invalid 'name' value was provided. The name must be: printable characters. "
            "Can not start or end with whitespace.")


@pytest.mark.parametrize("body,message", [
    ({}, "'aggregate' is a required property"),
    ({"aggregate": {"name": "a"}, "x": 1}, "Additional properties are not allowed "
     "('x' was unexpected)"),
    ({"aggregate": "a"}, "Invalid input for field/attribute aggregate. Value: a. "
     "'a' is not of type 'object'"),
    ({"aggregate": {"availability_zone": "z"}}, "Invalid input for field/attribute "
     "aggregate. Value: {'availability_zone': 'z'}. 'name' is a required property"),
    ({"aggregate": {"name": "a", "foo": 1}}, "Invalid input for field/attribute aggregate. "
     "Value: {'name': 'a', 'foo': 1}. Additional properties are not allowed "
     "('foo' was unexpected)"),
    ({"aggregate": {"name": " a"}}, BAD_NAME),
    ({"aggregate": {"name": ""}}, "Invalid input for field/attribute name. Value: . "
     "'' is too short"),
    ({"aggregate": {"name": "n" * 256}}, None),
    ({"aggregate": {"name": 5}}, "Invalid input for field/attribute name. Value: 5. "
     "5 is not of type 'string'"),
    ({"aggregate": {"name": "a", "availability_zone": "a:b"}}, "Invalid input for "
     "field/attribute availability_zone. Value: a:b. 'a:b' is not valid under any of the "
     "given schemas"),
    ({"aggregate": {"name": "a", "availability_zone": ""}}, "Invalid input for "
     "field/attribute availability_zone. Value: . '' is not valid under any of the given "
     "schemas"),
    ({"aggregate": {"name": "a", "availability_zone": "z "}}, "Invalid input for "
     "field/attribute availability_zone. Value: z . 'z ' is not valid under any of the "
     "given schemas"),
    ({"aggregate": {"name": "a", "availability_zone": 1}}, "Invalid input for "
     "field/attribute availability_zone. Value: 1. 1 is not valid under any of the given "
     "schemas"),
])
def test_create_validation(admin, body, message):
    before = admin.get("/os-aggregates").json()["aggregates"]
    msg = fault(admin.post("/os-aggregates", body), 400)
    if message is None:     # the value is shown cut short
        assert msg.startswith("Invalid input for field/attribute name.") and \
            msg.endswith("is too long"), msg
    else:
        assert msg == message
    assert admin.get("/os-aggregates").json()["aggregates"] == before


# --- show / update / delete -----------------------------------------------

@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_member_ids(admin, method):
    body = {"aggregate": {"name": "x"}} if method == "PUT" else None
    r = admin.request(method, "/os-aggregates/abc", json_body=body)
    assert fault(r, 400) == "Invalid input received: id must be an integer"
    r = admin.request(method, "/os-aggregates/999999", json_body=body)
    assert fault(r, 404) == "Aggregate 999999 could not be found."


def test_update(admin, agg):
    aid = agg["id"]
    new = new_name()
    u = admin.put(f"/os-aggregates/{aid}", {"aggregate": {"name": new}})
    assert u.status_code == 200, u.text
    u = u.json()["aggregate"]
    assert set(u) == FULL and u["name"] == new and TIME_RE.match(u["updated_at"])
    # Its own name again is no conflict; spaces at the ends are stripped.
    r = admin.put(f"/os-aggregates/{aid}", {"aggregate": {"name": f"  {new} "}})
    assert r.status_code == 200 and r.json()["aggregate"]["name"] == new
    r = admin.put(f"/os-aggregates/{aid}", {"aggregate": {"availability_zone": "az-put"}})
    assert r.status_code == 200, r.text
    u = r.json()["aggregate"]
    assert u["availability_zone"] == "az-put"
    assert u["metadata"] == {"availability_zone": "az-put"}
    assert show(admin, aid) == u


def test_update_errors(admin, agg):
    aid = agg["id"]
    other = make(admin)
    try:
        r = admin.put(f"/os-aggregates/{aid}", {"aggregate": {"name": other["name"]}})
        assert fault(r, 409) == f"Aggregate {other['name']} already exists."
        r = admin.put(f"/os-aggregates/{aid}", {"aggregate": {"availability_zone": None}})
        assert fault(r, 400) == (f"Cannot update aggregate {aid}. Reason: Aggregate "
                                 f"{agg['name']} does not support empty named availability "
                                 "zone.")
        r = admin.put(f"/os-aggregates/{aid}", {"aggregate": {}})
        assert fault(r, 400) == ("Invalid input for field/attribute aggregate. Value: {}. "
                                 "{} is not valid under any of the given schemas")
        r = admin.put(f"/os-aggregates/{aid}", {"aggregate": {"name": "   "}})
        assert fault(r, 400) == ("An invalid 'name' value was provided. The name must be: "
                                 "printable characters with at least one non space "
                                 "character")
        r = admin.put(f"/os-aggregates/{aid}", {"aggregate": {"name": "a", "hosts": []}})
        assert "('hosts' was unexpected)" in fault(r, 400)
        # A rejected request changed nothing, not even the name.
        r = admin.put(f"/os-aggregates/{aid}", {"aggregate": {"name": f"renamed-{aid}",
                                                              "availability_zone": None}})
        assert r.status_code == 400
        assert show(admin, aid)["name"] == agg["name"]
        assert show(admin, aid)["updated_at"] is None
    finally:
        admin.delete(f"/os-aggregates/{other['id']}")


def test_delete(admin):
    a = make(admin)
    r = admin.delete(f"/os-aggregates/{a['id']}")
    assert r.status_code == 200 and r.content == b""
    assert fault(admin.get(f"/os-aggregates/{a['id']}"), 404) == \
        f"Aggregate {a['id']} could not be found."


def test_delete_refused_while_hosts(admin, agg):
    ok_action(admin, agg["id"], "add_host", {"host": "cirrus"})
    assert fault(admin.delete(f"/os-aggregates/{agg['id']}"), 400) == (
        f"Cannot remove host from aggregate {agg['id']}. Reason: Host aggregate is not empty.")
    assert show(admin, agg["id"])["hosts"] == ["cirrus"]


# --- actions --------------------------------------------------------------

def test_add_and_remove_host(admin, agg):
    aid = agg["id"]
    a = ok_action(admin, aid, "add_host", {"host": "cirrus"})
    assert set(a) == FULL and a["hosts"] == ["cirrus"]
    assert fault(action(admin, aid, "add_host", {"host": "cirrus"}), 409) == \
        f"Aggregate {aid} already has host cirrus."
    a = ok_action(admin, aid, "remove_host", {"host": "cirrus"})
    assert a["hosts"] == []
    assert fault(action(admin, aid, "remove_host", {"host": "cirrus"}), 404) == \
        f"Cannot remove host cirrus in aggregate {aid}"


def test_host_action_lookups(admin, agg):
    aid = agg["id"]
    assert fault(action(admin, aid, "add_host", {"host": "nohost"}), 404) == \
        "Compute host nohost could not be found."
    assert fault(action(admin, 999999, "add_host", {"host": "cirrus"}), 404) == \
        "Aggregate 999999 could not be found."
    assert fault(action(admin, aid, "remove_host", {"host": "nohost"}), 404) == \
        f"Cannot remove host nohost in aggregate {aid}"
    assert fault(action(admin, 999999, "remove_host", {"host": "cirrus"}), 404) == \
        "Cannot remove host cirrus in aggregate 999999"
    assert fault(action(admin, "x", "add_host", {"host": "cirrus"}), 400) == \
        "Invalid input received: id must be an integer"
    assert show(admin, aid)["hosts"] == []


@pytest.mark.parametrize("name", ["add_host", "remove_host"])
@pytest.mark.parametrize("value,message", [
    ({}, "Invalid input for field/attribute {a}. Value: {{}}. 'host' is a required property"),
    ("h", "Invalid input for field/attribute {a}. Value: h. 'h' is not of type 'object'"),
    ({"host": "a b"}, "Invalid input for field/attribute host. Value: a b. 'a b' does not "
     "match '^[a-zA-Z0-9-._]*$'"),
    ({"host": ""}, "Invalid input for field/attribute host. Value: . '' is too short"),
    ({"host": "cirrus", "x": 1}, "Invalid input for field/attribute {a}. Value: "
     "{{'host': 'cirrus', 'x': 1}}. Additional properties are not allowed ('x' was "
     "unexpected)"),
])
def test_host_action_validation(admin, agg, name, value, message):
    assert fault(action(admin, agg["id"], name, value), 400) == message.format(a=name)


def test_action_dispatch(admin, agg):
    assert fault(action(admin, agg["id"], "frobnicate", {}), 400) == \
        "There is no such action: frobnicate"
    r = admin.post(f"/os-aggregates/{agg['id']}/action",
                   {"add_host": {"host": "cirrus"}, "remove_host": {"host": "cirrus"}})
    assert fault(r, 400) == "Malformed request body"


def test_set_metadata(admin, agg):
    aid = agg["id"]
    a = ok_action(admin, aid, "set_metadata", {"metadata": {"ssd": "true", "gpu": "1"}})
    assert set(a) == FULL and a["metadata"] == {"ssd": "true", "gpu": "1"}
    assert TIME_RE.match(a["updated_at"])
    # null deletes a key, also one that is not there; other keys stay.
    a = ok_action(admin, aid, "set_metadata", {"metadata": {"gpu": None, "none": None,
                                                            "ssd": "false"}})
    assert a["metadata"] == {"ssd": "false"}
    a = ok_action(admin, aid, "set_metadata", {"metadata": {"availability_zone": "az-md"}})
    assert a["availability_zone"] == "az-md"
    assert a["metadata"] == {"ssd": "false", "availability_zone": "az-md"}
    # Metadata without the zone key keeps the zone.
    a = ok_action(admin, aid, "set_metadata", {"metadata": {"foo": "bar"}})
    assert a["availability_zone"] == "az-md"
    assert show(admin, aid) == a


def test_set_metadata_errors(admin, agg):
    aid = agg["id"]
    r = action(admin, aid, "set_metadata", {"metadata": {"availability_zone": None}})
    assert fault(r, 400) == (f"Cannot update metadata of aggregate {aid}. Reason: Aggregate "
                             f"{agg['name']} does not support empty named availability zone.")
    r = action(admin, aid, "set_metadata", {"metadata": {"availability_zone": ""}})
    assert fault(r, 400).endswith("does not support empty named availability zone.")
    assert fault(action(admin, 999999, "set_metadata", {"metadata": {}}), 404) == \
        "Aggregate 999999 could not be found."
    cases = [
        ({}, "Invalid input for field/attribute set_metadata. Value: {}. 'metadata' is a "
         "required property"),
        ({"metadata": {"k": 1}}, "Invalid input for field/attribute k. Value: 1. 1 is not "
         "of type 'string', 'null'"),
        ({"metadata": {"k": "v" * 256}}, None),
        ({"metadata": {"b!": "1", "a!": "2"}}, "Invalid input for field/attribute metadata. "
         "Value: {'b!': '1', 'a!': '2'}. 'a!', 'b!' do not match any of the regexes: "
         "'^[a-zA-Z0-9-_:. ]{1,255}$'"),
        ({"metadata": []}, "Invalid input for field/attribute metadata. Value: []. [] is not "
         "of type 'object'"),
        ({"metadata": {}, "x": 1}, "Invalid input for field/attribute set_metadata. Value: "
         "{'metadata': {}, 'x': 1}. Additional properties are not allowed ('x' was "
         "unexpected)"),
    ]
    for value, message in cases:
        msg = fault(action(admin, aid, "set_metadata", value), 400)
        if message:
            assert msg == message
        else:
            assert msg.startswith("Invalid input for field/attribute k.") and \
                msg.endswith("is too long")
    assert show(admin, aid)["metadata"] == {}


# --- 2.81 images ----------------------------------------------------------

def test_images(admin, demo, agg):
    need(admin, "2.81")
    image = admin.get("/image/v2/images").json()["images"][0]["id"]
    path = f"/os-aggregates/{agg['id']}/images"
    body = {"cache": [{"id": image}]}
    assert admin.post(path, body, mv="2.80").status_code == 404
    r = admin.post(path, body, mv="2.81")
    assert r.status_code == 202 and r.content == b""
    assert fault(demo.post(path, body, mv="2.81"), 403) == \
        "Policy doesn't allow compute:aggregates:images to be performed."
    assert fault(admin.post(path, {"cache": [{"id": image}, {"id": image}]}, mv="2.81"),
                 400) == "Duplicate images in request"
    missing = str(uuid.uuid4())
    assert fault(admin.post(path, {"cache": [{"id": missing}]}, mv="2.81"), 400) == \
        f"Image {missing} could not be found."
    assert fault(admin.post("/os-aggregates/999999/images", body, mv="2.81"), 404) == \
        "Aggregate 999999 could not be found."
    assert fault(admin.post("/os-aggregates/x/images", body, mv="2.81"), 400) == \
        "Invalid input received: id must be an integer"
    cases = [
        ({}, "'cache' is a required property"),
        ({"cache": []}, "Invalid input for field/attribute cache. Value: []. [] is too short"),
        ({"cache": "x"}, "Invalid input for field/attribute cache. Value: x. 'x' is not of "
         "type 'array'"),
        ({"cache": [{"id": "nope"}]}, "Invalid input for field/attribute id. Value: nope. "
         "'nope' is not a 'uuid'"),
        ({"cache": [{}]}, "Invalid input for field/attribute 0. Value: {}. 'id' is a "
         "required property"),
        ({"cache": [{"id": image, "x": 1}]}, "Invalid input for field/attribute 0. Value: "
         f"{{'id': '{image}', 'x': 1}}. Additional properties are not allowed ('x' was "
         "unexpected)"),
        ({"cache": [{"id": image}], "x": 1}, "Additional properties are not allowed ('x' was "
         "unexpected)"),
    ]
    for value, message in cases:
        assert fault(admin.post(path, value, mv="2.81"), 400) == message


# --- availability zones (private daemons with two hosts) ------------------

def test_zone_follows_membership(spawn_cirrusd):
    admin, demo = clients(spawn_cirrusd("--hosts", "2"))
    a = make(admin, "ag1", "az1")
    assert zone_names(demo) == [("nova", True)]       # no host yet: no zone
    ok_action(admin, a["id"], "add_host", {"host": "cirrus-1"})
    assert zone_of(admin, "cirrus-1") == "az1" and zone_of(admin, "cirrus-2") == "nova"
    assert zone_names(demo) == [("az1", True), ("nova", True)]
    detail = {z["zoneName"]: z for z in
              admin.get("/os-availability-zone/detail").json()["availabilityZoneInfo"]}
    assert set(detail["az1"]["hosts"]) == {"cirrus-1"}
    assert set(detail["nova"]["hosts"]) == {"cirrus-2"}
    # Renaming the zone moves its hosts (no servers there yet).
    ok_action(admin, a["id"], "set_metadata", {"metadata": {"availability_zone": "az9"}})
    assert zone_of(admin, "cirrus-1") == "az9"
    r = admin.put(f"/os-aggregates/{a['id']}", {"aggregate": {"availability_zone": "az1"}})
    assert r.status_code == 200, r.text
    assert zone_of(admin, "cirrus-1") == "az1"
    ok_action(admin, a["id"], "remove_host", {"host": "cirrus-1"})
    assert zone_of(admin, "cirrus-1") == "nova"
    assert zone_names(demo) == [("nova", True)]


def test_one_zone_per_host(spawn_cirrusd):
    admin, _ = clients(spawn_cirrusd("--hosts", "2"))
    a1 = make(admin, "ag1", "az1")
    a2 = make(admin, "ag2", "az2")
    plain = make(admin, "plain")
    ok_action(admin, a1["id"], "add_host", {"host": "cirrus-1"})
    assert fault(action(admin, a2["id"], "add_host", {"host": "cirrus-1"}), 409) == (
        f"Cannot add host to aggregate {a2['id']}. Reason: One or more hosts already in "
        "availability zone(s) ['az1'].")
    # An aggregate without a zone may share the host, but may not then
    # give it a second zone.
    ok_action(admin, plain["id"], "add_host", {"host": "cirrus-1"})
    r = action(admin, plain["id"], "set_metadata", {"metadata": {"availability_zone": "az2"}})
    assert fault(r, 400) == (f"Cannot update metadata of aggregate {plain['id']}. Reason: One "
                             "or more hosts already in availability zone(s) ['az1'].")
    r = admin.put(f"/os-aggregates/{plain['id']}", {"aggregate": {"availability_zone": "az2"}})
    assert fault(r, 400) == (f"Cannot update aggregate {plain['id']}. Reason: One or more "
                             "hosts already in availability zone(s) ['az1'].")
    # The same zone is no conflict.
    ok_action(admin, plain["id"], "set_metadata", {"metadata": {"availability_zone": "az1"}})
    assert zone_of(admin, "cirrus-1") == "az1"
    assert show(admin, a2["id"])["hosts"] == []


def test_scheduling_by_zone(spawn_cirrusd):
    admin, demo = clients(spawn_cirrusd("--hosts", "2"))
    a = make(admin, "ag1", "az1")
    ok_action(admin, a["id"], "add_host", {"host": "cirrus-2"})
    sids = [create(demo, f"z{i}", availability_zone="az1") for i in range(2)]
    other = create(demo, "n", availability_zone="nova")
    anywhere = create(demo, "any")
    try:
        for sid in sids:
            s = admin.get(f"/servers/{sid}").json()["server"]
            assert s["OS-EXT-SRV-ATTR:host"] == "cirrus-2"
            assert s["OS-EXT-AZ:availability_zone"] == "az1"
        s = admin.get(f"/servers/{other}").json()["server"]
        assert s["OS-EXT-SRV-ATTR:host"] == "cirrus-1"
        assert s["OS-EXT-AZ:availability_zone"] == "nova"
        # A server placed without a zone records its host's zone.
        s = admin.get(f"/servers/{anywhere}").json()["server"]
        assert s["OS-EXT-AZ:availability_zone"] == \
            {"cirrus-1": "nova", "cirrus-2": "az1"}[s["OS-EXT-SRV-ATTR:host"]]
        r = demo.post("/servers", {"server": {"name": "x", "availability_zone": "az2",
                                              "flavorRef": "1", "imageRef": s["image"]["id"]}})
        assert fault(r, 400) == "The requested availability zone is not available"
        # A zone holding servers cannot be renamed; the same name is fine.
        r = action(admin, a["id"], "set_metadata", {"metadata": {"availability_zone": "az3"}})
        assert fault(r, 400) == (f"Cannot update metadata of aggregate {a['id']}. Reason: "
                                 "One or more hosts contain instances in this zone.")
        r = admin.put(f"/os-aggregates/{a['id']}", {"aggregate": {"availability_zone": "az3"}})
        assert fault(r, 400) == (f"Cannot update aggregate {a['id']}. Reason: One or more "
                                 "hosts contain instances in this zone.")
        ok_action(admin, a["id"], "set_metadata", {"metadata": {"availability_zone": "az1"}})
        assert zone_of(admin, "cirrus-2") == "az1"
    finally:
        delete_all(demo, sids + [other, anywhere])


def test_zone_survives_restart(spawn_cirrusd):
    d = spawn_cirrusd("--hosts", "2")
    admin, _ = clients(d)
    a = make(admin, "ag1", "az1")
    ok_action(admin, a["id"], "add_host", {"host": "cirrus-1"})
    d.stop()
    admin, _ = clients(spawn_cirrusd("--hosts", "2", data_dir=d.data_dir))
    assert zone_of(admin, "cirrus-1") == "az1" and zone_of(admin, "cirrus-2") == "nova"
    assert show(admin, a["id"])["hosts"] == ["cirrus-1"]


def test_deleted_service_leaves_its_aggregates(spawn_cirrusd):
    admin, _ = clients(spawn_cirrusd("--hosts", "2"))
    a = make(admin, "ag1", "az1")
    ok_action(admin, a["id"], "add_host", {"host": "cirrus-1"})
    ok_action(admin, a["id"], "add_host", {"host": "cirrus-2"})
    svc = admin.get("/os-services", params={"host": "cirrus-2",
                                            "binary": "nova-compute"}).json()["services"][0]
    assert admin.delete(f"/os-services/{svc['id']}").status_code == 204
    assert show(admin, a["id"])["hosts"] == ["cirrus-1"]


def test_placed_server_shows_host_zone(spawn_cirrusd):
    # Nova's server view reports the zone of the server's host as it is now
    # (get_instance_availability_zone), so a host joining a zone takes its
    # servers along.
    admin, demo = clients(spawn_cirrusd())
    sid = create(demo, "placed")
    try:
        def server_zone():
            return demo.get(f"/servers/{sid}").json()["server"]["OS-EXT-AZ:availability_zone"]

        assert server_zone() == "nova"
        a = make(admin, "ag1", "az1")
        ok_action(admin, a["id"], "add_host", {"host": "cirrus"})
        assert server_zone() == "az1"
        ok_action(admin, a["id"], "remove_host", {"host": "cirrus"})
        assert server_zone() == "nova"
    finally:
        delete_all(demo, [sid])
