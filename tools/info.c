// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev info: what the kernel module reports about itself.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "shmdev.h"
#include "shmdev-tool.h"

static void help(FILE *out)
{
	fprintf(out, "Usage: shmdev info\n\n"
		"Show the module's version, ABI, features, limits and usage\n"
		"as %s reports them.\n", SHMDEV_DEVICE_PATH);
}

static void print_limit(const char *name, uint64_t v)
{
	if (v)
		printf("%-18s %" PRIu64 "\n", name, v);
	else
		printf("%-18s none\n", name);
}

static int do_info(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct shmdev_info info;
	int fd, ret, c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			help(stdout);
			return EXIT_SUCCESS;
		}
		help(stderr);
		return EXIT_FAILURE;
	}
	if (optind != argc) {
		help(stderr);
		return EXIT_FAILURE;
	}

	fd = shmdev_kernel_open();
	if (fd < 0) {
		tool_err(fd, "open %s", SHMDEV_DEVICE_PATH);
		return EXIT_FAILURE;
	}
	ret = shmdev_kernel_get_info(fd, &info);
	close(fd);
	if (ret < 0) {
		tool_err(ret, "query %s", SHMDEV_DEVICE_PATH);
		return EXIT_FAILURE;
	}

	printf("%-18s %s\n", "library", shmdev_version());
	printf("%-18s %u.%u.%u\n", "module", info.version >> 16,
	       (info.version >> 8) & 0xff, info.version & 0xff);
	printf("%-18s %u\n", "abi", info.abi_version);
	printf("%-18s 0x%" PRIx64 "\n", "features", (uint64_t)info.features);
	print_limit("max_region_bytes", info.max_region_bytes);
	print_limit("max_total_bytes", info.max_total_bytes);
	print_limit("max_regions", info.max_regions);
	print_limit("max_uid_bytes", info.max_uid_bytes);
	printf("%-18s %" PRIu64 "\n", "regions", (uint64_t)info.cur_regions);
	printf("%-18s %" PRIu64 "\n", "bytes", (uint64_t)info.cur_bytes);
	printf("%-18s %" PRIu64 "\n", "peak_bytes", (uint64_t)info.peak_bytes);
	printf("%-18s %" PRIu64 "\n", "created", (uint64_t)info.created);
	printf("%-18s %" PRIu64 "\n", "destroyed", (uint64_t)info.destroyed);
	return EXIT_SUCCESS;
}

const struct shmdev_cmd shmdev_cmd_info = {
	.name = "info",
	.fn = do_info,
	.help = "show module version, ABI, features, limits and usage",
};
