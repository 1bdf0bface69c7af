// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev seal NAME [--write|--future-write|--grow|--shrink|--seal]...:
 * add seals to a region (memfd's, on a named region), or show them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "shmdev.h"
#include "shmdev-tool.h"

static void help(FILE *out)
{
	fprintf(out, "Usage: shmdev seal NAME [--write] [--future-write] [--grow] [--shrink]\n"
		"                   [--seal] [--backend BACKEND]\n\n"
		"Add seals to a region, which no one can remove, then show the\n"
		"seals in force; without a seal option, only show them.  Adding\n"
		"needs write permission.\n\n"
		"  -w, --write         the memory never changes again (refused while\n"
		"                      any writable mapping exists)\n"
		"  -f, --future-write  no new writable mapping or read-write open\n"
		"  -g, --grow          the size never grows\n"
		"  -s, --shrink        the size never shrinks\n"
		"  -S, --seal          no further seals\n"
		"  -B, --backend BACKEND  kernel (default: SHMDEV_BACKEND, else kernel\n"
		"                      when the module is loaded, else posix); posix\n"
		"                      and sysv regions take no seals\n");
}

static int do_seal(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "write", no_argument, NULL, 'w' },
		{ "future-write", no_argument, NULL, 'f' },
		{ "grow", no_argument, NULL, 'g' },
		{ "shrink", no_argument, NULL, 's' },
		{ "seal", no_argument, NULL, 'S' },
		{ "backend", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *backend = NULL;
	struct shmdev_region *r;
	unsigned int add = 0;
	char buf[64];
	int c, ret;

	while ((c = getopt_long(argc, argv, ":wfgsSB:h", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			add |= SHMDEV_SEAL_WRITE;
			break;
		case 'f':
			add |= SHMDEV_SEAL_FUTURE_WRITE;
			break;
		case 'g':
			add |= SHMDEV_SEAL_GROW;
			break;
		case 's':
			add |= SHMDEV_SEAL_SHRINK;
			break;
		case 'S':
			add |= SHMDEV_SEAL_SEAL;
			break;
		case 'B':
			backend = optarg;
			break;
		case 'h':
			help(stdout);
			return EXIT_SUCCESS;
		default:
			return tool_bad_option("seal", c, argv, help);
		}
	}
	ret = tool_one_name("seal", argc, argv, help);
	if (ret >= 0)
		return ret;
	/* Reading the seals needs only read permission. */
	if (tool_open_region(backend, argv[optind],
			     add ? 0 : SHMDEV_REGION_RDONLY, &r))
		return EXIT_FAILURE;
	ret = shmdev_region_seal(r, add);
	shmdev_region_close(r);
	if (ret < 0) {
		tool_err(ret, "seal region %s", argv[optind]);
		return EXIT_FAILURE;
	}
	tool_seals_str((unsigned int)ret, buf, sizeof(buf));
	printf("%s: seals %s\n", argv[optind], buf);
	return EXIT_SUCCESS;
}

const struct shmdev_cmd shmdev_cmd_seal = {
	.name = "seal",
	.fn = do_seal,
	.help = "add seals to a region, or show them",
};
