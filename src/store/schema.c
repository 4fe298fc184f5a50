/* schema.c - every module's schema migrations, in the order they apply.
 *
 * Each module keeps its own version (schema_versions.module); to change a
 * table, append a migration to that module's list, never edit an applied
 * one. SQL here is portable (see db.h). Times are BIGINT microseconds. */
#include "store/db.h"

static const struct store_migration identity_m[] = {
    {1,
     "CREATE TABLE domains (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
     "  description TEXT NOT NULL DEFAULT '', enabled BIGINT NOT NULL DEFAULT 1);"
     "CREATE TABLE projects (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
     "  domain_id TEXT NOT NULL REFERENCES domains(id), description TEXT NOT NULL DEFAULT '',"
     "  enabled BIGINT NOT NULL DEFAULT 1, UNIQUE (domain_id, name));"
     "CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
     "  domain_id TEXT NOT NULL REFERENCES domains(id), password_hash TEXT NOT NULL,"
     "  enabled BIGINT NOT NULL DEFAULT 1, default_project_id TEXT, email TEXT,"
     "  UNIQUE (domain_id, name));"
     "CREATE TABLE roles (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
     "CREATE TABLE role_assignments (user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
     "  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
     "  role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,"
     "  PRIMARY KEY (user_id, project_id, role_id));"
     "CREATE TABLE tokens (hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, project_id TEXT,"
     "  methods TEXT NOT NULL, audit_id TEXT NOT NULL, issued_at BIGINT NOT NULL,"
     "  expires_at BIGINT NOT NULL, revoked BIGINT NOT NULL DEFAULT 0);"
     "CREATE INDEX tokens_expiry ON tokens (expires_at);"},
};

static const struct store_migration image_m[] = {
    {1,
     "CREATE TABLE images (id TEXT PRIMARY KEY, name TEXT, owner TEXT,"
     "  status TEXT NOT NULL, visibility TEXT NOT NULL, disk_format TEXT, container_format TEXT,"
     "  size BIGINT, virtual_size BIGINT, checksum TEXT, os_hash_algo TEXT, os_hash_value TEXT,"
     "  min_disk BIGINT NOT NULL DEFAULT 0, min_ram BIGINT NOT NULL DEFAULT 0,"
     "  protected BIGINT NOT NULL DEFAULT 0, os_hidden BIGINT NOT NULL DEFAULT 0,"
     "  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,"
     "  deleted BIGINT NOT NULL DEFAULT 0, deleted_at BIGINT);"
     "CREATE INDEX images_list ON images (deleted, created_at);"
     "CREATE INDEX images_name ON images (name);"
     "CREATE TABLE image_properties (image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
     "  name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (image_id, name));"
     "CREATE TABLE image_tags (image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
     "  tag TEXT NOT NULL, PRIMARY KEY (image_id, tag));"
     "CREATE TABLE image_members (image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
     "  member TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',"
     "  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (image_id, member));"},
};

static const struct store_migration flavor_m[] = {
    {1,
     "CREATE TABLE flavors (id @AUTOID@, flavorid TEXT NOT NULL, name TEXT NOT NULL,"
     "  vcpus BIGINT NOT NULL, memory_mb BIGINT NOT NULL, root_gb BIGINT NOT NULL,"
     "  ephemeral_gb BIGINT NOT NULL DEFAULT 0, swap BIGINT NOT NULL DEFAULT 0,"
     "  rxtx_factor DOUBLE PRECISION NOT NULL DEFAULT 1.0, is_public BIGINT NOT NULL DEFAULT 1,"
     "  disabled BIGINT NOT NULL DEFAULT 0, description TEXT, created_at BIGINT NOT NULL,"
     "  updated_at BIGINT);"
     "CREATE UNIQUE INDEX flavors_flavorid ON flavors (flavorid);"
     "CREATE UNIQUE INDEX flavors_name ON flavors (name);"
     "CREATE TABLE flavor_extra_specs (flavorid TEXT NOT NULL, key TEXT NOT NULL,"
     "  value TEXT NOT NULL, PRIMARY KEY (flavorid, key));"
     "CREATE TABLE flavor_projects (flavorid TEXT NOT NULL, project_id TEXT NOT NULL,"
     "  PRIMARY KEY (flavorid, project_id));"},
};

static const struct store_migration keypair_m[] = {
    {1,
     "CREATE TABLE keypairs (id @AUTOID@, user_id TEXT NOT NULL, name TEXT NOT NULL,"
     "  type TEXT NOT NULL DEFAULT 'ssh', public_key TEXT NOT NULL, fingerprint TEXT NOT NULL,"
     "  created_at BIGINT NOT NULL, UNIQUE (user_id, name));"},
};

static const struct store_migration host_m[] = {
    {1,
     /* One row per compute host: its nova-compute service and its
      * hypervisor (compute node) together, as cirrus runs one of each. */
     "CREATE TABLE hosts (id @AUTOID@, uuid TEXT NOT NULL UNIQUE,"
     "  hypervisor_uuid TEXT NOT NULL UNIQUE, host TEXT NOT NULL UNIQUE,"
     "  zone TEXT NOT NULL DEFAULT 'nova', disabled BIGINT NOT NULL DEFAULT 0,"
     "  disabled_reason TEXT, forced_down BIGINT NOT NULL DEFAULT 0,"
     "  last_seen_up BIGINT, created_at BIGINT NOT NULL, updated_at BIGINT,"
     "  hypervisor_type TEXT NOT NULL, host_ip TEXT NOT NULL DEFAULT '127.0.0.1',"
     "  vcpus BIGINT NOT NULL, memory_mb BIGINT NOT NULL, local_gb BIGINT NOT NULL,"
     "  vcpus_used BIGINT NOT NULL DEFAULT 0, memory_mb_used BIGINT NOT NULL DEFAULT 0,"
     "  local_gb_used BIGINT NOT NULL DEFAULT 0, running_vms BIGINT NOT NULL DEFAULT 0,"
     "  cpu_allocation_ratio DOUBLE PRECISION NOT NULL DEFAULT 4.0,"
     "  ram_allocation_ratio DOUBLE PRECISION NOT NULL DEFAULT 1.0,"
     "  disk_allocation_ratio DOUBLE PRECISION NOT NULL DEFAULT 1.0);"},
    /* The services that are not compute hosts (nova-conductor,
     * nova-scheduler) for os-services and os-availability-zone. Ids come
     * from one space shared with hosts.id (store/host.c), as Nova's
     * services table numbers every service. */
    {2,
     "CREATE TABLE services (id BIGINT PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,"
     "  host TEXT NOT NULL, binary_name TEXT NOT NULL, last_seen_up BIGINT,"
     "  created_at BIGINT NOT NULL, UNIQUE (host, binary_name));"},
    /* os-hypervisors hypervisor_version, as the host's driver reports it. */
    {3, "ALTER TABLE hosts ADD COLUMN hypervisor_version BIGINT NOT NULL DEFAULT 0;"},
};

static const struct store_migration server_m[] = {
    {1,
     "CREATE TABLE instances (id @AUTOID@, uuid TEXT NOT NULL UNIQUE,"
     "  project_id TEXT NOT NULL, user_id TEXT NOT NULL, name TEXT NOT NULL,"
     "  hostname TEXT NOT NULL DEFAULT '', description TEXT,"
     "  image_ref TEXT NOT NULL DEFAULT '', flavorid TEXT NOT NULL, flavor_name TEXT NOT NULL,"
     "  vcpus BIGINT NOT NULL, memory_mb BIGINT NOT NULL, root_gb BIGINT NOT NULL,"
     "  ephemeral_gb BIGINT NOT NULL DEFAULT 0, swap BIGINT NOT NULL DEFAULT 0,"
     "  flavor_extra_specs TEXT NOT NULL DEFAULT '{}',"
     "  key_name TEXT, key_data TEXT,"
     "  vm_state TEXT NOT NULL, task_state TEXT, power_state BIGINT NOT NULL DEFAULT 0,"
     "  host TEXT, node TEXT, availability_zone TEXT,"
     "  launched_at BIGINT, terminated_at BIGINT,"
     "  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, deleted_at BIGINT,"
     "  deleted BIGINT NOT NULL DEFAULT 0,"
     "  locked_by TEXT, locked_reason TEXT,"
     "  access_ip_v4 TEXT NOT NULL DEFAULT '', access_ip_v6 TEXT NOT NULL DEFAULT '',"
     "  config_drive TEXT NOT NULL DEFAULT '', user_data TEXT,"
     "  reservation_id TEXT NOT NULL, launch_index BIGINT NOT NULL DEFAULT 0,"
     "  progress BIGINT NOT NULL DEFAULT 0, disk_config TEXT NOT NULL DEFAULT 'MANUAL',"
     "  root_device_name TEXT, kernel_id TEXT NOT NULL DEFAULT '', ramdisk_id TEXT NOT NULL DEFAULT '',"
     "  security_groups TEXT NOT NULL DEFAULT '[]', personality TEXT NOT NULL DEFAULT '[]',"
     "  scheduler_hints TEXT NOT NULL DEFAULT '{}', requested_networks TEXT NOT NULL DEFAULT '\"auto\"',"
     "  block_device_mapping TEXT NOT NULL DEFAULT '[]',"
     "  system_metadata TEXT NOT NULL DEFAULT '{}');"
     "CREATE INDEX instances_project ON instances (project_id, deleted, created_at);"
     "CREATE INDEX instances_all ON instances (deleted, created_at);"
     "CREATE INDEX instances_updated ON instances (updated_at);"
     "CREATE INDEX instances_host ON instances (host);"
     "CREATE INDEX instances_reservation ON instances (reservation_id);"
     "CREATE TABLE instance_metadata (instance_uuid TEXT NOT NULL, key TEXT NOT NULL,"
     "  value TEXT NOT NULL, PRIMARY KEY (instance_uuid, key));"
     "CREATE TABLE instance_tags (instance_uuid TEXT NOT NULL, tag TEXT NOT NULL,"
     "  PRIMARY KEY (instance_uuid, tag));"
     "CREATE INDEX instance_tags_tag ON instance_tags (tag);"
     "CREATE TABLE instance_faults (id @AUTOID@, instance_uuid TEXT NOT NULL,"
     "  code BIGINT NOT NULL, message TEXT NOT NULL, details TEXT NOT NULL DEFAULT '',"
     "  host TEXT, created_at BIGINT NOT NULL);"
     "CREATE INDEX instance_faults_uuid ON instance_faults (instance_uuid, id);"},
};

static const struct store_migration action_m[] = {
    {1,
     "CREATE TABLE instance_actions (id @AUTOID@, instance_uuid TEXT NOT NULL,"
     "  request_id TEXT NOT NULL, action TEXT NOT NULL, user_id TEXT, project_id TEXT,"
     "  start_time BIGINT NOT NULL, finish_time BIGINT, message TEXT,"
     "  updated_at BIGINT NOT NULL);"
     "CREATE INDEX instance_actions_uuid ON instance_actions (instance_uuid, start_time);"
     "CREATE INDEX instance_actions_req ON instance_actions (instance_uuid, request_id);"
     "CREATE TABLE instance_action_events (id @AUTOID@, action_id BIGINT NOT NULL,"
     "  event TEXT NOT NULL, start_time BIGINT NOT NULL, finish_time BIGINT, result TEXT,"
     "  traceback TEXT, host TEXT, details TEXT);"
     "CREATE INDEX instance_action_events_action ON instance_action_events (action_id);"
     "CREATE TABLE migrations (id @AUTOID@, uuid TEXT NOT NULL UNIQUE,"
     "  instance_uuid TEXT NOT NULL, source_compute TEXT, dest_compute TEXT,"
     "  source_node TEXT, dest_node TEXT, dest_host TEXT,"
     "  old_flavorid TEXT, new_flavorid TEXT, status TEXT NOT NULL,"
     "  migration_type TEXT NOT NULL, user_id TEXT, project_id TEXT,"
     "  memory_total BIGINT, memory_processed BIGINT, memory_remaining BIGINT,"
     "  disk_total BIGINT, disk_processed BIGINT, disk_remaining BIGINT,"
     "  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"
     "CREATE INDEX migrations_instance ON migrations (instance_uuid);"},
    /* What os-migrations shows (old/new_instance_type_id), Nova's
     * cross_cell_move/hidden, and what a revert restores (old_vm_state,
     * the flavors as JSON); indexes for the os-migrations filters. */
    {2,
     "ALTER TABLE migrations ADD COLUMN old_instance_type_id BIGINT;"
     "ALTER TABLE migrations ADD COLUMN new_instance_type_id BIGINT;"
     "ALTER TABLE migrations ADD COLUMN cross_cell_move BIGINT NOT NULL DEFAULT 0;"
     "ALTER TABLE migrations ADD COLUMN hidden BIGINT NOT NULL DEFAULT 0;"
     "ALTER TABLE migrations ADD COLUMN old_vm_state TEXT;"
     "ALTER TABLE migrations ADD COLUMN old_flavor TEXT;"
     "ALTER TABLE migrations ADD COLUMN new_flavor TEXT;"
     "CREATE INDEX migrations_created ON migrations (created_at, id);"
     "CREATE INDEX migrations_updated ON migrations (updated_at);"
     "CREATE INDEX migrations_source ON migrations (source_compute);"
     "CREATE INDEX migrations_dest ON migrations (dest_compute);"
     "CREATE INDEX migrations_status ON migrations (status);"
     "CREATE INDEX migrations_project ON migrations (project_id, user_id);"},
};

static const struct store_migration network_m[] = {
    {1,
     "CREATE TABLE networks (id TEXT PRIMARY KEY, label TEXT NOT NULL,"
     "  cidr TEXT NOT NULL, cidr6 TEXT NOT NULL DEFAULT '', created_at BIGINT NOT NULL);"
     /* addr_index is the address's offset inside its CIDR: allocation looks
      * for the lowest free offset through this index. */
     "CREATE TABLE fixed_ips (network_id TEXT NOT NULL, version BIGINT NOT NULL,"
     "  addr_index BIGINT NOT NULL, address TEXT NOT NULL, instance_uuid TEXT NOT NULL,"
     "  mac TEXT NOT NULL, created_at BIGINT NOT NULL,"
     "  PRIMARY KEY (network_id, version, addr_index));"
     "CREATE INDEX fixed_ips_instance ON fixed_ips (instance_uuid);"
     "CREATE INDEX fixed_ips_address ON fixed_ips (address);"},
    /* MACs are random: allocation checks a new one is unused. */
    {2, "CREATE INDEX fixed_ips_mac ON fixed_ips (mac);"},
};

static const struct store_migration task_m[] = {
    {1,
     /* The only channel between the API side and the compute side: rows
      * here are desired work; a worker claims a row by compare-and-swap on
      * state, so two workers never run one task. host NULL = conductor. */
     "CREATE TABLE tasks (id @AUTOID@, kind TEXT NOT NULL, instance_uuid TEXT,"
     "  host TEXT, state TEXT NOT NULL DEFAULT 'pending', args TEXT NOT NULL DEFAULT '{}',"
     "  request_id TEXT, owner TEXT, attempts BIGINT NOT NULL DEFAULT 0,"
     "  run_after BIGINT NOT NULL DEFAULT 0, created_at BIGINT NOT NULL,"
     "  updated_at BIGINT NOT NULL);"
     "CREATE INDEX tasks_pending ON tasks (state, host, run_after);"
     "CREATE INDEX tasks_instance ON tasks (instance_uuid);"},
    /* Answers of synchronous tasks (store/task_result.h), keyed by the
     * task's id; taken (deleted) by the API handler waiting for them. */
    {2, "CREATE TABLE task_results (task_id BIGINT PRIMARY KEY, status BIGINT NOT NULL,"
        "  body TEXT NOT NULL, created_at BIGINT NOT NULL);"},
};

/* Host aggregates (os-aggregates). A host's availability zone is the
 * availability_zone metadata of its aggregates, copied into hosts.zone by
 * store/aggregate.c in the transaction that changes it; membership goes
 * with the host row (os-services DELETE removes a host from its
 * aggregates, as Nova does). */
static const struct store_migration aggregate_m[] = {
    {1,
     "CREATE TABLE aggregates (id @AUTOID@, uuid TEXT NOT NULL UNIQUE,"
     "  name TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL, updated_at BIGINT);"
     "CREATE TABLE aggregate_hosts (id @AUTOID@,"
     "  aggregate_id BIGINT NOT NULL REFERENCES aggregates(id) ON DELETE CASCADE,"
     "  host TEXT NOT NULL REFERENCES hosts(host) ON DELETE CASCADE,"
     "  UNIQUE (aggregate_id, host));"
     "CREATE INDEX aggregate_hosts_host ON aggregate_hosts (host);"
     "CREATE TABLE aggregate_metadata ("
     "  aggregate_id BIGINT NOT NULL REFERENCES aggregates(id) ON DELETE CASCADE,"
     "  key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (aggregate_id, key));"},
};

#define MOD(name, arr) \
    static const struct store_module_schema name##_schema = { #name, arr, \
        (int)(sizeof(arr) / sizeof(arr[0])) }
MOD(identity, identity_m);
MOD(image, image_m);
MOD(flavor, flavor_m);
MOD(keypair, keypair_m);
MOD(host, host_m);
MOD(server, server_m);
MOD(action, action_m);
MOD(network, network_m);
MOD(task, task_m);
MOD(aggregate, aggregate_m);

const struct store_module_schema *const store_schemas[] = {
    &identity_schema, &image_schema, &flavor_schema, &keypair_schema, &host_schema,
    &server_schema, &action_schema, &network_schema, &task_schema, &aggregate_schema,
};
const int store_schema_count = (int)(sizeof(store_schemas) / sizeof(store_schemas[0]));
