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

static int do_help(int argc, char *argv[]);

static const struct shmdev_cmd cmd_help = {
	.name = "help",
	.fn = do_help,
	.help = "this list; 'help COMMAND' describes one command",
};

static const struct shmdev_cmd *const cmds[] = {
	&cmd_help,
	&shmdev_cmd_info,
	&shmdev_cmd_ls,
	&shmdev_cmd_stat,
	&shmdev_cmd_create,
	&shmdev_cmd_rm,
	&shmdev_cmd_resize,
	&shmdev_cmd_seal,
	&shmdev_cmd_notify,
	&shmdev_cmd_wait,
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
	fprintf(out, "\n'shmdev help COMMAND' or 'shmdev COMMAND --help' describes one command.\n");
}

static const struct shmdev_cmd *find(const char *name)
{
	size_t i;

	for (i = 0; i < NR_CMDS; i++)
		if (strcmp(name, cmds[i]->name) == 0)
			return cmds[i];
	return NULL;
}

/* shmdev help [COMMAND]: the list, or COMMAND --help. */
static int do_help(int argc, char *argv[])
{
	char *args[] = { NULL, "--help", NULL };
	const struct shmdev_cmd *cmd;

	if (argc == 1) {
		help(stdout);
		return EXIT_SUCCESS;
	}
	cmd = find(argv[1]);
	if (argc > 2 || !cmd || cmd == &cmd_help) {
		if (argc > 2)
			fprintf(stderr, "shmdev: help: unexpected argument '%s'\n\n",
				argv[2]);
		else
			fprintf(stderr, "shmdev: help: unknown command '%s'\n\n",
				argv[1]);
		help(stderr);
		return EXIT_FAILURE;
	}
	args[0] = (char *)cmd->name;
	optind = 0;
	return cmd->fn(2, args);
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct shmdev_cmd *cmd;
	int c;

	/* Every command says what is wrong itself (tool_bad_option()). */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("shmdev %s\n", shmdev_version());
			return EXIT_SUCCESS;
		default:
			fprintf(stderr, "shmdev: unknown option '%s'\n\n",
				argv[optind - 1]);
			help(stderr);
			return EXIT_FAILURE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "shmdev: missing COMMAND\n\n");
		help(stderr);
		return EXIT_FAILURE;
	}
	cmd = find(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "shmdev: unknown command '%s'\n\n", argv[optind]);
		help(stderr);
		return EXIT_FAILURE;
	}
	argc -= optind;
	argv += optind;
	optind = 0;
	return cmd->fn(argc, argv);
}
