// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus textfile is written beside its path and renamed over it,
 * so only a regular file (or none yet) may be the target: a device node
 * (--prom /dev/null as root) or a FIFO would be replaced by a regular
 * file.  The reference is the file system: the node's type afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "report.h"

static int run(const char *path)
{
	struct pt_header hdr = { .nr_cpus = 1 };
	struct pt_detect_config cfg;
	struct pt_report r = { .command = "scan" };
	struct pt_summary sum;
	struct pt_window *w;
	int err, saved = dup(STDERR_FILENO);
	FILE *devnull = fopen("/dev/null", "w");

	pt_detect_defaults(&cfg);
	w = pt_window_new(&cfg);
	pt_summary_init(&sum, false);
	r.header = &hdr;
	r.cfg = &cfg;
	r.win = w;
	r.sum = &sum;
	pt_report_decide(&r);
	dup2(fileno(devnull), STDERR_FILENO);	/* the expected error line */
	err = pt_report_prom(path, &r);
	dup2(saved, STDERR_FILENO);
	close(saved);
	fclose(devnull);
	pt_window_free(w);
	pt_summary_free(&sum);
	return err;
}

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_prom_target(void **state)
{
	char dir[] = "/tmp/pt-test-report-XXXXXX", fifo[64], file[64], link[64];
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(file, sizeof(file), "%s/perftop.prom", dir);
	snprintf(link, sizeof(link), "%s/null", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(symlink("/dev/null", link), 0);

	assert_int_not_equal(run(fifo), 0);
	assert_int_equal(stat(fifo, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_not_equal(run(link), 0);	/* a link to a device */
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(run(file), 0);		/* new, then replaced */
	assert_int_equal(run(file), 0);
	assert_int_equal(stat(file, &st), 0);
	assert_true(S_ISREG(st.st_mode) && st.st_size > 0);
	assert_int_equal(entries(dir), 3);	/* no temporary files left */

	unlink(fifo);
	unlink(link);
	unlink(file);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prom_target),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
