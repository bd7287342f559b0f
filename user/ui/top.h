/* SPDX-License-Identifier: GPL-2.0 */
/* Batch text shared by `top -b` and a replay whose output is not a
 * terminal: the same lines the interactive views draw. */
#ifndef PT_TOP_H
#define PT_TOP_H

#include <stdio.h>

#include "view.h"

/* Width for plain text: $COLUMNS, else the terminal's, else 160. */
int pt_batch_width(void);
/* Header, every requested family's view, findings; 1 when the reader
 * closed the pipe (stop quietly), -EIO on a failed write (error printed). */
int pt_batch_screen(FILE *out, const struct pt_view_ctx *ctx, int width);

#endif /* PT_TOP_H */
