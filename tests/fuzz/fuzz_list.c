// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target: attach to and use a list over arbitrary region
 * contents.  Whatever the bytes, the library must answer with values or
 * errors and never touch memory outside the buffer (ASan checks).
 *
 *   make fuzz FUZZ_SECONDS=600     a longer run
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shmdev.h"

static void sink(const void *p, size_t n)
{
	volatile unsigned char x = 0;
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		x ^= b[i];
	(void)x;
}

static void bump(void *elems, size_t first, size_t count, void *arg)
{
	unsigned char *e = elems;

	(void)arg;
	if (count)
		e[first] ^= 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct shmdev_list *l;
	struct shmdev_value v;
	unsigned char *mem, elem[16], out[64];
	int64_t len;
	size_t i, cap;

	/* The region is exactly the input (at least 1 byte). */
	mem = malloc(size ? size : 1);
	if (!mem)
		return 0;
	memcpy(mem, data, size);
	if (shmdev_list_attach_buffer(mem, size, &l) == 0) {
		len = shmdev_list_len(l);
		cap = shmdev_list_capacity(l);
		for (i = 0; i < 8 && len > 0 && i < (size_t)len; i++) {
			if (shmdev_list_type(l) == SHMDEV_T_MIXED) {
				if (shmdev_list_get_value(l, i, &v) == 0 &&
				    (v.kind == SHMDEV_KIND_STR ||
				     v.kind == SHMDEV_KIND_BYTES))
					sink(v.ptr, v.len);
				v.kind = SHMDEV_KIND_BYTES;
				v.ptr = "fuzz";
				v.len = 4;
				shmdev_list_set_value(l, i, &v);
			} else {
				shmdev_list_get(l, i, elem);
				shmdev_list_set(l, i, elem);
			}
		}
		if (len > 0) {
			size_t n = (size_t)len < 4 ? (size_t)len : 4;

			shmdev_list_get_range(l, (size_t)len - n, n, out);
			shmdev_list_apply(l, 0, n, bump, NULL);
		}
		if (cap)
			shmdev_list_set_len(l, cap - 1);
		shmdev_list_append(l, elem);
		shmdev_list_detach(l);
	}
	free(mem);
	return 0;
}
