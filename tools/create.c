// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev create NAME SIZE: a persistent kernel region.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shmdev.h"
#include "shmdev-tool.h"

static void help(FILE *out)
{
	fprintf(out, "Usage: shmdev create NAME SIZE --persist [--mode MODE] [--populate]\n\n"
		"Create a kernel region.  SIZE in bytes, or with a K, M, G or T\n"
		"suffix (powers of 1024).\n\n"
		"  -p, --persist    keep it until 'shmdev rm NAME' (required: a\n"
		"                   region without it is freed when this command\n"
		"                   exits)\n"
		"  -m, --mode MODE  octal permission bits (default 0600)\n"
		"  -P, --populate   allocate all memory now\n");
}

static int do_create(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "persist", no_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "populate", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int flags = SHMDEV_REGION_EXCL, mode = 0600;
	unsigned long long size;
	struct shmdev_region *r;
	char *end;
	int c, ret;

	while ((c = getopt_long(argc, argv, ":pm:Ph", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			flags |= SHMDEV_REGION_PERSIST;
			break;
		case 'm':
			errno = 0;
			mode = (unsigned int)strtoul(optarg, &end, 8);
			if (errno || *end || end == optarg || mode > 0777) {
				fprintf(stderr, "shmdev: could not parse mode '%s': want octal 0 to 0777\n",
					optarg);
				return EXIT_FAILURE;
			}
			break;
		case 'P':
			flags |= SHMDEV_REGION_POPULATE;
			break;
		case 'h':
			help(stdout);
			return EXIT_SUCCESS;
		default:
			return tool_bad_option("create", c, argv, help);
		}
	}
	if (optind == argc)
		return tool_arg_error(help, "create: missing NAME and SIZE");
	if (optind == argc - 1)
		return tool_arg_error(help, "create: missing SIZE after NAME '%s'",
				      argv[optind]);
	if (optind != argc - 2)
		return tool_arg_error(help, "create: unexpected argument '%s'",
				      argv[optind + 2]);
	if (parse_size(argv[optind + 1], &size) || !size) {
		fprintf(stderr, "shmdev: could not parse size '%s': want a positive number with an optional K, M, G or T\n",
			argv[optind + 1]);
		return EXIT_FAILURE;
	}
	if (!(flags & SHMDEV_REGION_PERSIST)) {
		tool_err(-EINVAL, "create region %s without --persist (it would be freed when shmdev exits)",
			 argv[optind]);
		return EXIT_FAILURE;
	}
	if (tool_need_module())
		return EXIT_FAILURE;
	ret = shmdev_region_create(SHMDEV_BACKEND_KERNEL, argv[optind],
				   (size_t)size, flags, mode, &r);
	if (ret) {
		tool_err(ret, "create region %s", argv[optind]);
		return EXIT_FAILURE;
	}
	printf("created %s, %zu bytes, mode %04o\n", argv[optind],
	       shmdev_region_size(r), mode);
	shmdev_region_close(r);
	return EXIT_SUCCESS;
}

const struct shmdev_cmd shmdev_cmd_create = {
	.name = "create",
	.fn = do_create,
	.help = "create a persistent kernel region",
};
