/* err.c - filling struct cerr. */
#include "util/err.h"
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>

int cerr_set(struct cerr *err, int status, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    err->status = status;
    int n = vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    /* Cut inside a UTF-8 character (messages echo client text): drop the
     * partial character so the message stays valid text. */
    if (n >= (int)sizeof(err->message)) {
        size_t end = sizeof(err->message) - 1;
        size_t start = end;
        while (start > 0 && ((unsigned char)err->message[start - 1] & 0xc0) == 0x80)
            start--;
        if (start > 0 && (unsigned char)err->message[start - 1] >= 0xc0) {
            unsigned char lead = (unsigned char)err->message[start - 1];
            size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
            if (end - (start - 1) < need)
                err->message[start - 1] = '\0';
        }
    }
    return -1;
}

int cerr_internal(struct cerr *err, const char *what)
{
    log_error("internal error: %s", what);
    return cerr_set(err, 500, "Unexpected API Error. Please report this at "
                    "the cirrus issue tracker and attach the cirrusd log if "
                    "possible. (%s)", what);
}
