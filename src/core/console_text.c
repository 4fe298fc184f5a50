/* console_text.c - os-getConsoleOutput's text handling (console_text.h):
 * nova/compute/manager.py get_console_output/_tail_log and the regex of
 * nova/api/openstack/compute/console_output.py. */
#include "core/console_text.h"
#include "util/mem.h"

#include <string.h>

/* log.split('\n')[-length:] for length != 0. */
static const char *tail_start(const char *log, int64_t length)
{
    int64_t n = 1;
    for (const char *p = log; *p; p++)
        n += *p == '\n';
    int64_t skip = length > 0 ? (length >= n ? 0 : n - length) : (-length >= n ? n : -length);
    if (skip >= n)
        return NULL;
    const char *p = log;
    for (int64_t i = 0; i < skip; i++)
        p = strchr(p, '\n') + 1;
    return p;
}

char *console_tail(const char *log, bool has_length, int64_t length)
{
    struct buf b = {0};
    buf_puts(&b, "");
    const char *p = !log || (has_length && length == 0) ? NULL
                    : has_length ? tail_start(log, length) : log;
    for (const unsigned char *c = (const unsigned char *)p; c && *c; c++) {
        /* output.decode('ascii', 'replace'), then the API's filter. */
        if (*c >= 0x80)
            buf_puts(&b, "\xEF\xBF\xBD");
        else if (*c == '\t' || *c == '\n' || *c >= 0x20)
            buf_append(&b, c, 1);
    }
    return b.data;
}
