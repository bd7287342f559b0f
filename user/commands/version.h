/* SPDX-License-Identifier: GPL-2.0 */
#ifndef PT_VERSION_H
#define PT_VERSION_H
#define PT_VERSION "0.1.0"
#endif
