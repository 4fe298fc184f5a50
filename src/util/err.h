/* err.h - the one error object every fallible function in cirrus fills.
 *
 * Functions return 0 on success and a negative value on failure, after
 * filling a struct cerr with the HTTP status the failure maps to and a
 * message fit for a user. Exactly one place per API turns it into a fault
 * body (api/compute/fault.c, api/identity, api/image). */
#ifndef CIRRUS_ERR_H
#define CIRRUS_ERR_H

#define CERR_MSG_MAX 512

struct cerr {
    int status;                 /* HTTP status: 400, 401, 403, 404, 409, ... */
    char message[CERR_MSG_MAX];
};

/* Fills err (when not NULL) and returns -1, so callers can write
 * `return cerr_set(err, 404, "...")`. */
int cerr_set(struct cerr *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The 500 every unexpected store or driver failure maps to. */
int cerr_internal(struct cerr *err, const char *what);

#endif
