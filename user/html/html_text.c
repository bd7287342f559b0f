// SPDX-License-Identifier: GPL-2.0
/* Text in the HTML report: escaping untrusted names, numbers, times. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "html_impl.h"
#include "util.h"

#define REPLACEMENT "\xef\xbf\xbd"	/* U+FFFD */

static uint32_t code_point(const unsigned char *p, size_t n)
{
	static const unsigned char lead_mask[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t cp = p[0] & lead_mask[n];
	size_t i;

	for (i = 1; i < n; i++)
		cp = cp << 6 | (p[i] & 0x3f);
	return cp;
}

/*
 * Command names, cgroup paths, device names and the hostname come from
 * whoever runs on the traced machine: markup in them must stay text, and
 * what HTML and XML call a parse error (controls, C1 controls,
 * noncharacters, bytes that are not UTF-8) is shown as U+FFFD, so the
 * page stays well-formed and says that something was there.
 */
void pt_html_esc(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = pt_utf8_seq(p);
		uint32_t cp;

		if (!n) {
			fputs(REPLACEMENT, f);
			p++;
			continue;
		}
		cp = code_point(p, n);
		switch (cp) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if ((cp < 0x20 && cp != '\n' && cp != '\t') ||
			    (cp >= 0x7f && cp <= 0x9f) ||
			    (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
				fputs(REPLACEMENT, f);
			else
				fwrite(p, 1, n, f);
		}
		p += n;
	}
}

void pt_html_escf(FILE *f, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pt_html_esc(f, buf);
}

const char *pt_html_num(double v, char *buf, size_t len)
{
	double a = fabs(v);
	char *dot;

	if (isnan(v))
		return pt_strlcpy(buf, "n/a", len), buf;
	if (a >= 100 || a == 0)
		snprintf(buf, len, "%.0f", v);
	else if (a >= 10)
		snprintf(buf, len, "%.1f", v);
	else if (a >= 0.01)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.2g", v);
	/* 0.50 -> 0.5, 2.00 -> 2 (not after an exponent) */
	dot = strchr(buf, '.');
	if (dot && !strchr(buf, 'e')) {
		char *end = buf + strlen(buf);

		while (end > dot + 1 && end[-1] == '0')
			*--end = '\0';
		if (end == dot + 1)
			*dot = '\0';
	}
	return buf;
}

const char *pt_html_clock(uint64_t ns, bool ms, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (ms)
		snprintf(buf, len, "%02d:%02d:%02d.%03u", tm.tm_hour, tm.tm_min,
			 tm.tm_sec, (unsigned int)(ns / 1000000ull % 1000));
	else
		snprintf(buf, len, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min,
			 tm.tm_sec);
	return buf;
}

const char *pt_html_duration(uint64_t ns, char *buf, size_t len)
{
	uint64_t s = (ns + 500000000ull) / 1000000000ull;

	if (ns < 60000000000ull)
		snprintf(buf, len, "%.1f s", (double)ns / 1e9);
	else if (s < 3600)
		snprintf(buf, len, "%u min %u s", (unsigned int)(s / 60),
			 (unsigned int)(s % 60));
	else
		snprintf(buf, len, "%u h %u min", (unsigned int)(s / 3600),
			 (unsigned int)(s % 3600 / 60));
	return buf;
}
