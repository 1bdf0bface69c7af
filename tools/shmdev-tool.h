/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SHMDEV_TOOL_H
#define SHMDEV_TOOL_H

struct shmdev_cmd {
	const char *name;
	int (*fn)(int argc, char *argv[]);
	const char *help;
};

/* Print "shmdev: could not <what>: <strerror(-err)>" on stderr. */
void tool_err(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

extern const struct shmdev_cmd shmdev_cmd_info;

#endif /* SHMDEV_TOOL_H */
