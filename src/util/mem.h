/* mem.h - allocation that aborts on exhaustion, and small string helpers.
 *
 * cirrus treats out-of-memory as fatal on purpose: a half-handled OOM in a
 * request path is how partial writes happen. Everything else is an error
 * value (util/err.h). */
#ifndef CIRRUS_MEM_H
#define CIRRUS_MEM_H

#include <stdbool.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);               /* NULL in, NULL out */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copies src into dst[size], always NUL-terminated (a cut never splits a
 * UTF-8 character); true when it fit. */
bool str_copy(char *dst, size_t size, const char *src);
bool str_eq(const char *a, const char *b);  /* NULL-safe strcmp()==0 */

/* A growable byte buffer. */
struct buf {
    char *data;
    size_t len, cap;
};
void buf_append(struct buf *b, const void *data, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);

#endif
