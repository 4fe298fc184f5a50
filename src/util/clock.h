/* clock.h - time as int64 microseconds since the epoch, and the two text
 * forms Nova uses: "2013-07-23T11:33:21Z" and "2013-07-23T11:33:21.000000". */
#ifndef CIRRUS_CLOCK_H
#define CIRRUS_CLOCK_H

#include <stdint.h>

#define CLOCK_TEXT_MAX 40

int64_t clock_now_us(void);
/* "YYYY-MM-DDTHH:MM:SSZ" (created/updated fields). */
void clock_iso(int64_t us, char out[CLOCK_TEXT_MAX]);
/* "YYYY-MM-DDTHH:MM:SS.ffffff" (launched_at, migrations, actions). */
void clock_iso_usec(int64_t us, char out[CLOCK_TEXT_MAX]);
/* "YYYY-MM-DDTHH:MM:SS.ffffffZ" (Keystone expires_at/issued_at). */
void clock_iso_usec_z(int64_t us, char out[CLOCK_TEXT_MAX]);
/* Parses ISO 8601 date-times as Nova accepts them (date, optional time,
 * optional fraction, Z or +HH:MM offset, or none = UTC). 0 ok, -1 invalid. */
int clock_parse_iso(const char *s, int64_t *out_us);

#endif
