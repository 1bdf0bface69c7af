// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev rm NAME...: unlink kernel regions.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "shmdev.h"
#include "shmdev-tool.h"

static void help(FILE *out)
{
	fprintf(out, "Usage: shmdev rm NAME...\n\n"
		"Remove the names; each region's memory goes with its last user.\n");
}

static int do_rm(int argc, char *argv[])
{
	int c, ret, status = EXIT_SUCCESS;

	c = tool_parse_help_only(argc, argv, help);
	if (c >= 0)
		return c;
	if (optind >= argc) {
		help(stderr);
		return EXIT_FAILURE;
	}
	for (; optind < argc; optind++) {
		ret = shmdev_region_unlink(SHMDEV_BACKEND_KERNEL, argv[optind]);
		if (ret) {
			tool_err(ret, "remove region %s", argv[optind]);
			status = EXIT_FAILURE;
		}
	}
	return status;
}

const struct shmdev_cmd shmdev_cmd_rm = {
	.name = "rm",
	.fn = do_rm,
	.help = "remove region names",
};
