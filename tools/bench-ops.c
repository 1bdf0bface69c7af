// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev bench --ops: what one region operation costs on each backend,
 * and how that grows with the number of regions already live (issue 20:
 * a create that walks every region costs more the more there are).
 *
 * For each live count L and backend, the bench holds L regions of that
 * backend (named where the backend has names), then times, one sample at
 * a time: an unnamed create, a named create, an open of that name, a map
 * and unmap of what was opened, and the unlink of the name; and the
 * throughput of two processes creating (create, unlink, close) at once
 * over that of one.  Rounds take every L and backend in turn, so a
 * machine that slows down for a while slows every figure alike; a figure
 * is the median over rounds of each round's median sample.  Growth is
 * the figure at L over the figure at L = 0.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shmdev.h"
#include "shmdev-tool.h"
#include "bench.h"

#define OPS_MAX_LIVE	8
#define OPS_MAX_ROUNDS	100
#define OPS_NBACKENDS	(SHMDEV_BACKEND_POSIX + 1)
#define OPS_REGION	4096

enum op { OP_ANON, OP_CREATE, OP_OPEN, OP_MAP, OP_UNLINK, OP_PAIR, NOPS };

static const char *const op_names[NOPS] = {
	"anon create", "named create", "open", "map+unmap", "unlink",
	"2 creators",
};

struct ops_opts {
	unsigned int backends;		/* 1u << enum shmdev_backend */
	unsigned long live[OPS_MAX_LIVE];
	int nlive;
	unsigned int samples;		/* per op and round */
	unsigned int rounds;
	int csv;
};

/* Per-round figures: ns per op (OP_PAIR: the throughput ratio). */
static double fig[OPS_NBACKENDS][OPS_MAX_LIVE][NOPS][OPS_MAX_ROUNDS];

static void help(FILE *out)
{
	fprintf(out, "Usage: shmdev bench --ops [OPTIONS]\n\n"
		"Time create, open, map and unlink of each backend against the\n"
		"number of regions already live, and two concurrent creators\n"
		"against one.  Prints medians of interleaved rounds and each\n"
		"figure's growth over L = 0.\n\n"
		"  -b, --backends LIST  of kernel,posix,sysv,memfd (default: all;\n"
		"                       kernel when /dev/shmlist exists)\n"
		"  -l, --live LIST      live-region counts L (default 0,100,1000,3500)\n"
		"  -n, --samples N      samples per operation and round (default 100)\n"
		"  -r, --rounds K       rounds (default 5)\n"
		"      --csv            machine-readable output\n");
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int has_names(enum shmdev_backend b)
{
	return b != SHMDEV_BACKEND_MEMFD;
}

/* sysv and posix names outlive their users, which they must say. */
static unsigned int named_flags(enum shmdev_backend b)
{
	return b == SHMDEV_BACKEND_KERNEL ? 0 : SHMDEV_REGION_PERSIST;
}

static void op_name(char *buf, size_t len, char kind, unsigned long i)
{
	snprintf(buf, len, "shmdev-bench-ops.%d.%c%lu", (int)getpid(), kind, i);
}

/* The held regions' names: the bench's own pid, also in its children. */
static pid_t holder;

static void held_name(char *buf, size_t len, unsigned long i)
{
	snprintf(buf, len, "shmdev-bench-ops.%d.h%lu", (int)holder, i);
}

/*
 * The module's limits count regions per uid (max_uid_regions, 1024 by
 * default, root included), and the question is what other people's
 * regions cost a creator.  So as root, the live kernel regions are
 * PERSIST names made by children under uids of their own, OPS_PER_UID
 * each, which outlive them; root unlinks them at the end (CAP_IPC_OWNER).
 */
#define OPS_PER_UID	500
#define OPS_FIRST_UID	61000

static int others_hold(enum shmdev_backend b)
{
	return b == SHMDEV_BACKEND_KERNEL && geteuid() == 0;
}

static void __attribute__((noreturn)) other_uid(enum shmdev_backend b,
						unsigned long from,
						unsigned long to)
{
	uid_t uid = OPS_FIRST_UID + from / OPS_PER_UID;
	struct shmdev_region *r;
	char name[64];

	if (setgid(uid) || setuid(uid))
		_exit(2);
	for (; from < to; from++) {
		held_name(name, sizeof(name), from);
		if (shmdev_region_create(b, name, OPS_REGION,
					 SHMDEV_REGION_PERSIST | SHMDEV_REGION_EXCL,
					 0600, &r))
			_exit(1);
		shmdev_region_close(r);
	}
	_exit(0);
}

/* @n PERSIST regions of @b made by other uids; -EIO if one failed. */
static int hold_others(enum shmdev_backend b, unsigned long n)
{
	unsigned long from, to;
	int st;
	pid_t pid;

	for (from = 0; from < n; from = to) {
		to = from + OPS_PER_UID < n ? from + OPS_PER_UID : n;
		pid = fork();
		if (pid < 0)
			return -errno;
		if (pid == 0)
			other_uid(b, from, to);
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			return -EIO;
	}
	return 0;
}

/* Undo hold(): close, and unlink what has a name. */
static void release(enum shmdev_backend b, struct shmdev_region **held,
		    unsigned long n)
{
	char name[64];
	unsigned long i;

	for (i = 0; i < n; i++) {
		if (has_names(b) && (held[i] || others_hold(b))) {
			held_name(name, sizeof(name), i);
			shmdev_region_unlink(b, name);
		}
		shmdev_region_close(held[i]);
	}
	free(held);
}

/* @n live regions of @b. */
static int hold(enum shmdev_backend b, unsigned long n,
		struct shmdev_region ***out)
{
	struct shmdev_region **held = calloc(n ? n : 1, sizeof(*held));
	char name[64];
	unsigned long i;
	int ret;

	if (!held)
		return -ENOMEM;
	if (others_hold(b)) {
		ret = hold_others(b, n);
		if (ret) {
			release(b, held, n);
			return ret;
		}
		*out = held;
		return 0;
	}
	for (i = 0; i < n; i++) {
		held_name(name, sizeof(name), i);
		ret = shmdev_region_create(b, has_names(b) ? name : NULL,
					   OPS_REGION, has_names(b) ?
					   named_flags(b) | SHMDEV_REGION_EXCL : 0,
					   0600, &held[i]);
		if (ret) {
			release(b, held, i);
			return ret;
		}
	}
	*out = held;
	return 0;
}

/* One sample of each operation but OP_PAIR, into t[op][s]. */
static int sample(enum shmdev_backend b, unsigned int s, double *t[NOPS])
{
	struct shmdev_region *r, *r2;
	char name[64];
	double t0;
	int ret;

	t0 = now_ns();
	ret = shmdev_region_create(b, NULL, OPS_REGION, 0, 0600, &r);
	t[OP_ANON][s] = now_ns() - t0;
	if (ret)
		return ret;
	if (!has_names(b)) {
		t0 = now_ns();
		ret = shmdev_region_map(r, NULL);
		if (!ret)
			ret = shmdev_region_unmap(r);
		t[OP_MAP][s] = now_ns() - t0;
		shmdev_region_close(r);
		return ret;
	}
	shmdev_region_close(r);
	op_name(name, sizeof(name), 's', s);
	t0 = now_ns();
	ret = shmdev_region_create(b, name, OPS_REGION,
				   named_flags(b) | SHMDEV_REGION_EXCL, 0600, &r);
	t[OP_CREATE][s] = now_ns() - t0;
	if (ret)
		return ret;
	t0 = now_ns();
	ret = shmdev_region_open(b, name, 0, &r2);
	t[OP_OPEN][s] = now_ns() - t0;
	if (!ret) {
		t0 = now_ns();
		ret = shmdev_region_map(r2, NULL);
		if (!ret)
			ret = shmdev_region_unmap(r2);
		t[OP_MAP][s] = now_ns() - t0;
		shmdev_region_close(r2);
	}
	/* Timed while r still holds it: a kernel region goes at its close. */
	t0 = now_ns();
	if (shmdev_region_unlink(b, name) && !ret)
		ret = -EIO;
	t[OP_UNLINK][s] = now_ns() - t0;
	shmdev_region_close(r);
	return ret;
}

/* A creator process: @n creates (named: create, unlink, close). */
static void __attribute__((noreturn))
creator(enum shmdev_backend b, unsigned int n, int go)
{
	struct shmdev_region *r;
	char name[64], c;
	unsigned int i;

	if (read(go, &c, 1) < 0)
		_exit(2);
	for (i = 0; i < n; i++) {
		op_name(name, sizeof(name), 'c', i);
		if (shmdev_region_create(b, has_names(b) ? name : NULL,
					 OPS_REGION, has_names(b) ?
					 named_flags(b) | SHMDEV_REGION_EXCL : 0,
					 0600, &r))
			_exit(1);
		if (has_names(b) && shmdev_region_unlink(b, name))
			_exit(1);
		shmdev_region_close(r);
	}
	_exit(0);
}

/* Seconds for @procs processes to make @n regions each, all at once. */
static int creators(enum shmdev_backend b, unsigned int n, int procs,
		    double *secs)
{
	pid_t pids[2];
	int go[2], i, st, ret = 0;
	double t0;

	if (pipe(go))
		return -errno;
	for (i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			close(go[1]);
			creator(b, n, go[0]);
		}
		if (pids[i] < 0) {
			ret = -errno;
			procs = i;
			break;
		}
	}
	close(go[0]);
	t0 = now_ns();
	close(go[1]);		/* everyone starts */
	for (i = 0; i < procs; i++)
		if (waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			ret = ret ? ret : -EIO;
	*secs = (now_ns() - t0) / 1e9;
	return ret;
}

/* Round @k of backend @b at live count number @li. */
static int measure(const struct ops_opts *o, enum shmdev_backend b, int li,
		   unsigned int k)
{
	struct shmdev_region **held;
	double *t[NOPS], one, two;
	unsigned int s;
	int ret, op;

	ret = hold(b, o->live[li], &held);
	if (ret) {
		tool_err(ret, "hold %lu %s regions", o->live[li],
			 shmdev_backend_name(b));
		return ret;
	}
	t[0] = calloc((size_t)o->samples * NOPS, sizeof(double));
	if (!t[0]) {
		release(b, held, o->live[li]);
		return -ENOMEM;
	}
	for (op = 1; op < NOPS; op++)
		t[op] = t[0] + (size_t)op * o->samples;
	for (s = 0; s < o->samples && !ret; s++)
		ret = sample(b, s, t);
	if (ret) {
		tool_err(ret, "time %s operations at %lu live",
			 shmdev_backend_name(b), o->live[li]);
		goto out;
	}
	for (op = 0; op < OP_PAIR; op++)
		fig[b][li][op][k] = median(t[op], o->samples);
	/* Long enough runs that starting two processes does not count. */
	ret = creators(b, 4 * o->samples, 1, &one);
	if (!ret)
		ret = creators(b, 4 * o->samples, 2, &two);
	if (ret) {
		tool_err(ret, "run %s creators at %lu live",
			 shmdev_backend_name(b), o->live[li]);
		goto out;
	}
	fig[b][li][OP_PAIR][k] = 2 * one / two;
out:
	free(t[0]);
	release(b, held, o->live[li]);
	return ret;
}

/* Enough descriptors for the largest live count, plus room. */
static int raise_nofile(const struct ops_opts *o)
{
	unsigned long need = 256;
	struct rlimit rl;
	int i;

	for (i = 0; i < o->nlive; i++)
		if (o->live[i] + 256 > need)
			need = o->live[i] + 256;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rl.rlim_cur = need;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
			rl.rlim_max = need;	/* works with CAP_SYS_RESOURCE */
		if (setrlimit(RLIMIT_NOFILE, &rl))
			return -errno;
	}
	return 0;
}

static int backend_shown(enum shmdev_backend b, int op)
{
	return has_names(b) || op == OP_ANON || op == OP_MAP || op == OP_PAIR;
}

static void report(const struct ops_opts *o)
{
	unsigned int b;
	int li, op;

	if (o->csv)
		printf("backend,op,live,median,unit,growth\n");
	for (b = 1; b < OPS_NBACKENDS; b++) {
		if (!(o->backends & (1u << b)))
			continue;
		if (!o->csv) {
			printf("\n%-19s", shmdev_backend_name(b));
			for (li = 0; li < o->nlive; li++)
				printf("  L=%-6lu (growth)", o->live[li]);
			printf("\n");
		}
		for (op = 0; op < NOPS; op++) {
			double base = 0;

			if (!backend_shown(b, op))
				continue;
			if (!o->csv)
				printf("%-19s", op_names[op]);
			for (li = 0; li < o->nlive; li++) {
				double m = median(fig[b][li][op], o->rounds);
				double g = li == 0 || base <= 0 ? 1 : m / base;

				if (li == 0)
					base = m;
				if (o->csv)
					printf("%s,%s,%lu,%.1f,%s,%.3f\n",
					       shmdev_backend_name(b), op_names[op],
					       o->live[li], m,
					       op == OP_PAIR ? "x" : "ns", g);
				else if (op == OP_PAIR)
					printf("  %7.2fx (%5.2fx)", m, g);
				else
					printf("  %6.1fus (%5.2fx)", m / 1e3, g);
			}
			if (!o->csv)
				printf("\n");
		}
	}
	if (!o->csv)
		printf("\nmedians of %u rounds of %u samples; 2 creators: the "
		       "throughput of two processes over one's\n",
		       o->rounds, o->samples);
}

static int parse_live(const char *arg, struct ops_opts *o)
{
	char *copy = strdup(arg), *tok, *save, *end;
	unsigned long v;

	o->nlive = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		errno = 0;
		v = strtoul(tok, &end, 10);
		if (errno || *end || end == tok || *tok == '-' || v > 100000 ||
		    o->nlive == OPS_MAX_LIVE) {
			free(copy);
			return -EINVAL;
		}
		o->live[o->nlive++] = v;
	}
	free(copy);
	return o->nlive && o->live[0] == 0 ? 0 : -EINVAL;
}

static int parse_backends(const char *arg, unsigned int *mask)
{
	char *copy = strdup(arg), *tok, *save;
	enum shmdev_backend b;

	*mask = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (shmdev_backend_parse(tok, &b) || b == SHMDEV_BACKEND_DEFAULT) {
			free(copy);
			return -EINVAL;
		}
		*mask |= 1u << b;
	}
	free(copy);
	return *mask ? 0 : -EINVAL;
}

static int parse_count(const char *s, const char *what, unsigned long max,
		       unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!errno && !*end && end != s && *s != '-' && v && v <= max) {
		*out = (unsigned int)v;
		return 0;
	}
	fprintf(stderr, "shmdev: could not use %s %s: want 1 to %lu\n", s,
		what, max);
	return -EINVAL;
}

int bench_ops(int argc, char *argv[])
{
	static const struct option opts_long[] = {
		{ "backends", required_argument, NULL, 'b' },
		{ "live", required_argument, NULL, 'l' },
		{ "samples", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "csv", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ops_opts o = {
		.live = { 0, 100, 1000, 3500 }, .nlive = 4,
		.samples = 100, .rounds = 5,
	};
	unsigned int k;
	int c, li, ret = 0;
	unsigned int b;

	o.backends = 1u << SHMDEV_BACKEND_POSIX | 1u << SHMDEV_BACKEND_SYSV |
		     1u << SHMDEV_BACKEND_MEMFD;
	if (!access(SHMDEV_DEVICE_PATH, F_OK))
		o.backends |= 1u << SHMDEV_BACKEND_KERNEL;
	holder = getpid();
	while ((c = getopt_long(argc, argv, ":b:l:n:r:h", opts_long, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (parse_backends(optarg, &o.backends)) {
				fprintf(stderr, "shmdev: could not parse backends '%s': want some of kernel,posix,sysv,memfd\n",
					optarg);
				return EXIT_FAILURE;
			}
			break;
		case 'l':
			if (parse_live(optarg, &o)) {
				fprintf(stderr, "shmdev: could not parse live counts '%s': want up to %d counts of 0 to 100000, the first 0\n",
					optarg, OPS_MAX_LIVE);
				return EXIT_FAILURE;
			}
			break;
		case 'n':
			if (parse_count(optarg, "samples", 100000, &o.samples))
				return EXIT_FAILURE;
			break;
		case 'r':
			if (parse_count(optarg, "rounds", OPS_MAX_ROUNDS, &o.rounds))
				return EXIT_FAILURE;
			break;
		case 'c':
			o.csv = 1;
			break;
		case 'h':
			help(stdout);
			return EXIT_SUCCESS;
		default:
			return tool_bad_option("bench --ops", c, argv, help);
		}
	}
	if (optind < argc)
		return tool_arg_error(help, "bench --ops: unexpected argument '%s'",
				      argv[optind]);
	ret = raise_nofile(&o);
	if (ret) {
		tool_err(ret, "raise RLIMIT_NOFILE for %lu live regions",
			 o.live[o.nlive - 1]);
		return EXIT_FAILURE;
	}
	/* Rounds take every live count and backend in turn. */
	for (k = 0; k < o.rounds && !ret; k++)
		for (li = 0; li < o.nlive && !ret; li++)
			for (b = 1; b < OPS_NBACKENDS && !ret; b++)
				if (o.backends & (1u << b))
					ret = measure(&o, b, li, k);
	if (ret)
		return EXIT_FAILURE;
	report(&o);
	return EXIT_SUCCESS;
}
