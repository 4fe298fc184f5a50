/* qmp.h - a client for the QEMU Machine Protocol on a UNIX socket: the
 * greeting, qmp_capabilities, CRLF-terminated JSON lines, replies matched
 * by "id", asynchronous {"event": ...} lines queued for whoever waits for
 * them. One connection per operation: QEMU serves one monitor client at a
 * time, and nothing is kept open across a cirrusd restart. */
#ifndef CIRRUS_VIRT_QEMU_QMP_H
#define CIRRUS_VIRT_QEMU_QMP_H

#include <jansson.h>
#include <stddef.h>

#include "util/err.h"

struct qmp;

/* Connects to the monitor socket at path (any length), reads the greeting
 * and leaves command mode negotiated. timeout_ms bounds the whole
 * handshake; each later command gets the same bound. */
int qmp_open(const char *path, int timeout_ms, struct qmp **out, struct cerr *err);
void qmp_close(struct qmp *q);
void qmp_set_timeout(struct qmp *q, int timeout_ms);

/* Runs one command; args borrowed (may be NULL). On success *ret (when
 * ret is not NULL) owns the "return" value. A QMP error reply is a 500
 * carrying QEMU's desc. */
int qmp_command(struct qmp *q, const char *cmd, const json_t *args, json_t **ret,
                struct cerr *err);
/* "quit": QEMU may close the socket before or after replying; both are
 * success. */
int qmp_quit(struct qmp *q, struct cerr *err);
/* Waits up to timeout_ms for an event called name (already queued ones
 * count). 1 found (*data, if asked, owns its "data"), 0 timeout, -1 error
 * (EOF included). */
int qmp_event_wait(struct qmp *q, const char *name, int timeout_ms, json_t **data,
                   struct cerr *err);

/* A connected UNIX stream socket (close-on-exec) to path, whatever its
 * length: sun_path holds 108 bytes, longer paths go through the
 * directory's /proc/self/fd entry. -1 with err filled on failure. */
int qmp_unix_connect(const char *path, struct cerr *err);

/* --- the protocol's pure parts, for unit tests --- */

struct qmp_lines {
    char *data;
    size_t len, cap;
};
void qmp_lines_feed(struct qmp_lines *b, const char *data, size_t n);
/* The next complete line without its CRLF/LF (malloc'd), or NULL. */
char *qmp_lines_next(struct qmp_lines *b);
void qmp_lines_free(struct qmp_lines *b);

enum qmp_msg { QMP_MSG_INVALID, QMP_MSG_GREETING, QMP_MSG_EVENT, QMP_MSG_RETURN, QMP_MSG_ERROR };
/* What a parsed line is; *id (borrowed, may be NULL) is the reply's id. */
enum qmp_msg qmp_classify(const json_t *msg, const char **id);
/* The text sent for a command: one JSON object and CRLF (malloc'd). */
char *qmp_format_command(const char *cmd, const json_t *args, const char *id);

#endif
