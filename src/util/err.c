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
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return -1;
}

int cerr_internal(struct cerr *err, const char *what)
{
    log_error("internal error: %s", what);
    return cerr_set(err, 500, "Unexpected API Error. Please report this at "
                    "the cirrus issue tracker and attach the cirrusd log if "
                    "possible. (%s)", what);
}
