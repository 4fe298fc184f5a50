/* server_emit.h - one way to write server bodies into two sinks: a
 * jansson tree (a single server, which other handlers may extend) or JSON
 * text appended to a buffer (list pages of up to 1000 servers, where a
 * tree's per-field allocations would cost more than the query). */
#ifndef CIRRUS_API_COMPUTE_SERVER_EMIT_H
#define CIRRUS_API_COMPUTE_SERVER_EMIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/mem.h"

#define EMIT_DEPTH 16

struct emit {
    struct buf *out;                  /* text sink; NULL = tree */
    int depth;                        /* open containers */
    bool array[EMIT_DEPTH];           /* container kind per level */
    bool comma[EMIT_DEPTH];           /* text: a member was written at this level */
    json_t *node[EMIT_DEPTH];         /* tree: open containers */
    json_t *root;                     /* tree: the first container opened */
};

void emit_tree(struct emit *e);
void emit_text(struct emit *e, struct buf *out);
/* The tree's root (caller owns it); NULL in text mode. */
json_t *emit_take(struct emit *e);

/* key is the member name inside an object and ignored inside arrays. */
void emit_open(struct emit *e, const char *key, bool array);
void emit_close(struct emit *e);
void emit_str(struct emit *e, const char *key, const char *v);      /* NULL = null */
void emit_int(struct emit *e, const char *key, int64_t v);
void emit_bool(struct emit *e, const char *key, bool v);
void emit_null(struct emit *e, const char *key);
void emit_json(struct emit *e, const char *key, json_t *v);         /* borrowed; NULL = null */

/* JSON string literal of s appended to b (quotes included). */
void emit_quoted(struct buf *b, const char *s);

#endif
