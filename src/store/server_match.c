/* server_match.c - the regular expressions of server list filters. Nova
 * matches name, ip and most other filters with Python's re.search (the
 * SQLite REGEXP function it registers) or the database's REGEXP: an
 * unanchored, case-sensitive search. cirrus evaluates them with POSIX
 * extended regexes after translating the Python-only escapes. */
#include "store/server_read.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

/* Python class escapes and their POSIX bracket contents. */
static const char *class_body(char c)
{
    switch (c) {
    case 'd': return "0-9";
    case 'w': return "[:alnum:]_";
    case 's': return "[:space:]";
    default: return NULL;
    }
}

/* Inside [...]: \d, \w, \s become their members; any other escaped
 * character stands for itself (POSIX brackets have no escapes). Returns
 * the index just past the closing ']' or -1 when unterminated. */
static int translate_bracket(const char *p, int i, struct buf *out)
{
    buf_puts(out, "[");
    i++;
    if (p[i] == '^')
        buf_append(out, &p[i++], 1);
    if (p[i] == ']')
        buf_append(out, &p[i++], 1);
    for (; p[i] && p[i] != ']'; i++) {
        if (p[i] == '\\' && p[i + 1]) {
            const char *body = class_body(p[i + 1]);
            if (body)
                buf_puts(out, body);
            else if (p[i + 1] == '\\')
                buf_puts(out, "\\");
            else
                buf_append(out, &p[i + 1], 1);
            i++;
        } else if (p[i] == '[' && p[i + 1] == ':') {
            const char *end = strstr(p + i + 2, ":]");
            if (!end)
                return -1;
            buf_append(out, p + i, (size_t)(end + 2 - (p + i)));
            i = (int)(end + 1 - p);
        } else {
            buf_append(out, &p[i], 1);
        }
    }
    if (p[i] != ']')
        return -1;
    buf_puts(out, "]");
    return i + 1;
}

/* An escape outside brackets: \d \D \w \W \s \S become bracket
 * expressions, Python's \A \Z anchors map to ^ $, others stay. */
static int translate_escape(const char *p, int i, struct buf *out)
{
    char c = p[i + 1];
    const char *body = class_body((char)(c | 0x20));
    if (body && (c == 'd' || c == 'w' || c == 's')) {
        buf_printf(out, "[%s]", body);
    } else if (body) {
        buf_printf(out, "[^%s]", body);
    } else if (c == 'A') {
        buf_puts(out, "^");
    } else if (c == 'Z') {
        buf_puts(out, "$");
    } else if (c == '\0') {
        return -1;   /* trailing backslash: Python rejects it too */
    } else {
        buf_append(out, p + i, 2);
    }
    return i + 2;
}

static char *translate(const char *p)
{
    struct buf out = {0};
    int i = 0;
    buf_puts(&out, "");
    while (p[i]) {
        if (p[i] == '\\') {
            i = translate_escape(p, i, &out);
        } else if (p[i] == '[') {
            i = translate_bracket(p, i, &out);
        } else if (p[i] == '(' && p[i + 1] == '?' && p[i + 2] == ':') {
            buf_puts(&out, "(");   /* non-capturing group: same match */
            i += 3;
        } else {
            buf_append(&out, &p[i], 1);
            i++;
        }
        if (i < 0) {
            buf_free(&out);
            return NULL;
        }
    }
    return out.data;
}

int server_regex_compile(regex_t *re, const char *pattern)
{
    char *posix = translate(pattern);
    if (!posix)
        return -1;
    int rc = regcomp(re, posix, REG_EXTENDED | REG_NOSUB);
    free(posix);
    return rc == 0 ? 0 : -1;
}

bool server_regex_is_literal(const char *pattern)
{
    return strpbrk(pattern, ".^$*+?()[]{}|\\") == NULL;
}
