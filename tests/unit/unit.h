/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef SHMDEV_UNIT_H
#define SHMDEV_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shmdev.h"

/*
 * The backends named in SHMDEV_TEST_BACKENDS (default: the user-space
 * ones, "memfd sysv posix"), into @out (at most @max).  Returns how many;
 * 0 means none was named, which the caller must treat as a failure.
 */
static inline int unit_backends(enum shmdev_backend *out, int max)
{
	const char *env = getenv("SHMDEV_TEST_BACKENDS");
	char buf[128], *tok, *save;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", env ? env : "memfd sysv posix");
	for (tok = strtok_r(buf, " ,", &save); tok && n < max;
	     tok = strtok_r(NULL, " ,", &save))
		if (shmdev_backend_parse(tok, &out[n]) == 0 &&
		    out[n] != SHMDEV_BACKEND_DEFAULT)
			n++;
	if (!n)
		fprintf(stderr, "SHMDEV_TEST_BACKENDS names no backend\n");
	return n;
}

#endif
