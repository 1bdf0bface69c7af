// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: helpers the subcommands share.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shmdev.h"
#include "shmdev-tool.h"

void tool_err(int err, const char *fmt, ...)
{
	va_list ap;

	fputs("shmdev: could not ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err < 0 ? -err : err));
}

int tool_arg_error(void (*help)(FILE *out), const char *fmt, ...)
{
	va_list ap;

	fputs("shmdev: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	help(stderr);
	return EXIT_FAILURE;
}

int tool_bad_option(const char *cmd, int c, char *argv[],
		    void (*help)(FILE *out))
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";

	/* A long option names itself; a short one is in optopt. */
	if (!strncmp(arg, "--", 2)) {
		optopt = 0;
		arg = strndup(arg, strcspn(arg, "=")) ?: arg;
	}
	if (c == ':' && optopt)
		return tool_arg_error(help, "%s: option '-%c' needs a value",
				      cmd, optopt);
	if (c == ':')
		return tool_arg_error(help, "%s: option '%s' needs a value",
				      cmd, arg);
	if (optopt)
		return tool_arg_error(help, "%s: unknown option '-%c'", cmd,
				      optopt);
	return tool_arg_error(help, "%s: unknown option '%s'", cmd, arg);
}

int tool_need_module(void)
{
	if (access(SHMDEV_DEVICE_PATH, F_OK) == 0 || errno != ENOENT)
		return 0;
	fprintf(stderr, "shmdev: could not open %s: the shmdev module is not loaded: modprobe shmdev\n",
		SHMDEV_DEVICE_PATH);
	return -ENOENT;
}

int parse_size(const char *s, unsigned long long *out)
{
	unsigned long long v, mul = 1;
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 0:
		break;
	case 'k': case 'K':
		mul = 1ull << 10;
		end++;
		break;
	case 'm': case 'M':
		mul = 1ull << 20;
		end++;
		break;
	case 'g': case 'G':
		mul = 1ull << 30;
		end++;
		break;
	case 't': case 'T':
		mul = 1ull << 40;
		end++;
		break;
	default:
		return -EINVAL;
	}
	if (*end == 'i' && mul > 1)
		end++;
	if ((*end == 'B' || *end == 'b') && end[1] == 0)
		end++;
	if (*end || v > ~0ull / mul)
		return -EINVAL;
	*out = v * mul;
	return 0;
}

void format_size(unsigned long long v, char *buf, size_t len)
{
	static const char *const units[] = { "", "K", "M", "G", "T" };
	unsigned int u = 0;

	while (v >= 1024 && v % 1024 == 0 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%llu%s", v, units[u]);
}

int tool_parse_help_only(const char *cmd, int argc, char *argv[],
			 void (*help)(FILE *out))
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			help(stdout);
			return EXIT_SUCCESS;
		}
		return tool_bad_option(cmd, c, argv, help);
	}
	return -1;
}

int tool_backend(const char *arg, enum shmdev_backend *out)
{
	enum shmdev_backend b = SHMDEV_BACKEND_DEFAULT;

	if (arg && (shmdev_backend_parse(arg, &b) ||
		    b == SHMDEV_BACKEND_DEFAULT)) {
		fprintf(stderr, "shmdev: could not use backend '%s': want kernel, posix, sysv or memfd\n",
			arg);
		return -EINVAL;
	}
	if (shmdev_backend_resolve(b, out)) {
		fprintf(stderr, "shmdev: could not use backend '%s' of SHMDEV_BACKEND: want kernel, posix, sysv or memfd\n",
			getenv("SHMDEV_BACKEND"));
		return -EINVAL;
	}
	if (*out == SHMDEV_BACKEND_KERNEL && tool_need_module())
		return -ENOENT;
	return 0;
}

void tool_seals_str(unsigned int seals, char *buf, size_t len)
{
	static const struct { unsigned int bit; const char *name; } names[] = {
		{ SHMDEV_SEAL_WRITE, "write" },
		{ SHMDEV_SEAL_FUTURE_WRITE, "future-write" },
		{ SHMDEV_SEAL_GROW, "grow" },
		{ SHMDEV_SEAL_SHRINK, "shrink" },
		{ SHMDEV_SEAL_SEAL, "seal" },
	};
	size_t i, n = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (seals & names[i].bit && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
					      n ? "," : "", names[i].name);
	if (!n)
		snprintf(buf, len, "-");
}

int tool_one_name(const char *cmd, int argc, char *argv[],
		  void (*help)(FILE *out))
{
	if (optind == argc)
		return tool_arg_error(help, "%s: missing NAME", cmd);
	if (optind != argc - 1)
		return tool_arg_error(help, "%s: unexpected argument '%s'", cmd,
				      argv[optind + 1]);
	return -1;
}

int tool_open_region(const char *backend, const char *name,
		     unsigned int flags, struct shmdev_region **r)
{
	enum shmdev_backend b;
	int ret;

	if (tool_backend(backend, &b))
		return EXIT_FAILURE;
	ret = shmdev_region_open(b, name, flags, r);
	if (ret) {
		tool_err(ret, "open region %s", name);
		return EXIT_FAILURE;
	}
	return 0;
}
