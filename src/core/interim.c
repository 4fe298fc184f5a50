/* interim.c - weak placeholders that let the tree link while modules are
 * being written in parallel; each is overridden by the module's real
 * (strong) definition. This file is deleted once every module exists. */
#include "core/auth.h"
#include "core/bootstrap.h"
#include "core/image.h"
#include "core/instance.h"
#include "core/network.h"
#include "core/quota.h"
#include "core/task.h"
#include "core/worker.h"
#include "store/action.h"
#include "store/flavor.h"
#include "store/image.h"
#include "store/keypair.h"
#include "store/server.h"

#include <stdlib.h>

#define W __attribute__((weak))
#define NOT_YET(err) cerr_set(err, 503, "%s: this part of cirrus is still being built", __func__)

W int auth_token_validate(const char *t, struct auth *o, struct cerr *e) { return cerr_set(e, 401, "no identity module"); }
W int identity_bootstrap(const struct cirrus_config *c, struct cerr *e) { return 0; }
W int flavor_bootstrap(const struct cirrus_config *c, struct cerr *e) { return 0; }
W int image_bootstrap(const struct cirrus_config *c, struct cerr *e) { return 0; }
W int host_bootstrap(const struct cirrus_config *c, struct cerr *e) { return 0; }
W int network_bootstrap(const struct cirrus_config *c, struct cerr *e) { return 0; }
W int worker_start(const struct cirrus_config *c, struct cerr *e) { return 0; }
W void worker_stop(void) {}
W void worker_kick(void) {}
W int task_enqueue(struct db *d, const char *k, const char *u, const char *h, const json_t *a, const char *r, struct cerr *e) { return NOT_YET(e); }
W int network_default(struct db *d, char id[40], char l[64], struct cerr *e) { return NOT_YET(e); }
W int network_validate(struct db *d, const json_t *r, struct cerr *e) { return 0; }
W int network_allocate(struct db *d, const char *u, const json_t *r, struct cerr *e) { return 0; }
W int network_release(struct db *d, const char *u) { return 0; }
W json_t *network_addresses(struct db *d, const char *u, bool x) { return json_object(); }
W const char *instance_status(const char *v, const char *t, bool d) { return "UNKNOWN"; }
W int instance_check(enum instance_op op, const char *u, const char *v, const char *t, const char *l, bool a, struct cerr *e) { return 0; }
W int quota_check_servers(struct db *d, const struct cirrus_config *c, const char *p, int64_t mn, int64_t mx, int64_t v, int64_t r, int64_t *al, struct cerr *e) { *al = mx; return 0; }
W int quota_check_metadata(const struct cirrus_config *c, int64_t i, struct cerr *e) { return 0; }
W int quota_check_personality(const struct cirrus_config *c, int64_t f, int64_t p, int64_t b, struct cerr *e) { return 0; }
W int store_action_start(struct db *d, const char *u, const char *a, const char *r, const char *us, const char *p, struct cerr *e) { return 0; }
W int store_action_finish(struct db *d, const char *u, const char *r, const char *m) { return 0; }
W int store_action_event_start(struct db *d, const char *u, const char *r, const char *ev, const char *h) { return 0; }
W int store_action_event_finish(struct db *d, const char *u, const char *r, const char *ev, const char *res, const char *tb) { return 0; }
W int store_flavor_get(struct db *d, const char *f, struct flavor *o, struct cerr *e) { return cerr_set(e, 404, "Flavor %s could not be found.", f); }
W json_t *store_flavor_extra_specs(struct db *d, const char *f) { return json_object(); }
W bool store_flavor_accessible(struct db *d, const struct flavor *f, const char *p) { return true; }
W int store_image_get(struct db *d, const char *i, struct image *o, struct cerr *e) { return cerr_set(e, 404, "Image %s could not be found.", i); }
W json_t *store_image_properties(struct db *d, const char *i) { return json_object(); }
W int image_get_for(struct db *d, const struct auth *a, const char *i, struct image *o, struct cerr *e) { return store_image_get(d, i, o, e); }
W int store_keypair_get(struct db *d, const char *u, const char *n, struct keypair *o, struct cerr *e) { return cerr_set(e, 404, "Keypair %s not found for user %s", n, u); }
W void keypair_clear(struct keypair *k) { free(k->public_key); k->public_key = NULL; }
W int store_server_get(struct db *d, const char *u, const char *p, struct server **o, struct cerr *e) { return cerr_set(e, 404, "Instance %s could not be found.", u); }
