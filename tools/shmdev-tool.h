/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHMDEV_TOOL_H
#define SHMDEV_TOOL_H

#include <stddef.h>
#include <stdio.h>

#include "shmdev.h"

struct shmdev_cmd {
	const char *name;
	int (*fn)(int argc, char *argv[]);
	const char *help;
};

/* Print "shmdev: could not <what>: <strerror(-err)>" on stderr. */
void tool_err(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * An argument error, "shmdev: <what>: <why>" from printf-style @fmt, then
 * @help's usage on stderr.  Returns EXIT_FAILURE.
 */
int tool_arg_error(void (*help)(FILE *out), const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * What getopt_long() (with opterr = 0 and an optstring starting with ':')
 * returned for a bad option @c of command @cmd: "unknown option" or
 * "needs a value", named.  Returns EXIT_FAILURE.
 */
int tool_bad_option(const char *cmd, int c, char *argv[],
		    void (*help)(FILE *out));

/*
 * 0 when /dev/shmlist exists; else says "shmdev: could not open
 * /dev/shmlist: the shmdev module is not loaded: modprobe shmdev" and
 * returns -ENOENT, so that a missing module is not taken for a missing
 * region.
 */
int tool_need_module(void);

/*
 * Options of a command that takes only --help: returns the exit status
 * when the command is done (help shown, or a bad option), else -1 with
 * optind at the first argument.
 */
int tool_parse_help_only(const char *cmd, int argc, char *argv[],
			  void (*help)(FILE *out));

/*
 * The backend a --backend value names (NULL: the default, as libshmdev
 * resolves it), or an error "shmdev: could not use backend 'X': want
 * kernel, posix, sysv or memfd" and -EINVAL.  For the kernel backend,
 * tool_need_module() too.
 */
int tool_backend(const char *arg, enum shmdev_backend *out);

/*
 * The one NAME operand of @cmd, left at argv[optind] after its options:
 * -1 when it is there alone, else EXIT_FAILURE after the usage error.
 */
int tool_one_name(const char *cmd, int argc, char *argv[],
		  void (*help)(FILE *out));

/*
 * The region NAME on the --backend @backend (NULL: the default), opened
 * with SHMDEV_REGION_* @flags: 0 and *@r, or EXIT_FAILURE after saying
 * why ("shmdev: could not open region NAME: ...").
 */
int tool_open_region(const char *backend, const char *name,
		     unsigned int flags, struct shmdev_region **r);

/* "write,future-write,grow,shrink,seal" of the SHMDEV_SEAL_* in @seals,
 * or "-" for none. */
void tool_seals_str(unsigned int seals, char *buf, size_t len);

/* "12", "4K", "64M", "1G", "2T" (also KiB, MB...) in bytes; 0 or -EINVAL. */
int parse_size(const char *s, unsigned long long *out);
/* The inverse, exact: 4096 -> "4K", 5000 -> "5000". */
void format_size(unsigned long long v, char *buf, size_t len);

extern const struct shmdev_cmd shmdev_cmd_info;
extern const struct shmdev_cmd shmdev_cmd_ls;
extern const struct shmdev_cmd shmdev_cmd_stat;
extern const struct shmdev_cmd shmdev_cmd_create;
extern const struct shmdev_cmd shmdev_cmd_rm;
extern const struct shmdev_cmd shmdev_cmd_bench;
extern const struct shmdev_cmd shmdev_cmd_resize;
extern const struct shmdev_cmd shmdev_cmd_seal;
extern const struct shmdev_cmd shmdev_cmd_notify;
extern const struct shmdev_cmd shmdev_cmd_wait;

#endif /* SHMDEV_TOOL_H */
