// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev resize NAME SIZE: change a region's size for every holder.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "shmdev.h"
#include "shmdev-tool.h"

static void help(FILE *out)
{
	fprintf(out, "Usage: shmdev resize NAME SIZE [--backend BACKEND]\n\n"
		"Change the size of a region for every holder.  SIZE in bytes, or\n"
		"with a K, M, G or T suffix (powers of 1024).  Growth reads as\n"
		"zeros; shrinking frees the memory past the new end (mappings of\n"
		"it get SIGBUS).  A kernel region's holders are told through its\n"
		"doorbell ('shmdev wait').  Needs write permission.\n\n"
		"  -B, --backend BACKEND  kernel, posix (default: SHMDEV_BACKEND, else\n"
		"                         kernel when the module is loaded, else\n"
		"                         posix); sysv regions cannot be resized\n");
}

static int do_resize(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "backend", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *backend = NULL;
	unsigned long long size;
	struct shmdev_region *r;
	int c, ret;

	while ((c = getopt_long(argc, argv, ":B:h", opts, NULL)) != -1) {
		switch (c) {
		case 'B':
			backend = optarg;
			break;
		case 'h':
			help(stdout);
			return EXIT_SUCCESS;
		default:
			return tool_bad_option("resize", c, argv, help);
		}
	}
	if (optind == argc)
		return tool_arg_error(help, "resize: missing NAME and SIZE");
	if (optind == argc - 1)
		return tool_arg_error(help, "resize: missing SIZE after NAME '%s'",
				      argv[optind]);
	if (optind != argc - 2)
		return tool_arg_error(help, "resize: unexpected argument '%s'",
				      argv[optind + 2]);
	if (parse_size(argv[optind + 1], &size) || !size) {
		fprintf(stderr, "shmdev: could not parse size '%s': want a positive number with an optional K, M, G or T\n",
			argv[optind + 1]);
		return EXIT_FAILURE;
	}
	if (tool_open_region(backend, argv[optind], 0, &r))
		return EXIT_FAILURE;
	ret = shmdev_region_resize(r, (size_t)size);
	if (ret) {
		tool_err(ret, "resize region %s", argv[optind]);
		shmdev_region_close(r);
		return EXIT_FAILURE;
	}
	printf("resized %s to %zu bytes\n", argv[optind], shmdev_region_size(r));
	shmdev_region_close(r);
	return EXIT_SUCCESS;
}

const struct shmdev_cmd shmdev_cmd_resize = {
	.name = "resize",
	.fn = do_resize,
	.help = "change a region's size",
};
