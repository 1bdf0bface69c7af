// SPDX-License-Identifier: LGPL-2.1-or-later
/* Write valid lists of every type into DIR, as seeds for fuzz_list. */
#include <stdio.h>
#include <string.h>

#include "shmdev.h"

static int write_seed(const char *dir, const char *name, const void *p,
		      size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n) {
		perror(path);
		return 1;
	}
	return fclose(f) != 0;
}

int main(int argc, char **argv)
{
	static const enum shmdev_type types[] = {
		SHMDEV_T_INT64, SHMDEV_T_UINT64, SHMDEV_T_DOUBLE,
		SHMDEV_T_INT32, SHMDEV_T_FLOAT, SHMDEV_T_UINT8,
	};
	static unsigned char mem[1024];
	struct shmdev_list *l;
	struct shmdev_value v;
	char name[32];
	unsigned int t;
	int err = 0;

	if (argc != 2)
		return 2;
	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		size_t n = shmdev_list_bytes(types[t], 6, 0);

		memset(mem, 0, sizeof(mem));
		shmdev_list_format(mem, n, types[t], 6, 0);
		shmdev_list_attach_buffer(mem, n, &l);
		shmdev_list_set_len(l, 4);
		shmdev_list_detach(l);
		snprintf(name, sizeof(name), "typed-%u", types[t]);
		err |= write_seed(argv[1], name, mem, n);
	}
	memset(mem, 0, sizeof(mem));
	shmdev_list_format(mem, 512, SHMDEV_T_MIXED, 6, 128);
	shmdev_list_attach_buffer(mem, 512, &l);
	shmdev_list_set_len(l, 6);
	memset(&v, 0, sizeof(v));
	v.kind = SHMDEV_KIND_INT;
	v.i = 42;
	shmdev_list_set_value(l, 0, &v);
	v.kind = SHMDEV_KIND_STR;
	v.ptr = "h\xc3\xa9llo\0x";
	v.len = 8;
	shmdev_list_set_value(l, 1, &v);
	v.kind = SHMDEV_KIND_BYTES;
	v.ptr = "\x00\x01\x02";
	v.len = 3;
	shmdev_list_set_value(l, 2, &v);
	v.kind = SHMDEV_KIND_FLOAT;
	v.f = 1.5;
	shmdev_list_set_value(l, 3, &v);
	v.kind = SHMDEV_KIND_BOOL;
	v.b = 1;
	shmdev_list_set_value(l, 4, &v);
	shmdev_list_detach(l);
	err |= write_seed(argv[1], "mixed", mem, 512);
	return err;
}
