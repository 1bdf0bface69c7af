// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev ls: every region of this IPC namespace, like ipcs -m, from the
 * module's /proc/shmdev; with --all, of every namespace, from
 * /proc/shmdev-all (for an administrator).
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shmdev.h"
#include "shmdev-tool.h"

#define PROC_LISTING "/proc/shmdev"
#define PROC_LISTING_ALL "/proc/shmdev-all"

static void help(FILE *out)
{
	fprintf(out, "Usage: shmdev ls [--bytes] [--all]\n\n"
		"List every region of this IPC namespace: id, name, size, owner,\n"
		"mode, open files, mappings, bytes mapped with 2 MiB pages,\n"
		"creator pid, age and state; from a module that has them, the\n"
		"generation (resizes) and the seals; then the module's counters.\n"
		"Names of regions you cannot open show as \"?\".\n\n"
		"  -b, --bytes   sizes in bytes, not K/M/G\n"
		"  -a, --all     every IPC namespace's regions, with the namespace\n"
		"                (its inode, as in /proc/PID/ns/ipc); needs\n"
		"                CAP_SYS_ADMIN.  Remove one with shmdev rm --id\n");
}

static void user_name(unsigned int uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "%u", uid);
}

static void group_name(unsigned int gid, char *buf, size_t len)
{
	struct group *gr = getgrgid(gid);

	if (gr)
		snprintf(buf, len, "%s", gr->gr_name);
	else
		snprintf(buf, len, "%u", gid);
}

static void age(long long secs, char *buf, size_t len)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120)
		snprintf(buf, len, "%llds", secs);
	else if (secs < 7200)
		snprintf(buf, len, "%lldm", secs / 60);
	else if (secs < 172800)
		snprintf(buf, len, "%lldh", secs / 3600);
	else
		snprintf(buf, len, "%lldd", secs / 86400);
}

static void size_str(unsigned long long v, int bytes, char *buf, size_t len)
{
	static const char *const u[] = { "", "K", "M", "G", "T" };
	double d = (double)v;
	unsigned int i = 0;

	if (bytes || v < 1024) {
		snprintf(buf, len, "%llu", v);
		return;
	}
	while (d >= 1024 && i < 4) {
		d /= 1024;
		i++;
	}
	snprintf(buf, len, d < 10 && d != (long long)d ? "%.1f%s" : "%.0f%s",
		 d, u[i]);
}

static int do_ls(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "bytes", no_argument, NULL, 'b' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long id, size, huge, resident, created = 0, destroyed = 0,
			   regions = 0, bytes_total = 0, peak = 0;
	unsigned int uid, gid, cuid, cgid, mode, nfds, nmaps;
	char line[1024], name[SHMDEV_NAME_SIZE + 1], state[64], owner[32],
	     group[32], sz[32], hg[32], ag[32], cr[32], gen[32], seals[64];
	const char *listing = PROC_LISTING;
	unsigned int ipcns = 0;
	long long cpid, ctime_s;
	unsigned long long generation;
	int c, bytes = 0, all = 0, n = 0, fields;
	FILE *f;

	while ((c = getopt_long(argc, argv, ":abh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = 1;
			listing = PROC_LISTING_ALL;
			break;
		case 'b':
			bytes = 1;
			break;
		case 'h':
			help(stdout);
			return EXIT_SUCCESS;
		default:
			return tool_bad_option("ls", c, argv, help);
		}
	}
	if (optind != argc)
		return tool_arg_error(help, "ls: unexpected argument '%s'",
				      argv[optind]);
	f = fopen(listing, "re");
	if (!f) {
		tool_err(-errno, errno == EACCES || errno == EPERM ?
			 "read %s (it needs CAP_SYS_ADMIN)" :
			 "read %s (is the module loaded? modprobe shmdev)",
			 listing);
		return EXIT_FAILURE;
	}
	if (all)
		printf("%-10s ", "IPCNS");
	printf("%-6s %-20s %8s %-10s %-10s %4s %4s %4s %8s %8s %5s %-20s %4s %s\n",
	       "ID", "NAME", "SIZE", "OWNER", "GROUP", "MODE", "FDS", "MAPS",
	       "HUGE", "CREATOR", "AGE", "STATE", "GEN", "SEALS");
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#') {
			sscanf(line, "# shmdev %*s created %llu destroyed %llu regions %llu bytes %llu peak_bytes %llu",
			       &created, &destroyed, &regions, &bytes_total, &peak);
			continue;
		}
		/*
		 * After state (and ipcns with --all), a module of ABI 2 on
		 * adds seals and gen; an older one's lines end before.
		 */
		fields = all ?
			 sscanf(line, "%llu %256s %llu %u %u %u %u %o %u %u %llu %llu %lld %lld %63s %u %63s %llu",
				&id, name, &size, &uid, &gid, &cuid, &cgid, &mode,
				&nfds, &nmaps, &huge, &resident, &cpid, &ctime_s,
				state, &ipcns, seals, &generation) :
			 sscanf(line, "%llu %256s %llu %u %u %u %u %o %u %u %llu %llu %lld %lld %63s %63s %llu",
				&id, name, &size, &uid, &gid, &cuid, &cgid, &mode,
				&nfds, &nmaps, &huge, &resident, &cpid, &ctime_s,
				state, seals, &generation);
		if (fields == 15 + all) {
			snprintf(gen, sizeof(gen), "-");
			snprintf(seals, sizeof(seals), "-");
		} else if (fields == 17 + all) {
			snprintf(gen, sizeof(gen), "%llu", generation);
		} else {
			continue;
		}
		user_name(uid, owner, sizeof(owner));
		group_name(gid, group, sizeof(group));
		size_str(size, bytes, sz, sizeof(sz));
		size_str(huge, bytes, hg, sizeof(hg));
		age((long long)time(NULL) - ctime_s, ag, sizeof(ag));
		snprintf(cr, sizeof(cr), "%lld", cpid);
		if (all)
			printf("%-10u ", ipcns);
		printf("%-6llu %-20s %8s %-10s %-10s %04o %4u %4u %8s %8s %5s %-20s %4s %s\n",
		       id, name, sz, owner, group, mode, nfds, nmaps, hg, cr, ag,
		       state, gen, seals);
		n++;
	}
	fclose(f);
	size_str(bytes_total, bytes, sz, sizeof(sz));
	size_str(peak, bytes, hg, sizeof(hg));
	printf("%d listed; module: %llu regions, %s bytes live, peak %s, %llu created, %llu destroyed\n",
	       n, regions, sz, hg, created, destroyed);
	return EXIT_SUCCESS;
}

const struct shmdev_cmd shmdev_cmd_ls = {
	.name = "ls",
	.fn = do_ls,
	.help = "list regions, like ipcs -m",
};
