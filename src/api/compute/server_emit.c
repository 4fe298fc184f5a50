/* server_emit.c - the two sinks of server_emit.h. Text mode writes
 * compact JSON as jansson's JSON_COMPACT would (UTF-8 kept, control
 * characters, quote and backslash escaped). */
#include "api/compute/server_emit.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

void emit_tree(struct emit *e)
{
    memset(e, 0, sizeof(*e));
}

void emit_text(struct emit *e, struct buf *out)
{
    memset(e, 0, sizeof(*e));
    e->out = out;
}

json_t *emit_take(struct emit *e)
{
    json_t *root = e->root;
    e->root = NULL;
    return root;
}

/* Appends without buf_append's per-call terminator bookkeeping beyond
 * what a page of a megabyte needs. */
static inline void put_mem(struct buf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap)
        buf_append(b, p, n);
    else {
        memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
    }
}

static inline void put_char(struct buf *b, char c)
{
    put_mem(b, &c, 1);
}

/* Bytes a JSON string must escape: control characters, '"' and '\\'
 * (and the terminating NUL, which ends the scan). */
static inline bool needs_escape(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

static void put_escape(struct buf *b, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char esc[7] = { '\\', 0, 0, 0, 0, 0, 0 };
    switch (c) {
    case '"': esc[1] = '"'; break;
    case '\\': esc[1] = '\\'; break;
    case '\n': esc[1] = 'n'; break;
    case '\r': esc[1] = 'r'; break;
    case '\t': esc[1] = 't'; break;
    case '\b': esc[1] = 'b'; break;
    case '\f': esc[1] = 'f'; break;
    default:
        memcpy(esc + 1, "u00", 3);
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 15];
    }
    put_mem(b, esc, esc[2] ? 6 : 2);
}

/* Whether any of the 8 bytes in w needs escaping (may say yes for a
 * clean word: the caller then looks byte by byte). */
static inline bool word_needs_escape(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
    uint64_t control = (w - ones * 0x20) & ~w;
    return ((control | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash)) & high)
           != 0;
}

void emit_quoted(struct buf *b, const char *s)
{
    size_t n = strlen(s), i = 0, run = 0;
    put_char(b, '"');
    while (i < n) {
        uint64_t w;
        if (i + 8 <= n && (memcpy(&w, s + i, 8), !word_needs_escape(w))) {
            i += 8;
            continue;
        }
        unsigned char c = (unsigned char)s[i];
        if (needs_escape(c)) {
            put_mem(b, s + run, i - run);
            put_escape(b, c);
            run = i + 1;
        }
        i++;
    }
    put_mem(b, s + run, n - run);
    put_char(b, '"');
}

/* Text: the separator and "key": before a member. */
static void member(struct emit *e, const char *key)
{
    if (e->depth == 0)
        return;
    if (e->comma[e->depth - 1])
        put_char(e->out, ',');
    e->comma[e->depth - 1] = true;
    if (!e->array[e->depth - 1]) {
        emit_quoted(e->out, key);
        put_char(e->out, ':');
    }
}

/* Tree: attaches v (stolen) to the open container. */
static void attach(struct emit *e, const char *key, json_t *v)
{
    if (e->depth == 0) {
        json_decref(e->root);
        e->root = v;
        return;
    }
    json_t *parent = e->node[e->depth - 1];
    if (e->array[e->depth - 1])
        json_array_append_new(parent, v);
    else
        json_object_set_new(parent, key, v);
}

void emit_open(struct emit *e, const char *key, bool array)
{
    if (e->depth == EMIT_DEPTH)
        return;
    if (e->out) {
        member(e, key);
        put_char(e->out, array ? '[' : '{');
    } else {
        json_t *v = array ? json_array() : json_object();
        attach(e, key, v);
        e->node[e->depth] = v;
    }
    e->array[e->depth] = array;
    e->comma[e->depth] = false;
    e->depth++;
}

void emit_close(struct emit *e)
{
    if (e->depth == 0)
        return;
    e->depth--;
    if (e->out)
        put_char(e->out, e->array[e->depth] ? ']' : '}');
}

void emit_str(struct emit *e, const char *key, const char *v)
{
    if (!v) {
        emit_null(e, key);
    } else if (e->out) {
        member(e, key);
        emit_quoted(e->out, v);
    } else {
        attach(e, key, json_string(v));
    }
}

void emit_int(struct emit *e, const char *key, int64_t v)
{
    if (e->out) {
        char num[24];
        int n = snprintf(num, sizeof(num), "%lld", (long long)v);
        member(e, key);
        put_mem(e->out, num, (size_t)n);
    } else {
        attach(e, key, json_integer((json_int_t)v));
    }
}

void emit_bool(struct emit *e, const char *key, bool v)
{
    if (e->out) {
        member(e, key);
        put_mem(e->out, v ? "true" : "false", v ? 4 : 5);
    } else {
        attach(e, key, json_boolean(v));
    }
}

void emit_null(struct emit *e, const char *key)
{
    if (e->out) {
        member(e, key);
        put_mem(e->out, "null", 4);
    } else {
        attach(e, key, json_null());
    }
}

static int dump_to_buf(const char *text, size_t size, void *data)
{
    buf_append(data, text, size);
    return 0;
}

void emit_json(struct emit *e, const char *key, json_t *v)
{
    if (!v) {
        emit_null(e, key);
    } else if (e->out) {
        member(e, key);
        json_dump_callback(v, dump_to_buf, e->out, JSON_COMPACT | JSON_ENCODE_ANY);
    } else {
        attach(e, key, json_incref(v));
    }
}
