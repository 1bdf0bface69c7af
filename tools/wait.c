// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev wait NAME [--timeout S]: sleep until a region's doorbell rings.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "shmdev.h"
#include "shmdev-tool.h"

/* The exit status when the time ran out, apart from errors (1). */
#define EXIT_TIMEOUT	2

static void help(FILE *out)
{
	fprintf(out, "Usage: shmdev wait NAME [--timeout S] [--backend BACKEND]\n\n"
		"Wait until the doorbell of a kernel region rings ('shmdev notify',\n"
		"shmdev_region_notify(), or a resize) after this command opened\n"
		"it, then print how many events came.  Needs read permission.\n"
		"Exit status: 0 when it rang, %d when the time ran out, 1 on error.\n\n"
		"  -t, --timeout S        give up after S seconds (decimals allowed;\n"
		"                         default: wait for ever)\n"
		"  -B, --backend BACKEND  kernel (default: SHMDEV_BACKEND, else kernel\n"
		"                         when the module is loaded, else posix); the\n"
		"                         other backends have no doorbell\n",
		EXIT_TIMEOUT);
}

/* Seconds, 0 to about 24 days (poll(2) counts int milliseconds). */
static int parse_timeout(const char *s, int *ms)
{
	char *end;
	double v;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || !isfinite(v) || v < 0 ||
	    v > 2000000.0)
		return -EINVAL;
	*ms = (int)ceil(v * 1000);
	return 0;
}

static int do_wait(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "backend", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *backend = NULL;
	struct shmdev_region *r;
	int c, timeout = -1;
	int64_t ret;

	while ((c = getopt_long(argc, argv, ":t:B:h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (parse_timeout(optarg, &timeout)) {
				fprintf(stderr, "shmdev: could not parse timeout '%s': want seconds, 0 or more\n",
					optarg);
				return EXIT_FAILURE;
			}
			break;
		case 'B':
			backend = optarg;
			break;
		case 'h':
			help(stdout);
			return EXIT_SUCCESS;
		default:
			return tool_bad_option("wait", c, argv, help);
		}
	}
	c = tool_one_name("wait", argc, argv, help);
	if (c >= 0)
		return c;
	if (tool_open_region(backend, argv[optind], SHMDEV_REGION_RDONLY, &r))
		return EXIT_FAILURE;
	/* Signals end the wait: EINTR is an error like any other here. */
	ret = shmdev_region_wait(r, timeout);
	shmdev_region_close(r);
	if (ret < 0) {
		tool_err((int)ret, "wait for region %s", argv[optind]);
		return EXIT_FAILURE;
	}
	if (ret == 0) {
		fprintf(stderr, "shmdev: wait for region %s: timed out\n",
			argv[optind]);
		return EXIT_TIMEOUT;
	}
	printf("%lld\n", (long long)ret);
	return EXIT_SUCCESS;
}

const struct shmdev_cmd shmdev_cmd_wait = {
	.name = "wait",
	.fn = do_wait,
	.help = "wait for a region's doorbell",
};
