/* console_text.h - what os-getConsoleOutput makes of a driver's console
 * log: Nova's manager._tail_log, its ASCII decode and the API's removal of
 * control characters. Pure text, unit-tested (tests/unit/test_console_text.c). */
#ifndef CIRRUS_CONSOLE_TEXT_H
#define CIRRUS_CONSOLE_TEXT_H

#include <stdbool.h>
#include <stdint.h>

/* The text the API answers for log (caller frees): the last `length`
 * lines when has_length, as Python's log.split('\n')[-length:] (so a
 * negative length drops lines from the top and 0 gives ""), bytes >= 0x80
 * as U+FFFD, and [\x00-\x08\x0B-\x1F] removed. Always valid UTF-8. */
char *console_tail(const char *log, bool has_length, int64_t length);

#endif
