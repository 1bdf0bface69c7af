// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev rm NAME...: unlink kernel regions; rm --id ID...: an
 * administrator's removal of any namespace's region.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "shmdev.h"
#include "shmdev-tool.h"

static void help(FILE *out)
{
	fprintf(out, "Usage: shmdev rm NAME...\n"
		"       shmdev rm --id ID...\n\n"
		"Remove the names; each region's memory goes with its last user.\n\n"
		"  -i, --id   remove the regions with these ids (from shmdev ls --all),\n"
		"             in any IPC namespace; needs CAP_SYS_ADMIN\n");
}

/* Every argument an id (decimal), or an error naming the first that is not. */
static int parse_ids(int argc, char *argv[], unsigned long long *ids)
{
	char *end;
	int i;

	for (i = 0; i < argc; i++) {
		errno = 0;
		ids[i] = strtoull(argv[i], &end, 10);
		if (errno || end == argv[i] || *end || argv[i][0] == '-') {
			fprintf(stderr, "shmdev: could not parse region id '%s': not a number\n",
				argv[i]);
			return -1;
		}
	}
	return 0;
}

static int rm_ids(int argc, char *argv[])
{
	unsigned long long *ids = calloc((size_t)argc, sizeof(*ids));
	struct shmdev_remove rm;
	int dev, i, status = EXIT_SUCCESS;

	if (!ids) {
		tool_err(-ENOMEM, "allocate %d ids", argc);
		return EXIT_FAILURE;
	}
	if (parse_ids(argc, argv, ids)) {
		free(ids);
		return EXIT_FAILURE;
	}
	if (tool_need_module()) {
		free(ids);
		return EXIT_FAILURE;
	}
	dev = shmdev_kernel_open();
	if (dev < 0) {
		tool_err(dev, "open /dev/shmlist");
		free(ids);
		return EXIT_FAILURE;
	}
	for (i = 0; i < argc; i++) {
		memset(&rm, 0, sizeof(rm));
		rm.id = ids[i];
		if (ioctl(dev, SHMDEV_IOC_REMOVE, &rm)) {
			tool_err(-errno, "remove region id %llu", ids[i]);
			status = EXIT_FAILURE;
		}
	}
	close(dev);
	free(ids);
	return status;
}

static int do_rm(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "id", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, ret, by_id = 0, status = EXIT_SUCCESS;

	while ((c = getopt_long(argc, argv, "+:ih", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			by_id = 1;
			break;
		case 'h':
			help(stdout);
			return EXIT_SUCCESS;
		default:
			return tool_bad_option("rm", c, argv, help);
		}
	}
	if (optind >= argc)
		return tool_arg_error(help, by_id ? "rm: missing ID" :
				      "rm: missing NAME");
	if (by_id)
		return rm_ids(argc - optind, argv + optind);
	if (tool_need_module())
		return EXIT_FAILURE;
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
