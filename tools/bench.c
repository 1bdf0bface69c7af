// SPDX-License-Identifier: GPL-2.0
/* shmdev bench: the command line.  The workload and paths: bench.h. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shmdev.h"
#include "shmdev-tool.h"
#include "bench.h"

static void help(FILE *out)
{
	fprintf(out, "Usage: shmdev bench [OPTIONS]\n\n"
		"Double every int64 of a list of N in parallel by chunks, over\n"
		"each path, and report time per iteration, faults and huge pages.\n"
		"faults: minor faults of one round (set-up, warm-up and timed runs).\n\n"
		"  -s, --sizes LIST       N values, comma-separated; k = 1000,\n"
		"                         M = 1000000\n"
		"                         (default 99,999,9999,99999,1000000,10000000)\n"
		"  -p, --paths LIST       of copy,sysv,posix,memfd,shmlist,limit,limit4k\n"
		"                         (default: all; shmlist when /dev/shmlist exists)\n"
		"  -m, --mode LIST        persistent,per-iteration (default: both)\n"
		"  -w, --workers P        processes that take part (default: CPUs): the\n"
		"                         caller and P - 1 workers (persistent, and\n"
		"                         the floor's threads), P workers (copy,\n"
		"                         per-iteration)\n"
		"  -i, --iterations R     timed runs per size and path (default: by\n"
		"                         size, 45..1000), rounded up to whole rounds\n"
		"  -r, --rounds K         take the paths in turn K times per size, each\n"
		"                         round set up anew and warmed by one untimed\n"
		"                         run (default 9)\n"
		"      --setup-bytes SIZE region for the setup figure (default 256M;\n"
		"                         0 skips it)\n"
		"      --label TEXT       note put on every figure (e.g. emulated)\n"
		"      --csv, --json      machine-readable output\n"
		"      --csv-file FILE    also write the CSV to FILE\n"
		"      --plot FILE        an SVG chart of time against N\n"
		"      --ops              instead, the cost of create, open, map and\n"
		"                         unlink against live regions (--ops --help)\n"
		"      --bell             instead, the doorbell's wake-up latency\n"
		"                         against eventfd and futex (--bell --help)\n\n"
		"The pools wait as SHMDEV_POOL_WAIT says: active, passive or auto\n"
		"(the default).\n");
}

static int parse_list(const char *arg, const char *const *names, int n,
		      unsigned int *mask)
{
	char *copy = strdup(arg), *tok, *save;
	int i, found;

	*mask = 0;
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		found = 0;
		for (i = 0; i < n; i++)
			if (!strcmp(tok, names[i])) {
				*mask |= 1u << i;
				found = 1;
			}
		if (!found) {
			free(copy);
			return -EINVAL;
		}
	}
	free(copy);
	return *mask ? 0 : -EINVAL;
}

/* Element counts: decimal, with k (10^3) or M (10^6). */
static int parse_count(const char *s, unsigned long long *out)
{
	unsigned long long v, mul = 1;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end == 'k' || *end == 'K')
		mul = 1000, end++;
	else if (*end == 'm' || *end == 'M')
		mul = 1000000, end++;
	if (*end || v > (1ull << 32) / mul)
		return -EINVAL;
	*out = v * mul;
	return 0;
}

static int parse_sizes(const char *arg, struct opts *o)
{
	char *copy = strdup(arg), *tok, *save;
	unsigned long long v;

	o->nsizes = 0;
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (parse_count(tok, &v) || !v || o->nsizes == MAX_SIZES) {
			free(copy);
			return -EINVAL;
		}
		o->sizes[o->nsizes++] = (size_t)v;
	}
	free(copy);
	return o->nsizes ? 0 : -EINVAL;
}

/* A whole number from 1 to @max for the option counting @what. */
static int parse_option_count(const char *s, const char *what,
			      unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	if (!errno && !*end && end != s && *out && *out <= max)
		return 0;
	fprintf(stderr, "shmdev: could not use %s %s: want 1 to %llu\n", s,
		what, max);
	return -EINVAL;
}

/*
 * Output files are opened before the run, so that a bad path fails at
 * once, but emptied only when there is something to write: an old file
 * survives a run that measured nothing, and one this run made is removed.
 */
static FILE *open_output(const char *path, int *created)
{
	FILE *f;
	int fd;

	*created = access(path, F_OK) != 0;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f)
		close(fd);
	return f;
}

static int start_output(FILE *f)
{
	struct stat st;

	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode))
		return 0;	/* a pipe or a device: nothing to empty */
	return ftruncate(fileno(f), 0) ? -errno : 0;
}

static void drop_output(FILE *f, const char *path, int created)
{
	fclose(f);
	if (created)
		unlink(path);
}

static int do_bench(int argc, char *argv[])
{
	static const struct option opts_long[] = {
		{ "sizes", required_argument, NULL, 's' },
		{ "paths", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "workers", required_argument, NULL, 'w' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "setup-bytes", required_argument, NULL, 'S' },
		{ "label", required_argument, NULL, 'l' },
		{ "csv", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "plot", required_argument, NULL, 'P' },
		{ "csv-file", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const size_t default_sizes[] = {
		99, 999, 9999, 99999, 1000000, 10000000,
	};
	struct opts o = { 0 };
	struct result *res;
	struct setup_result setup[NPATHS];
	unsigned long long v;
	int c, i, ret, nres = 0, nsetup = 0, bad = 0, unwritten = 0, measured = 0;
	int csv_created = 0, plot_created = 0;
	const char *wait;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	/* Per-operation costs: a bench of their own, in bench-ops.c. */
	if (argc > 1 && !strcmp(argv[1], "--ops"))
		return bench_ops(argc - 1, argv + 1);
	/* The doorbell's wake-up latency, in bench-bell.c. */
	if (argc > 1 && !strcmp(argv[1], "--bell"))
		return bench_bell(argc - 1, argv + 1);
	o.workers = ncpu > 0 ? (unsigned int)ncpu : 1;
	o.paths = (1u << NPATHS) - 1;
	if (access(SHMDEV_DEVICE_PATH, F_OK))
		o.paths &= ~(1u << P_SHMLIST);
	o.modes = (1u << NMODES) - 1;
	o.setup_bytes = 256u << 20;
	o.rounds = 9;
	o.nsizes = sizeof(default_sizes) / sizeof(default_sizes[0]);
	memcpy(o.sizes, default_sizes, sizeof(default_sizes));
	o.progress = isatty(STDERR_FILENO);

	while ((c = getopt_long(argc, argv, ":s:p:m:w:i:r:h", opts_long, NULL)) != -1) {
		switch (c) {
		case 's':
			ret = parse_sizes(optarg, &o);
			if (ret == -ENOMEM) {
				tool_err(ret, "parse sizes");
				return EXIT_FAILURE;
			}
			if (ret) {
				fprintf(stderr, "shmdev: could not parse sizes '%s': want positive counts up to 2^32, comma-separated (e.g. 99,10k,1M)\n",
					optarg);
				return EXIT_FAILURE;
			}
			break;
		case 'p':
			if (parse_list(optarg, path_names, NPATHS, &o.paths)) {
				fprintf(stderr, "shmdev: could not parse paths '%s': want some of copy,sysv,posix,memfd,shmlist,limit,limit4k\n",
					optarg);
				return EXIT_FAILURE;
			}
			break;
		case 'm':
			if (parse_list(optarg, mode_names, NMODES, &o.modes)) {
				fprintf(stderr, "shmdev: could not parse mode '%s': want persistent, per-iteration or both\n",
					optarg);
				return EXIT_FAILURE;
			}
			break;
		case 'w':
			if (parse_option_count(optarg, "workers", 256, &v))
				return EXIT_FAILURE;
			o.workers = (unsigned int)v;
			break;
		case 'i':
			if (parse_option_count(optarg, "iterations", 1000000, &v))
				return EXIT_FAILURE;
			o.iterations = (int)v;
			break;
		case 'r':
			if (parse_option_count(optarg, "rounds", 1000, &v))
				return EXIT_FAILURE;
			o.rounds = (int)v;
			break;
		case 'S':
			if (parse_size(optarg, &v) || v > (1ull << 40)) {
				fprintf(stderr, "shmdev: could not parse setup size '%s'\n",
					optarg);
				return EXIT_FAILURE;
			}
			o.setup_bytes = (size_t)v & ~(size_t)4095;
			break;
		case 'l':
			o.label = optarg;
			break;
		case 'c':
			o.format = F_CSV;
			break;
		case 'j':
			o.format = F_JSON;
			break;
		case 'P':
			o.plot = optarg;
			break;
		case 'C':
			o.csv_file = optarg;
			break;
		case 'h':
			help(stdout);
			return EXIT_SUCCESS;
		default:
			return tool_bad_option("bench", c, argv, help);
		}
	}
	if (optind != argc)
		return tool_arg_error(help, "bench: unexpected argument '%s'",
				      argv[optind]);
	wait = getenv("SHMDEV_POOL_WAIT");
	if (wait && *wait && strcasecmp(wait, "active") &&
	    strcasecmp(wait, "passive") && strcasecmp(wait, "auto")) {
		fprintf(stderr, "shmdev: could not use SHMDEV_POOL_WAIT='%s': want active, passive or auto\n",
			wait);
		return EXIT_FAILURE;
	}
	if (o.paths & (1u << P_SHMLIST) && access(SHMDEV_DEVICE_PATH, F_OK)) {
		tool_err(-ENOENT, "use the shmlist path: %s is missing (modprobe shmdev)",
			 SHMDEV_DEVICE_PATH);
		return EXIT_FAILURE;
	}

	/* Output files first: a bad path must not cost a whole run. */
	if (o.csv_file && !(o.csv_out = open_output(o.csv_file, &csv_created))) {
		tool_err(-errno, "open CSV file %s", o.csv_file);
		return EXIT_FAILURE;
	}
	if (o.plot && !(o.plot_out = open_output(o.plot, &plot_created))) {
		tool_err(-errno, "open plot file %s", o.plot);
		if (o.csv_out)
			drop_output(o.csv_out, o.csv_file, csv_created);
		return EXIT_FAILURE;
	}
	res = calloc(MAX_RESULTS, sizeof(*res));
	if (!res) {
		tool_err(-ENOMEM, "allocate the results");
		if (o.csv_out)
			drop_output(o.csv_out, o.csv_file, csv_created);
		if (o.plot_out)
			drop_output(o.plot_out, o.plot, plot_created);
		return EXIT_FAILURE;
	}
	if (bench_measure(&o, res, &nres, setup, &nsetup))
		bad = 1;
	if (o.progress)
		fprintf(stderr, "\r%60s\r", "");
	for (i = 0; i < nres; i++)
		measured += !res[i].skipped && res[i].verified;

	if (o.format == F_CSV)
		print_csv(stdout, &o, res, nres, setup, nsetup);
	else if (o.format == F_JSON)
		print_json(stdout, &o, res, nres, setup, nsetup);
	else
		print_table(&o, res, nres, setup, nsetup);
	if (o.csv_out) {
		ret = start_output(o.csv_out);
		if (!ret)
			print_csv(o.csv_out, &o, res, nres, setup, nsetup);
		if (fclose(o.csv_out) || ret) {
			errno = ret ? -ret : errno;
			tool_err(-errno, "write CSV file %s", o.csv_file);
			unwritten = 1;
		}
	}
	if (o.plot_out) {
		/* No figure: no chart (an empty one would not parse). */
		ret = 0;
		if (!measured)
			drop_output(o.plot_out, o.plot, plot_created);
		else if ((ret = start_output(o.plot_out)))
			fclose(o.plot_out);
		else
			ret = write_plot(&o, o.plot_out, res, nres);
		if (ret) {
			tool_err(ret, "write plot file %s", o.plot);
			unwritten = 1;
		}
	}
	free(res);
	if (!measured)
		fprintf(stderr, "shmdev: bench: nothing was measured: every run was skipped or failed (see the table)\n");
	else if (bad)
		fprintf(stderr, "shmdev: could not verify every run: see the ok column\n");
	return bad || unwritten || !measured ? EXIT_FAILURE : EXIT_SUCCESS;
}

const struct shmdev_cmd shmdev_cmd_bench = {
	.name = "bench",
	.fn = do_bench,
	.help = "when does shared memory pay off? the doubling workload",
};
