/* flavors.h - what the flavor handlers (flavors.c, flavor_extra_specs.c,
 * flavor_access.c) share: the visibility-checked lookup, Python's text
 * form of JSON numbers, and the 2.86 extra spec validators. */
#ifndef CIRRUS_API_COMPUTE_FLAVORS_H
#define CIRRUS_API_COMPUTE_FLAVORS_H

#include <jansson.h>
#include <stddef.h>

#include "http/http.h"
#include "store/flavor.h"

/* nova common.get_flavor(): admins see every flavor, others public ones
 * and private ones shared with their project; 404 otherwise. */
int api_flavor_load(const struct http_request *req, struct db *db, const char *flavorid,
                    struct flavor *out, struct cerr *err);

/* str() of a JSON number as Python prints it ("5", "1.5", "1e+16"). */
void api_number_text(const json_t *v, char *out, size_t n);

/* nova.api.validation.extra_specs.validators.validate() (2.86+): 0 valid
 * or unknown outside Nova's namespaces; -1 with a 400 otherwise. */
int flavor_extra_spec_validate(const char *name, const char *value, struct cerr *err);

#endif
