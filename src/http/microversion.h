/* microversion.h - compute API microversion negotiation (DIGEST (c)).
 *
 * COMPUTE_MV_MAX is what the version documents advertise, and so what
 * openstacksdk and the openstack CLI negotiate: raise it only when every
 * change in rest_api_version_history.rst up to it works. docs/MICROVERSIONS.md
 * is the audit (one row per change, with the test that proves it), and
 * tests/api/test_microversions.py checks each change at its boundary. */
#ifndef CIRRUS_MICROVERSION_H
#define CIRRUS_MICROVERSION_H

#include "http/http.h"

#define COMPUTE_MV_MIN MV(2, 1)
#define COMPUTE_MV_MAX MV(2, 100)

/* Reads OpenStack-API-Version / X-OpenStack-Nova-API-Version into *mv.
 * 0 ok; -1 with 400 (malformed) or 406 (outside the range). */
int microversion_negotiate(struct http_request *req, int *mv, struct cerr *err);
/* "2.37" */
void microversion_format(int mv, char out[16]);

#endif
