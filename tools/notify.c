// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev notify NAME: ring a region's doorbell.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "shmdev.h"
#include "shmdev-tool.h"

static void help(FILE *out)
{
	fprintf(out, "Usage: shmdev notify NAME [--backend BACKEND]\n\n"
		"Ring the doorbell of a kernel region: every holder waiting in\n"
		"'shmdev wait', poll(2) or shmdev_region_wait() wakes, and every\n"
		"open of it counts one more event.  Needs read permission.\n\n"
		"  -B, --backend BACKEND  kernel (default: SHMDEV_BACKEND, else kernel\n"
		"                         when the module is loaded, else posix); the\n"
		"                         other backends have no doorbell\n");
}

static int do_notify(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "backend", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *backend = NULL;
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
			return tool_bad_option("notify", c, argv, help);
		}
	}
	ret = tool_one_name("notify", argc, argv, help);
	if (ret >= 0)
		return ret;
	if (tool_open_region(backend, argv[optind], SHMDEV_REGION_RDONLY, &r))
		return EXIT_FAILURE;
	ret = shmdev_region_notify(r);
	shmdev_region_close(r);
	if (ret) {
		tool_err(ret, "notify region %s", argv[optind]);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

const struct shmdev_cmd shmdev_cmd_notify = {
	.name = "notify",
	.fn = do_notify,
	.help = "ring a region's doorbell",
};
