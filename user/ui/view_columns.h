/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to the view model: what each per-task view shows (view_columns.c)
 * and the table engine that lays it out (view_table.c).  A view's value
 * columns come from its record type's field table (model/fields.c); only
 * the identity columns (TID, COMMAND, DEVICE, ...) are listed here.
 */
#ifndef PT_VIEW_COLUMNS_H
#define PT_VIEW_COLUMNS_H

#include "fields.h"
#include "view.h"

#define VIEW_MAX_COLS 48
#define VIEW_TEXT_MAX PT_SITE_MAX	/* "[addr]:port", a wait site */

enum vcol_kind {
	VC_TID,		/* thread id */
	VC_TGID,	/* process id */
	VC_COMM,
	VC_CGROUP,
	VC_TEXT0,	/* device, local address */
	VC_TEXT1,	/* remote address */
	VC_VALUE,	/* a field of the record type */
};

struct vcol {
	const char *name;
	enum vcol_kind kind;
	unsigned char width;	/* flex: the minimum */
	unsigned char drop;	/* 0 never; higher is dropped first when narrow */
	bool flex;		/* grows to fit its content */
	/* VC_VALUE */
	int field;		/* index in the record type's table */
	bool rate;		/* per second of the interval */
	enum pt_colfmt fmt;	/* resolved: never PT_CF_AUTO */
	const char *letters;	/* PT_CF_FLAGS */
};

struct vtable {
	const char *title;		/* section title; NULL: none */
	const struct pt_record_type *rt;
	struct vcol cols[VIEW_MAX_COLS];
	int ncols;
	int default_sort;		/* column index; -1: snapshot order */
	int tie_sort;			/* second key on ties; -1 none */
	bool tasks;			/* filter, grouping and sort apply */
	bool filtered;			/* the filter applies (rows name a task) */
	const char *unit;		/* what a merged text cell counts */
	/* The text columns of one record (device, endpoints). */
	void (*text)(const void *rec, char text[2][VIEW_TEXT_MAX]);
};

/* The table that sorting, filtering and grouping act on, per view; NULL
 * for the findings view. */
const struct vtable *view_main_table(enum pt_view_id v);
/* The block view's device table, shown above its tasks. */
const struct vtable *view_device_table(void);
/* The scheduler view's wait sites, shown below its threads. */
const struct vtable *view_site_table(void);

#endif /* PT_VIEW_COLUMNS_H */
