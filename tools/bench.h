/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shmdev bench: the seed workload.  A list of N int64, each doubled in
 * parallel by P processes (or threads) by chunks, R times, values verified
 * after every run; side by side over the paths that could carry it:
 *
 *   copy     chunks sent to P worker processes and back through pipes
 *            (what pickling plain lists to a process pool does)
 *   sysv     the list in a System V segment, a libshmdev worker pool
 *   posix    the same over shm_open
 *   memfd    the same over memfd_create
 *   shmlist  the same over /dev/shmlist (the shmdev module)
 *   limit    the floor: the caller and P - 1 threads of one process over
 *            pre-faulted private memory on huge pages, spinning dispatch
 *   limit4k  the same floor on 4 KiB pages
 *
 * Modes: "persistent" (the caller and P - 1 workers attached once, as an
 * OpenMP team) and "per-iteration" (P workers that map the region anew
 * for every run while the caller waits, as the Python study's pool did).
 *
 * A shared machine drifts: a neighbour's load comes and goes within
 * seconds.  So the runs of one size are split into rounds, and each round
 * runs every path in turn (starting one further along each time); a path's
 * figure is over all its rounds.  Each round sets its path up anew and
 * starts with one untimed run, so every path is timed warm, as the floor's
 * pre-faulted memory is.
 */
#ifndef SHMDEV_BENCH_H
#define SHMDEV_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum path {
	P_COPY, P_SYSV, P_POSIX, P_MEMFD, P_SHMLIST, P_LIMIT, P_LIMIT4K, NPATHS
};

/* Paths that attach nothing, so have one mode. */
#define PATH_ONE_MODE(p) ((p) == P_COPY || (p) == P_LIMIT || (p) == P_LIMIT4K)
#define PATH_IS_FLOOR(p) ((p) == P_LIMIT || (p) == P_LIMIT4K)
enum mode { M_PERSISTENT, M_PER_ITERATION, NMODES };
enum format { F_TABLE, F_CSV, F_JSON };

#define MAX_SIZES 32
#define MAX_RESULTS (MAX_SIZES * NPATHS * NMODES)

struct result {
	enum path path;
	enum mode mode;
	size_t n;
	double median, min, max;	/* seconds per iteration */
	double *t;			/* timed runs so far, of all rounds */
	int nt, cap;
	int rounds;
	long minflt;			/* minor faults, setup and runs, all rounds */
	unsigned long long huge_bytes;	/* of the list's memory */
	int verified;
	int skipped;
	char why[96];
};

struct setup_result {
	enum path path;
	double secs_per_gib;
	long minflt;
	unsigned long long huge_bytes;
	int skipped;
	char why[96];
};

struct opts {
	size_t sizes[MAX_SIZES];
	int nsizes;
	unsigned int paths;	/* 1 << enum path */
	unsigned int modes;	/* 1 << enum mode */
	unsigned int workers;
	int iterations;		/* 0: by size */
	int rounds;
	enum format format;
	const char *plot;
	const char *csv_file;
	FILE *plot_out, *csv_out;	/* opened before the run */
	const char *label;
	size_t setup_bytes;
	int progress;
};

extern const char *const path_names[NPATHS];
extern const char *const mode_names[NMODES];

/* bench-rounds.c: timing, and the rounds of every size. */
double now(void);
double now_ns(void);
int cmp_double(const void *a, const void *b);	/* for qsort */
long faults_now(void);
void record(struct result *r, int k, double secs);
int bench_measure(const struct opts *o, struct result *res, int *nres,
		  struct setup_result *setup, int *nsetup);

/* bench-paths.c: the workload and the paths that carry it. */
void doubler(void *elems, size_t first, size_t count, void *arg);
void fill(uint64_t *x, size_t n);
int verify(const uint64_t *x, size_t n, int runs);
unsigned long long huge_in(const void *addr, size_t len);
void run_shared(const struct opts *o, struct result *r, int runs);
void run_copy(const struct opts *o, struct result *r, int runs);
void run_setup(const struct opts *o, struct setup_result *s);

/* bench-floor.c: the floor (limit and limit4k). */
void run_limit(const struct opts *o, struct result *r, int runs);

/* bench-report.c: the table, CSV and JSON; text made safe for each. */
void csv_field(FILE *out, const char *s);	/* RFC 4180 */
void json_string(FILE *out, const char *s);	/* RFC 8259, quoted */
void xml_text(FILE *out, const char *s);	/* & < > " ' as entities */
const char *plural(unsigned int n, const char *one, const char *many);
double gb_per_s(const struct result *r);
void fmt_time(double s, char *buf, size_t len);
void print_table(const struct opts *o, const struct result *res, int nres,
		 const struct setup_result *setup, int nsetup);
void print_csv(FILE *out, const struct opts *o, const struct result *res,
	       int nres, const struct setup_result *setup, int nsetup);
void print_json(FILE *out, const struct opts *o, const struct result *res,
		int nres, const struct setup_result *setup, int nsetup);

/* bench-plot.c: the SVG chart into @f, closed; 0 or -errno. */
int write_plot(const struct opts *o, FILE *f, const struct result *res,
	       int nres);

/* shmdev bench --ops (bench-ops.c): argv[0] is "--ops". */
int bench_ops(int argc, char *argv[]);

/* shmdev bench --bell (bench-bell.c): argv[0] is "--bell". */
int bench_bell(int argc, char *argv[]);

#endif /* SHMDEV_BENCH_H */
