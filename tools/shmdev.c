// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: the command dispatcher.  Subcommands live one per file.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shmdev.h"
#include "shmdev-tool.h"

static const struct shmdev_cmd *const cmds[] = {
	&shmdev_cmd_info,
	&shmdev_cmd_ls,
	&shmdev_cmd_stat,
	&shmdev_cmd_create,
	&shmdev_cmd_rm,
	&shmdev_cmd_bench,
};

#define NR_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static void help(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: shmdev [--help] [--version] COMMAND [ARGS]\n\n"
		"Commands:\n");
	for (i = 0; i < NR_CMDS; i++)
		fprintf(out, "  %-10s %s\n", cmds[i]->name, cmds[i]->help);
	fprintf(out, "\n'shmdev COMMAND --help' describes one command.\n");
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("shmdev %s\n", shmdev_version());
			return EXIT_SUCCESS;
		default:
			help(stderr);
			return EXIT_FAILURE;
		}
	}
	if (optind >= argc) {
		help(stderr);
		return EXIT_FAILURE;
	}
	for (i = 0; i < NR_CMDS; i++) {
		if (strcmp(argv[optind], cmds[i]->name) == 0) {
			argc -= optind;
			argv += optind;
			optind = 0;
			return cmds[i]->fn(argc, argv);
		}
	}
	fprintf(stderr, "shmdev: unknown command '%s'\n", argv[optind]);
	help(stderr);
	return EXIT_FAILURE;
}
