// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev bench --bell: the doorbell's wake-up latency against an eventfd
 * and a futex, as a ping-pong between two processes (issue 23).
 *
 * Each method passes a token back and forth N times between a parent and
 * a forked child; a figure is the time of one round trip (two wake-ups).
 *  - eventfd: one eventfd each way; write(2) wakes the read(2) of the other.
 *  - futex: a word each way in a shared page; FUTEX_WAKE after the store,
 *    FUTEX_WAIT while the word is unchanged.
 *  - doorbell: an unnamed region each way; NOTIFY with RING wakes a
 *    read(2) of the region fd, which returns the events and acknowledges
 *    them (the eventfd pattern).
 *  - doorbell poll: the same, waiting in poll(2) and acknowledging with
 *    NOTIFY ACK, as an event loop would.
 * Rounds take every method in turn; a figure is the median over rounds,
 * and each method's ratio is to eventfd's figure.  With --cpu both
 * processes run on one CPU, so that a wake-up is the kernel's path alone,
 * without the cross-CPU interrupt (which, in an emulated guest, can cost
 * more than everything else).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/shmdev.h>

#include "shmdev-tool.h"
#include "bench.h"

#define BELL_MAX_ROUNDS	100

enum method { M_EVENTFD, M_FUTEX, M_BELL, M_BELL_POLL, NMETHODS };

static const char *const method_names[NMETHODS] = {
	"eventfd", "futex", "doorbell", "doorbell poll",
};

/* Both directions of one ping-pong: [0] parent to child, [1] back. */
struct pingpong {
	enum method m;
	int fd[2];		/* eventfds or region fds */
	uint32_t *word;		/* futex: two words in a shared page */
};

static void help(FILE *out)
{
	fprintf(out, "Usage: shmdev bench --bell [OPTIONS]\n\n"
		"Time a wake-up ping-pong between two processes through an\n"
		"eventfd, a futex and a region's doorbell (read, and poll with\n"
		"NOTIFY ACK); print the median round trip over interleaved\n"
		"rounds and each method's ratio to eventfd.  The doorbell needs\n"
		"the module (/dev/shmlist).\n\n"
		"  -n, --trips N    round trips per method and round (default 10000)\n"
		"  -r, --rounds K   rounds (default 7)\n"
		"  -c, --cpu N      run both processes on CPU N (default: anywhere)\n"
		"      --csv        machine-readable output\n");
}

/* @arg as a decimal count from @min to @max, or an error naming @opt. */
static int parse_ulong(const char *arg, const char *opt, unsigned long min,
		       unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || *arg == '-' || *out < min ||
	    *out > max) {
		fprintf(stderr, "shmdev: could not parse %s '%s': want %lu to %lu\n",
			opt, arg, min, max);
		return -EINVAL;
	}
	return 0;
}

static long futex(uint32_t *word, int op, uint32_t val)
{
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

static int bell_ring(int fd)
{
	struct shmdev_notify n;

	memset(&n, 0, sizeof(n));
	n.flags = SHMDEV_NOTIFY_RING;
	return ioctl(fd, SHMDEV_IOC_NOTIFY, &n);
}

/* Wait for the token on direction @d; 0 or -1. */
static int take(struct pingpong *p, int d, uint32_t seq)
{
	struct shmdev_notify n;
	struct pollfd pfd;
	uint64_t v;

	switch (p->m) {
	case M_EVENTFD:
	case M_BELL:
		return read(p->fd[d], &v, sizeof(v)) == sizeof(v) ? 0 : -1;
	case M_FUTEX:
		while (__atomic_load_n(&p->word[d], __ATOMIC_ACQUIRE) != seq)
			if (futex(&p->word[d], FUTEX_WAIT, seq - 1) &&
			    errno != EAGAIN && errno != EINTR)
				return -1;
		return 0;
	case M_BELL_POLL:
		pfd.fd = p->fd[d];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, -1) != 1)
			return -1;
		memset(&n, 0, sizeof(n));
		n.flags = SHMDEV_NOTIFY_ACK;
		return ioctl(p->fd[d], SHMDEV_IOC_NOTIFY, &n) ? -1 : 0;
	default:
		return -1;
	}
}

/* Pass the token on direction @d. */
static int give(struct pingpong *p, int d, uint32_t seq)
{
	uint64_t one = 1;

	switch (p->m) {
	case M_EVENTFD:
		return write(p->fd[d], &one, sizeof(one)) == sizeof(one) ? 0 : -1;
	case M_FUTEX:
		__atomic_store_n(&p->word[d], seq, __ATOMIC_RELEASE);
		return futex(&p->word[d], FUTEX_WAKE, 1) < 0 ? -1 : 0;
	case M_BELL:
	case M_BELL_POLL:
		return bell_ring(p->fd[d]);
	default:
		return -1;
	}
}

static int region(int dev)
{
	struct shmdev_create c;

	memset(&c, 0, sizeof(c));
	c.size = 4096;
	c.mode = 0600;
	c.flags = SHMDEV_CREATE_CLOEXEC;
	return ioctl(dev, SHMDEV_IOC_CREATE, &c) ? -1 : (int)c.fd;
}

static int setup(struct pingpong *p, enum method m, int dev)
{
	int d;

	memset(p, 0, sizeof(*p));
	p->m = m;
	p->fd[0] = p->fd[1] = -1;
	if (m == M_FUTEX) {
		p->word = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		return p->word == MAP_FAILED ? -errno : 0;
	}
	for (d = 0; d < 2; d++) {
		p->fd[d] = m == M_EVENTFD ? eventfd(0, EFD_CLOEXEC) : region(dev);
		if (p->fd[d] < 0)
			return -errno;
	}
	return 0;
}

static void teardown(struct pingpong *p)
{
	if (p->word && p->word != MAP_FAILED)
		munmap(p->word, 4096);
	if (p->fd[0] >= 0)
		close(p->fd[0]);
	if (p->fd[1] >= 0)
		close(p->fd[1]);
}

/* ns per round trip of @trips through @m; negative -errno on failure. */
static double run(enum method m, int dev, unsigned int trips)
{
	struct pingpong p;
	double t0, t1;
	unsigned int i;
	int status, err;
	pid_t pid;

	err = setup(&p, m, dev);
	if (err) {
		teardown(&p);
		return err;
	}
	pid = fork();
	if (pid < 0) {
		teardown(&p);
		return -errno;
	}
	if (pid == 0) {
		for (i = 1; i <= trips; i++)
			if (take(&p, 0, i) || give(&p, 1, i))
				_exit(1);
		_exit(0);
	}
	t0 = now_ns();
	for (i = 1; i <= trips; i++)
		if (give(&p, 0, i) || take(&p, 1, i))
			break;
	t1 = now_ns();
	err = i <= trips ? -errno : 0;
	if (err)
		kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		err = err ? err : -EIO;
	teardown(&p);
	return err ? err : (t1 - t0) / trips;
}

int bench_bell(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "trips", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "csv", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static double fig[NMETHODS][BELL_MAX_ROUNDS];
	unsigned long trips = 10000, rounds = 7, cpu = 0;
	int pin = 0;
	cpu_set_t set;
	double med[NMETHODS];
	int csv = 0, c, dev, ret = EXIT_FAILURE;
	unsigned int r, m;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:r:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_ulong(optarg, "--trips", 1, 100000000, &trips))
				return EXIT_FAILURE;
			break;
		case 'r':
			if (parse_ulong(optarg, "--rounds", 1, BELL_MAX_ROUNDS,
					&rounds))
				return EXIT_FAILURE;
			break;
		case 'c':
			if (parse_ulong(optarg, "--cpu", 0, CPU_SETSIZE - 1, &cpu))
				return EXIT_FAILURE;
			pin = 1;
			break;
		case 'C':
			csv = 1;
			break;
		case 'h':
			help(stdout);
			return EXIT_SUCCESS;
		default:
			return tool_bad_option("bench --bell", c, argv, help);
		}
	}
	if (optind < argc)
		return tool_arg_error(help, "bench --bell: unexpected argument '%s'",
				      argv[optind]);
	if (pin) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "shmdev: could not run on CPU %lu: %s\n",
				cpu, strerror(errno));
			return EXIT_FAILURE;
		}
	}
	dev = open("/dev/" SHMDEV_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		fprintf(stderr, "shmdev: could not open /dev/%s: %s (the doorbell needs the module: modprobe shmdev)\n",
			SHMDEV_DEVICE_NAME, strerror(errno));
		return EXIT_FAILURE;
	}
	for (r = 0; r < rounds; r++) {
		for (m = 0; m < NMETHODS; m++) {
			fig[m][r] = run(m, dev, trips);
			if (fig[m][r] < 0) {
				fprintf(stderr, "shmdev: could not run the %s ping-pong: %s\n",
					method_names[m], strerror((int)-fig[m][r]));
				goto out_close;
			}
		}
	}
	for (m = 0; m < NMETHODS; m++) {
		qsort(fig[m], rounds, sizeof(double), cmp_double);
		med[m] = fig[m][rounds / 2];
	}
	if (csv)
		printf("method,round_trip_ns,ratio_to_eventfd\n");
	else
		printf("wake-up ping-pong, two processes%s, %lu round trips x %lu rounds (median)\n"
		       "%-14s %14s %10s\n", pin ? " on one CPU" : "", trips,
		       rounds, "method", "round trip ns", "/eventfd");
	for (m = 0; m < NMETHODS; m++)
		printf(csv ? "%s,%.0f,%.3f\n" : "%-14s %14.0f %9.2fx\n",
		       method_names[m], med[m], med[m] / med[M_EVENTFD]);
	ret = EXIT_SUCCESS;
out_close:
	close(dev);
	return ret;
}
