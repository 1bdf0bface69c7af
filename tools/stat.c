// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev stat NAME: everything the module says about one region.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "shmdev.h"
#include "shmdev-tool.h"

static void help(FILE *out)
{
	fprintf(out, "Usage: shmdev stat NAME\n\n"
		"Show a kernel region: size, owner, creator, mode, open files,\n"
		"mappings, bytes mapped with 2 MiB pages, resident bytes,\n"
		"creation time and creator pid; and, from a module that has\n"
		"them, the generation (resizes), the doorbell's events and the\n"
		"seals.  Needs read permission.\n");
}

static int do_stat(int argc, char *argv[])
{
	struct shmdev_region *r;
	struct shmdev_stat st;
	struct passwd *pw;
	struct group *gr;
	char when[64], seals[64];
	time_t t;
	int c, ret;

	c = tool_parse_help_only("stat", argc, argv, help);
	if (c >= 0)
		return c;
	if (optind == argc)
		return tool_arg_error(help, "stat: missing NAME");
	if (optind != argc - 1)
		return tool_arg_error(help, "stat: unexpected argument '%s'",
				      argv[optind + 1]);
	if (tool_need_module())
		return EXIT_FAILURE;
	ret = shmdev_region_open(SHMDEV_BACKEND_KERNEL, argv[optind],
				 SHMDEV_REGION_RDONLY, &r);
	if (ret) {
		tool_err(ret, "open region %s", argv[optind]);
		return EXIT_FAILURE;
	}
	memset(&st, 0, sizeof(st));
	ret = ioctl(shmdev_region_fd(r), SHMDEV_IOC_STAT, &st);
	shmdev_region_close(r);
	if (ret < 0) {
		tool_err(-errno, "stat region %s", argv[optind]);
		return EXIT_FAILURE;
	}
	t = (time_t)(st.ctime_ns / 1000000000ull);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", localtime(&t));
	pw = getpwuid(st.uid);
	gr = getgrgid(st.gid);
	printf("name:           %s\n", (char *)st.name);
	printf("id:             %llu\n", (unsigned long long)st.id);
	printf("size:           %llu\n", (unsigned long long)st.size);
	printf("owner:          %u (%s)\n", st.uid, pw ? pw->pw_name : "?");
	printf("group:          %u (%s)\n", st.gid, gr ? gr->gr_name : "?");
	printf("creator:        uid %u gid %u pid %u\n", st.cuid, st.cgid,
	       st.cpid);
	printf("mode:           %04o\n", st.mode);
	printf("state:         %s%s%s\n",
	       st.state & SHMDEV_STATE_NAMED ? " named" : "",
	       st.state & SHMDEV_STATE_LINKED ? " linked" : "",
	       st.state & SHMDEV_STATE_PERSIST ? " persist" : "");
	/* Our own read-only open is one of them. */
	printf("open files:     %llu\n", (unsigned long long)st.nfds - 1);
	printf("mappings:       %llu\n", (unsigned long long)st.nmaps);
	printf("huge mapped:    %llu\n", (unsigned long long)st.huge_bytes);
	printf("resident:       %llu\n", (unsigned long long)st.resident_bytes);
	printf("created:        %s\n", when);
	/* A module before ABI 2 leaves these zero: nothing resized, no seals. */
	tool_seals_str(st.seals, seals, sizeof(seals));
	printf("generation:     %llu\n", (unsigned long long)st.generation);
	printf("events:         %llu\n", (unsigned long long)st.events);
	printf("seals:          %s\n", seals);
	return EXIT_SUCCESS;
}

const struct shmdev_cmd shmdev_cmd_stat = {
	.name = "stat",
	.fn = do_stat,
	.help = "show one region",
};
