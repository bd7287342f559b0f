// SPDX-License-Identifier: GPL-2.0
/* Durations, sizes and points in time as operators type them (units.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "units.h"

#define NS_PER_S 1000000000ull

/* A plain decimal number > 0 (digits, at most one '.') at the start of s;
 * *end after it.  strtod alone would take hex, "inf", exponents, blanks. */
static int leading_number(const char *s, double *v, const char **end)
{
	const char *p = s;
	int dots = 0, digits_seen = 0;
	char *e;

	for (; (*p >= '0' && *p <= '9') || *p == '.'; p++) {
		dots += *p == '.';
		digits_seen += *p != '.';
	}
	if (!digits_seen || dots > 1 || p - s > 32)
		return -EINVAL;
	errno = 0;
	*v = strtod(s, &e);
	if (errno || e != p || !isfinite(*v) || *v <= 0)
		return -EINVAL;
	*end = e;
	return 0;
}

int pt_parse_duration(const char *s, uint64_t *ns)
{
	static const struct { char unit; double secs; } units[] = {
		{ .unit = 's', .secs = 1 }, { .unit = 'm', .secs = 60 },
		{ .unit = 'h', .secs = 3600 }, { .unit = 'd', .secs = 86400 },
		{ .unit = 'w', .secs = 7 * 86400 },
	};
	const char *end;
	double v, mult = 1;
	size_t i;

	if (leading_number(s, &v, &end))
		return -EINVAL;
	if (*end) {
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (end[0] == units[i].unit && !end[1])
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			return -EINVAL;
		mult = units[i].secs;
	}
	v *= mult * 1e9;
	if (v < 1 || v > 1e18)		/* 31 years: fits every u64 sum */
		return -EINVAL;
	*ns = (uint64_t)llround(v);
	return 0;
}

int pt_parse_size(const char *s, uint64_t *bytes)
{
	static const char units[] = "KMGT";
	const char *end, *u;
	double v, mult = 1;

	if (leading_number(s, &v, &end))
		return -EINVAL;
	if (*end) {
		u = strchr(units, toupper((unsigned char)*end));
		if (!u || !*end)
			return -EINVAL;
		mult = ldexp(1, 10 * (int)(u - units + 1));
		end++;
		if (!strcmp(end, "iB") || !strcmp(end, "B"))
			end += strlen(end);
		if (*end)
			return -EINVAL;
	}
	v *= mult;
	if (v < 1 || v > 1e18)
		return -EINVAL;
	*bytes = (uint64_t)llround(v);
	return 0;
}

/* Exactly n digits at *p: their value, *p advanced; -1 otherwise. */
static int digits(const char **p, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return v;
}

/* HH:MM[:SS[.frac]] into tm (and *frac_ns); false on anything else. */
static bool clock_part(const char **p, struct tm *tm, uint64_t *frac_ns)
{
	int h = digits(p, 2), m = -1, sec = 0;

	if (h >= 0 && **p == ':') {
		(*p)++;
		m = digits(p, 2);
	}
	if (m < 0 || h > 23 || m > 59)
		return false;
	if (**p == ':') {
		(*p)++;
		sec = digits(p, 2);
		if (sec < 0 || sec > 60)
			return false;
		if (**p == '.') {
			uint64_t scale = NS_PER_S / 10;

			if (!isdigit((unsigned char)(*p)[1]))
				return false;
			for ((*p)++; isdigit((unsigned char)**p); (*p)++) {
				*frac_ns += (uint64_t)(**p - '0') * scale;
				scale /= 10;
			}
		}
	}
	tm->tm_hour = h;
	tm->tm_min = m;
	tm->tm_sec = sec;
	return true;
}

/* Z, +HH:MM, -HHMM: seconds east of UTC. */
static bool zone_part(const char *p, long *east)
{
	int sign, h, m;

	if (!strcmp(p, "Z") || !strcmp(p, "z")) {
		*east = 0;
		return true;
	}
	if (*p != '+' && *p != '-')
		return false;
	sign = *p++ == '-' ? -1 : 1;
	h = digits(&p, 2);
	if (*p == ':')
		p++;
	m = digits(&p, 2);
	if (h < 0 || m < 0 || h > 23 || m > 59 || *p)
		return false;
	*east = sign * (h * 3600L + m * 60L);
	return true;
}

static int to_ns(time_t secs, uint64_t frac_ns, uint64_t *out)
{
	if (secs < 0)
		return -EINVAL;
	*out = (uint64_t)secs * NS_PER_S + frac_ns;
	return 0;
}

/* 2026-11-23[(T| )HH:MM[:SS[.f]]][zone] */
static int parse_date(const char *s, uint64_t *out)
{
	const char *p = s;
	struct tm tm = { 0 };
	uint64_t frac = 0;
	int y = digits(&p, 4), mo, d;
	long east;
	time_t t;

	if (y < 1970 || *p++ != '-')
		return -EINVAL;
	mo = digits(&p, 2);
	if (mo < 1 || mo > 12 || *p++ != '-')
		return -EINVAL;
	d = digits(&p, 2);
	if (d < 1 || d > 31)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (!clock_part(&p, &tm, &frac))
			return -EINVAL;
	}
	if (!*p) {			/* no zone: the machine's local time */
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (t == (time_t)-1 || tm.tm_mday != d)
			return -EINVAL;
		return to_ns(t, frac, out);
	}
	if (!zone_part(p, &east))
		return -EINVAL;
	t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != d)	/* Feb 30 normalised away */
		return -EINVAL;
	return to_ns(t - east, frac, out);
}

/* HH:MM[:SS]: today's, or yesterday's if that is still ahead. */
static int parse_clock(const char *s, uint64_t now_ns, uint64_t *out)
{
	time_t now = (time_t)(now_ns / NS_PER_S), t;
	const char *p = s;
	struct tm tm;
	uint64_t frac = 0;
	int h, m, sec;

	localtime_r(&now, &tm);
	if (!clock_part(&p, &tm, &frac) || *p)
		return -EINVAL;
	h = tm.tm_hour;
	m = tm.tm_min;
	sec = tm.tm_sec;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	if ((uint64_t)t * NS_PER_S + frac > now_ns) {
		localtime_r(&now, &tm);
		tm.tm_mday -= 1;
		tm.tm_hour = h;
		tm.tm_min = m;
		tm.tm_sec = sec;
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (t == (time_t)-1)
			return -EINVAL;
	}
	return to_ns(t, frac, out);
}

int pt_parse_when(const char *s, uint64_t now_ns, uint64_t *out_ns)
{
	uint64_t d;

	if (!strcmp(s, "now")) {
		*out_ns = now_ns;
		return 0;
	}
	if (s[0] == '-') {
		if (pt_parse_duration(s + 1, &d) || d > now_ns)
			return -EINVAL;
		*out_ns = now_ns - d;
		return 0;
	}
	if (s[0] == '@') {
		const char *p = s + 1;
		uint64_t secs = 0;
		int n = 0;

		for (; isdigit((unsigned char)*p) && n < 12; p++, n++)
			secs = secs * 10 + (uint64_t)(*p - '0');
		if (!n || *p)
			return -EINVAL;
		*out_ns = secs * NS_PER_S;
		return 0;
	}
	if (strlen(s) >= 10 && s[4] == '-')
		return parse_date(s, out_ns);
	return parse_clock(s, now_ns, out_ns);
}
