"""openstacksdk (Debian python3-openstacksdk) against a cirrusd of this
module's own, connected through the clouds.yaml cirrusd writes: catalog and
version discovery, flavors, images, keypairs, and a server's whole life
(create, wait ACTIVE, list, get, delete, wait gone)."""
import pytest

from conftest import Daemon, fail_on_sanitizer

openstack = pytest.importorskip("openstack")
from openstack import utils as sdk_utils  # noqa: E402
from openstack.config import loader  # noqa: E402


@pytest.fixture(scope="module")
def cloud():
    d = Daemon()
    try:
        d.start()
    except Exception:
        d.cleanup()
        raise
    yield d
    d.cleanup()
    fail_on_sanitizer([d])


def connect(cloud, user):
    """A Connection built from cirrusd's clouds.yaml only (no environment,
    no ~/.config/openstack)."""
    config = loader.OpenStackConfig(config_files=[cloud.clouds_yaml], vendor_files=[],
                                    load_envvars=False)
    return openstack.connection.Connection(config=config.get_one(cloud=f"cirrus-{user}"))


@pytest.fixture(scope="module")
def demo_conn(cloud):
    conn = connect(cloud, "demo")
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def admin_conn(cloud):
    conn = connect(cloud, "admin")
    yield conn
    conn.close()


def test_catalog_endpoints(demo_conn, cloud):
    assert demo_conn.compute.get_endpoint().rstrip("/").endswith("/v2.1")
    assert demo_conn.image.get_endpoint().startswith(cloud.url + "/image")
    assert demo_conn.current_project_id


def test_list_flavors(demo_conn):
    flavors = list(demo_conn.compute.flavors())
    assert flavors
    for f in flavors:
        assert f.id and f.name and f.ram > 0 and f.vcpus > 0, f


def test_list_images(demo_conn):
    images = list(demo_conn.image.images())
    assert images
    assert any(i.status == "active" for i in images), images


def test_keypair_create_list_delete(demo_conn):
    kp = demo_conn.compute.create_keypair(name="sdk-key")
    assert kp.name == "sdk-key" and kp.private_key and kp.fingerprint
    assert "sdk-key" in [k.name for k in demo_conn.compute.keypairs()]
    demo_conn.compute.delete_keypair("sdk-key")
    assert "sdk-key" not in [k.name for k in demo_conn.compute.keypairs()]


def smallest_flavor(conn):
    return min(conn.compute.flavors(), key=lambda f: (f.ram, f.vcpus, f.disk))


def test_server_lifecycle(demo_conn, admin_conn):
    conn = demo_conn
    flavor = smallest_flavor(conn)
    image = next(i for i in conn.image.images() if i.status == "active")
    attrs = {"name": "sdk-1", "flavor_id": flavor.id, "image_id": image.id,
             "metadata": {"via": "sdk"}}
    # From 2.37 on, networks is required; the SDK negotiates up to its own cap.
    if sdk_utils.supports_microversion(conn.compute, "2.37"):
        attrs["networks"] = "auto"
    server = conn.compute.create_server(**attrs)
    assert server.id
    server = conn.compute.wait_for_server(server, status="ACTIVE", interval=0.2, wait=60)
    assert server.status == "ACTIVE"
    assert server.name == "sdk-1"
    assert server.metadata == {"via": "sdk"}
    assert server.addresses, server

    listed = {s.id: s for s in conn.compute.servers()}
    assert server.id in listed
    assert listed[server.id].status == "ACTIVE"
    assert [s.id for s in conn.compute.servers(name="sdk-1")] == [server.id]

    got = conn.compute.get_server(server.id)
    assert got.name == "sdk-1" and got.image.id == image.id
    assert got.flavor.id == flavor.id or got.flavor.original_name == flavor.name

    # admin sees it across projects, with the host it landed on
    everywhere = {s.id: s for s in admin_conn.compute.servers(all_projects=True)}
    assert server.id in everywhere
    assert everywhere[server.id].project_id == conn.current_project_id
    assert admin_conn.compute.get_server(server.id).compute_host

    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.2, wait=60)
    assert server.id not in [s.id for s in conn.compute.servers()]


def test_image_create_upload(admin_conn):
    data = b"sdk image bytes " * 4096
    img = admin_conn.image.create_image("sdk-img", data=data, disk_format="raw",
                                        container_format="bare", wait=True, timeout=60)
    got = admin_conn.image.get_image(img.id)
    assert got.status == "active", got
    assert got.size == len(data), got
    assert got.disk_format == "raw", got
    admin_conn.image.delete_image(got.id)
    assert admin_conn.image.find_image(got.id) is None
