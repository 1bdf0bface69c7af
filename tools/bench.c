// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev bench: the seed workload.  A list of N int64, each doubled in
 * parallel by P workers by chunks, R times, values verified after every
 * run; side by side over the paths that could carry it:
 *
 *   copy     chunks sent to worker processes and back through pipes (what
 *            pickling plain lists to a process pool does)
 *   sysv     the list in a System V segment, a libshmdev worker pool
 *   posix    the same over shm_open
 *   memfd    the same over memfd_create
 *   shmlist  the same over /dev/shmlist (the shmdev module)
 *   limit    P threads of one process over pre-faulted private memory:
 *            the physical bound
 *
 * Modes: "persistent" (workers attach once) and "per-iteration" (workers
 * map the region anew for every run, as the Python study's pool did).
 *
 * A shared machine drifts: a neighbour's load comes and goes within
 * seconds.  So the runs of one size are split into rounds, and each round
 * runs every path in turn (starting one further along each time); a path's
 * figure is over all its rounds.  Each round sets its path up anew and
 * starts with one untimed run, so every path is timed warm, as the limit's
 * pre-faulted memory is.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shmdev.h"
#include "shmdev-tool.h"

enum path { P_COPY, P_SYSV, P_POSIX, P_MEMFD, P_SHMLIST, P_LIMIT, NPATHS };
enum mode { M_PERSISTENT, M_PER_ITERATION, NMODES };
enum format { F_TABLE, F_CSV, F_JSON };

static const char *const path_names[NPATHS] = {
	"copy", "sysv", "posix", "memfd", "shmlist", "limit",
};
static const char *const mode_names[NMODES] = { "persistent", "per-iteration" };

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
	const char *label;
	size_t setup_bytes;
	int progress;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long faults_now(void)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return self.ru_minflt + kids.ru_minflt;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void summarize(struct result *r)
{
	double *t = r->t;
	int n = r->nt;

	if (!n)
		return;
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	r->min = t[0];
	r->max = t[n - 1];
	r->median = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* Run k of a round took @secs; run 0 warms up and is not counted. */
static void record(struct result *r, int k, double secs)
{
	if (k && r->nt < r->cap)
		r->t[r->nt++] = secs;
}

static int iterations_for(const struct opts *o, size_t n)
{
	long it;

	if (o->iterations)
		return o->iterations;
	it = (long)(2000000 / (n ? n : 1));
	return it < 9 ? 9 : it > 1000 ? 1000 : (int)it;
}

static void doubler(void *elems, size_t first, size_t count, void *arg)
{
	uint64_t *x = elems;
	size_t i;

	(void)arg;
	for (i = first; i < first + count; i++)
		x[i] *= 2;
}

static void fill(uint64_t *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		x[i] = i;
}

/* After @runs doublings, x[i] is i << runs (mod 2^64). */
static int verify(const uint64_t *x, size_t n, int runs)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (x[i] != (runs >= 64 ? 0 : (uint64_t)i << runs))
			return 0;
	return 1;
}

/* Bytes of the mappings around @addr that have huge pages (smaps). */
static unsigned long long huge_in(const void *addr, size_t len)
{
	uint64_t bytes;

	return shmdev_huge_bytes(addr, len, &bytes) ? 0 : bytes;
}

static enum shmdev_backend backend_of(enum path p)
{
	switch (p) {
	case P_SYSV:
		return SHMDEV_BACKEND_SYSV;
	case P_POSIX:
		return SHMDEV_BACKEND_POSIX;
	case P_MEMFD:
		return SHMDEV_BACKEND_MEMFD;
	case P_SHMLIST:
		return SHMDEV_BACKEND_KERNEL;
	default:
		return SHMDEV_BACKEND_DEFAULT;
	}
}

static void run_shared(const struct opts *o, struct result *r, int runs)
{
	int k, ret;
	struct shmdev_list *l;
	struct shmdev_pool *p;
	double t0;
	long f0 = faults_now();
	uint64_t *x;

	ret = shmdev_list_create(backend_of(r->path), NULL, SHMDEV_T_UINT64,
				 r->n, 0, 0, 0600, &l);
	if (ret) {
		r->skipped = 1;
		snprintf(r->why, sizeof(r->why), "create: %s", strerror(-ret));
		return;
	}
	shmdev_list_set_len(l, r->n);
	x = shmdev_list_data(l);
	fill(x, r->n);
	ret = shmdev_pool_create(l, o->workers, r->mode == M_PER_ITERATION ?
				 SHMDEV_POOL_ATTACH_PER_JOB : 0, &p);
	if (ret) {
		r->skipped = 1;
		snprintf(r->why, sizeof(r->why), "pool: %s", strerror(-ret));
		goto out_detach;
	}
	for (k = 0; k <= runs; k++) {
		t0 = now();
		ret = shmdev_pool_run(p, doubler, NULL, 0, 0);
		record(r, k, now() - t0);
		if (ret || !verify(x, r->n, k + 1)) {
			r->verified = 0;
			snprintf(r->why, sizeof(r->why), "run %d: %s", k,
				 ret ? strerror(-ret) : "wrong values");
			break;
		}
	}
	r->huge_bytes = huge_in(x, r->n * sizeof(*x));
	shmdev_pool_destroy(p);
	r->minflt += faults_now() - f0;
out_detach:
	shmdev_list_detach(l);
}

/* copy: chunks through pipes to persistent worker processes and back. */
struct copy_worker {
	pid_t pid;
	int to, from;
};

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t r = read(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static void __attribute__((noreturn)) copy_worker_main(int in, int out)
{
	uint64_t *buf = NULL, count;
	size_t cap = 0;

	while (read_all(in, &count, sizeof(count)) == 0) {
		if (count > cap) {
			free(buf);
			buf = malloc(count * sizeof(*buf));
			if (!buf)
				_exit(2);
			cap = count;
		}
		if (read_all(in, buf, count * sizeof(*buf)))
			_exit(3);
		doubler(buf, 0, count, NULL);
		if (write_all(out, buf, count * sizeof(*buf)))
			_exit(4);
	}
	_exit(0);
}

static void run_copy(const struct opts *o, struct result *r, int runs)
{
	int k, ok = 1;
	struct copy_worker *w = calloc(o->workers, sizeof(*w));
	double t0;
	uint64_t *x = malloc(r->n * sizeof(*x));
	size_t per = (r->n + o->workers - 1) / o->workers;
	long f0 = faults_now();
	unsigned int i, started = 0;

	fill(x, r->n);
	for (i = 0; i < o->workers; i++) {
		int a[2], b[2];

		if (pipe(a) || pipe(b))
			break;
		w[i].pid = fork();
		if (w[i].pid == 0) {
			unsigned int j;

			/* Earlier workers' pipes: theirs to close, not ours. */
			for (j = 0; j < i; j++) {
				close(w[j].to);
				close(w[j].from);
			}
			close(a[1]);
			close(b[0]);
			copy_worker_main(a[0], b[1]);
		}
		close(a[0]);
		close(b[1]);
		w[i].to = a[1];
		w[i].from = b[0];
		started++;
	}
	if (started != o->workers) {
		r->verified = 0;
		snprintf(r->why, sizeof(r->why), "could not start the workers");
	}
	for (k = 0; k <= runs && r->verified; k++) {
		t0 = now();
		for (i = 0; i < o->workers && ok; i++) {
			size_t first = i * per;
			uint64_t count = first >= r->n ? 0 :
					 (r->n - first < per ? r->n - first : per);

			ok = !write_all(w[i].to, &count, sizeof(count)) &&
			     !write_all(w[i].to, x + first, count * sizeof(*x));
		}
		for (i = 0; i < o->workers && ok; i++) {
			size_t first = i * per;
			size_t count = first >= r->n ? 0 :
				       (r->n - first < per ? r->n - first : per);

			ok = !read_all(w[i].from, x + first, count * sizeof(*x));
		}
		record(r, k, now() - t0);
		if (!ok || !verify(x, r->n, k + 1)) {
			r->verified = 0;
			snprintf(r->why, sizeof(r->why), "run %d: %s", k,
				 ok ? "wrong values" : "pipe failed");
		}
	}
	for (i = 0; i < started; i++) {
		close(w[i].to);
		close(w[i].from);
		waitpid(w[i].pid, NULL, 0);
	}
	r->minflt += faults_now() - f0;
	free(x);
	free(w);
}

/* limit: P threads over pre-faulted private memory, two barriers a run. */
struct limit_ctx {
	pthread_barrier_t start, done;
	uint64_t *x;
	size_t n;
	unsigned int workers;
	int stop;
};

struct limit_thread {
	struct limit_ctx *c;
	unsigned int id;
};

static void *limit_main(void *arg)
{
	struct limit_thread *lt = arg;
	struct limit_ctx *c = lt->c;
	size_t per = (c->n + c->workers - 1) / c->workers;

	for (;;) {
		size_t first = lt->id * per;

		pthread_barrier_wait(&c->start);
		if (c->stop)
			return NULL;
		if (first < c->n)
			doubler(c->x, first, c->n - first < per ? c->n - first : per,
				NULL);
		pthread_barrier_wait(&c->done);
	}
}

static void run_limit(const struct opts *o, struct result *r, int runs)
{
	int k;
	struct limit_ctx c = { .n = r->n, .workers = o->workers };
	struct limit_thread *lt = calloc(o->workers, sizeof(*lt));
	pthread_t *th = calloc(o->workers, sizeof(*th));
	double t0;
	long f0 = faults_now();
	unsigned int i;

	/* Private, huge pages where the system gives them, pre-faulted. */
	c.x = mmap(NULL, r->n * sizeof(*c.x), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c.x == MAP_FAILED) {
		r->skipped = 1;
		snprintf(r->why, sizeof(r->why), "mmap: %s", strerror(errno));
		free(th);
		free(lt);
		return;
	}
	madvise(c.x, r->n * sizeof(*c.x), MADV_HUGEPAGE);
	fill(c.x, r->n);
	pthread_barrier_init(&c.start, NULL, o->workers + 1);
	pthread_barrier_init(&c.done, NULL, o->workers + 1);
	for (i = 0; i < o->workers; i++) {
		lt[i].c = &c;
		lt[i].id = i;
		pthread_create(&th[i], NULL, limit_main, &lt[i]);
	}
	for (k = 0; k <= runs; k++) {
		t0 = now();
		pthread_barrier_wait(&c.start);
		pthread_barrier_wait(&c.done);
		record(r, k, now() - t0);
		if (!verify(c.x, r->n, k + 1)) {
			r->verified = 0;
			snprintf(r->why, sizeof(r->why), "wrong values");
			break;
		}
	}
	c.stop = 1;
	pthread_barrier_wait(&c.start);
	for (i = 0; i < o->workers; i++)
		pthread_join(th[i], NULL);
	r->huge_bytes = huge_in(c.x, r->n * sizeof(*c.x));
	r->minflt += faults_now() - f0;
	pthread_barrier_destroy(&c.start);
	pthread_barrier_destroy(&c.done);
	munmap(c.x, r->n * sizeof(*c.x));
	free(th);
	free(lt);
}

/* Setup: create + map + first touch of setup_bytes, per GiB. */
static void run_setup(const struct opts *o, struct setup_result *s)
{
	struct shmdev_region *r = NULL;
	long f0 = faults_now();
	unsigned char *p;
	double t0 = now();
	size_t i;
	int ret;

	if (s->path == P_LIMIT) {
		p = mmap(NULL, o->setup_bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			s->skipped = 1;
			snprintf(s->why, sizeof(s->why), "mmap: %s", strerror(errno));
			return;
		}
		madvise(p, o->setup_bytes, MADV_HUGEPAGE);
	} else {
		ret = shmdev_region_create(backend_of(s->path), NULL,
					   o->setup_bytes, 0, 0600, &r);
		if (!ret)
			ret = shmdev_region_map(r, (void **)&p);
		if (ret) {
			s->skipped = 1;
			snprintf(s->why, sizeof(s->why), "%s", strerror(-ret));
			shmdev_region_close(r);
			return;
		}
	}
	for (i = 0; i < o->setup_bytes; i += 4096)
		p[i] = 1;
	s->secs_per_gib = (now() - t0) * (double)(1ull << 30) /
			  (double)o->setup_bytes;
	s->minflt = faults_now() - f0;
	s->huge_bytes = huge_in(p, o->setup_bytes);
	if (r)
		shmdev_region_close(r);
	else
		munmap(p, o->setup_bytes);
}

static const struct result *find(const struct result *res, int nres,
				 enum path path, enum mode mode, size_t n)
{
	int i;

	for (i = 0; i < nres; i++)
		if (res[i].path == path && res[i].mode == mode && res[i].n == n &&
		    !res[i].skipped && res[i].verified)
			return &res[i];
	return NULL;
}

/* The persistent-mode figure of a path (copy and limit have one mode). */
static const struct result *base_of(const struct result *res, int nres,
				    enum path path, size_t n)
{
	return find(res, nres, path, M_PERSISTENT, n);
}

static void fmt_time(double s, char *buf, size_t len)
{
	if (s < 1e-3)
		snprintf(buf, len, "%.1fus", s * 1e6);
	else if (s < 1)
		snprintf(buf, len, "%.2fms", s * 1e3);
	else
		snprintf(buf, len, "%.3fs", s);
}

static void fmt_ratio(const struct result *base, const struct result *r,
		      int inverse, char *buf, size_t len)
{
	if (!base || !r || r->median <= 0 || base->median <= 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.2fx", inverse ? r->median / base->median :
			 base->median / r->median);
}

static void print_table(const struct opts *o, const struct result *res,
			int nres, const struct setup_result *setup, int nsetup)
{
	char med[16], mn[16], mx[16], vs[16], vc[16], vl[16], hg[24];
	int i;

	printf("shmdev bench: double every int64 of a list in parallel, %u workers%s%s\n",
	       o->workers, o->label ? ", " : "", o->label ? o->label : "");
	printf("%10s %-8s %-13s %10s %10s %10s %8s %8s %8s %9s %9s %s\n",
	       "N", "path", "mode", "median", "min", "max", "vs sysv",
	       "vs copy", "/ limit", "faults", "huge", "ok");
	for (i = 0; i < nres; i++) {
		const struct result *r = &res[i];

		if (r->skipped) {
			printf("%10zu %-8s %-13s skipped: %s\n", r->n,
			       path_names[r->path], mode_names[r->mode], r->why);
			continue;
		}
		fmt_time(r->median, med, sizeof(med));
		fmt_time(r->min, mn, sizeof(mn));
		fmt_time(r->max, mx, sizeof(mx));
		fmt_ratio(base_of(res, nres, P_SYSV, r->n), r, 0, vs, sizeof(vs));
		fmt_ratio(base_of(res, nres, P_COPY, r->n), r, 0, vc, sizeof(vc));
		fmt_ratio(base_of(res, nres, P_LIMIT, r->n), r, 1, vl, sizeof(vl));
		format_size(r->huge_bytes, hg, sizeof(hg));
		printf("%10zu %-8s %-13s %10s %10s %10s %8s %8s %8s %9ld %9s %s\n",
		       r->n, path_names[r->path], mode_names[r->mode], med, mn,
		       mx, vs, vc, vl, r->minflt, hg,
		       r->verified ? "yes" : r->why);
	}
	if (!nsetup)
		return;
	printf("\nsetup: create + map + first touch of %zu MiB, per GiB\n",
	       o->setup_bytes >> 20);
	printf("%-8s %12s %12s %12s\n", "path", "s/GiB", "faults/GiB",
	       "huge");
	for (i = 0; i < nsetup; i++) {
		const struct setup_result *s = &setup[i];
		double scale = (double)(1ull << 30) / (double)o->setup_bytes;

		if (s->skipped) {
			printf("%-8s skipped: %s\n", path_names[s->path], s->why);
			continue;
		}
		format_size(s->huge_bytes, hg, sizeof(hg));
		printf("%-8s %12.3f %12.0f %12s\n", path_names[s->path],
		       s->secs_per_gib, (double)s->minflt * scale, hg);
	}
}

static void print_csv(FILE *out, const struct opts *o,
		      const struct result *res, int nres,
		      const struct setup_result *setup, int nsetup)
{
	int i;

	fprintf(out, "kind,label,workers,n,path,mode,iterations,median_s,min_s,max_s,vs_sysv,vs_copy,over_limit,minor_faults_per_round,huge_bytes,verified\n");
	for (i = 0; i < nres; i++) {
		const struct result *r = &res[i];
		const struct result *s = base_of(res, nres, P_SYSV, r->n);
		const struct result *c = base_of(res, nres, P_COPY, r->n);
		const struct result *l = base_of(res, nres, P_LIMIT, r->n);

		if (r->skipped)
			continue;
		fprintf(out, "run,%s,%u,%zu,%s,%s,%d,%.9f,%.9f,%.9f,%.4f,%.4f,%.4f,%ld,%llu,%d\n",
		       o->label ? o->label : "", o->workers, r->n,
		       path_names[r->path], mode_names[r->mode], r->nt,
		       r->median, r->min, r->max,
		       s ? s->median / r->median : 0, c ? c->median / r->median : 0,
		       l ? r->median / l->median : 0, r->minflt, r->huge_bytes,
		       r->verified);
	}
	for (i = 0; i < nsetup; i++)
		if (!setup[i].skipped)
			fprintf(out, "setup,%s,%u,%zu,%s,,1,%.6f,,,,,,%ld,%llu,1\n",
			       o->label ? o->label : "", o->workers,
			       o->setup_bytes, path_names[setup[i].path],
			       setup[i].secs_per_gib, setup[i].minflt,
			       setup[i].huge_bytes);
}

static void print_json(const struct opts *o, const struct result *res,
		       int nres, const struct setup_result *setup, int nsetup)
{
	int i, first = 1;

	printf("{\"workers\": %u, \"label\": \"%s\", \"runs\": [", o->workers,
	       o->label ? o->label : "");
	for (i = 0; i < nres; i++) {
		const struct result *r = &res[i];

		if (r->skipped)
			continue;
		printf("%s\n  {\"n\": %zu, \"path\": \"%s\", \"mode\": \"%s\", \"iterations\": %d, \"median_s\": %.9f, \"min_s\": %.9f, \"max_s\": %.9f, \"minor_faults_per_round\": %ld, \"huge_bytes\": %llu, \"verified\": %s}",
		       first ? "" : ",", r->n, path_names[r->path],
		       mode_names[r->mode], r->nt, r->median, r->min,
		       r->max, r->minflt, r->huge_bytes,
		       r->verified ? "true" : "false");
		first = 0;
	}
	printf("\n], \"setup\": [");
	first = 1;
	for (i = 0; i < nsetup; i++) {
		if (setup[i].skipped)
			continue;
		printf("%s\n  {\"path\": \"%s\", \"bytes\": %zu, \"s_per_gib\": %.6f, \"minor_faults\": %ld, \"huge_bytes\": %llu}",
		       first ? "" : ",", path_names[setup[i].path],
		       o->setup_bytes, setup[i].secs_per_gib, setup[i].minflt,
		       setup[i].huge_bytes);
		first = 0;
	}
	printf("\n]}\n");
}

/* An SVG chart: median seconds per iteration against N, log-log. */
static int write_plot(const struct opts *o, const char *file,
		      const struct result *res, int nres)
{
	static const char *const colors[] = {
		"#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#7f7f7f",
	};
	const double W = 760, H = 480, L = 80, R = 170, T = 40, B = 60;
	double xmin = 1e300, xmax = 0, ymin = 1e300, ymax = 0, e;
	int i, pth, md, first, legend = 0;
	FILE *f = fopen(file, "we");

	if (!f)
		return -errno;
	for (i = 0; i < nres; i++) {
		if (res[i].skipped || !res[i].verified)
			continue;
		xmin = fmin(xmin, (double)res[i].n);
		xmax = fmax(xmax, (double)res[i].n);
		ymin = fmin(ymin, res[i].median);
		ymax = fmax(ymax, res[i].median);
	}
	if (xmax <= 0) {
		fclose(f);
		return -ENODATA;
	}
	xmin = pow(10, floor(log10(xmin)));
	xmax = pow(10, ceil(log10(xmax)));
	ymin = pow(10, floor(log10(ymin)));
	ymax = pow(10, ceil(log10(ymax)));
	if (xmax <= xmin)
		xmax = xmin * 10;
	if (ymax <= ymin)
		ymax = ymin * 10;
#define X(v) (L + (log10(v) - log10(xmin)) / (log10(xmax) - log10(xmin)) * (W - L - R))
#define Y(v) (H - B - (log10(v) - log10(ymin)) / (log10(ymax) - log10(ymin)) * (H - T - B))
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" font-size=\"12\">\n",
		W, H);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(f, "<text x=\"%.0f\" y=\"22\" font-size=\"15\">Doubling N int64 with %u workers: median time per iteration%s%s</text>\n",
		L, o->workers, o->label ? " - " : "", o->label ? o->label : "");
	for (e = xmin; e <= xmax * 1.001; e *= 10) {
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#ddd\"/>\n",
			X(e), T, X(e), H - B);
		fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%g</text>\n",
			X(e), H - B + 16, e);
	}
	for (e = ymin; e <= ymax * 1.001; e *= 10) {
		char lab[16];

		fmt_time(e, lab, sizeof(lab));
		fprintf(f, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			L, Y(e), W - R, Y(e));
		fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			L - 6, Y(e) + 4, lab);
	}
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">N (elements)</text>\n",
		(L + W - R) / 2, H - 20);
	fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"black\"/>\n",
		L, T, W - L - R, H - T - B);
	for (pth = 0; pth < NPATHS; pth++) {
		for (md = 0; md < NMODES; md++) {
			first = 1;
			for (i = 0; i < nres; i++) {
				const struct result *r = &res[i];

				if ((int)r->path != pth || (int)r->mode != md ||
				    r->skipped || !r->verified)
					continue;
				if (first)
					fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"",
						colors[pth], md ? " stroke-dasharray=\"6 4\"" : "");
				fprintf(f, "%.1f,%.1f ", X((double)r->n), Y(r->median));
				first = 0;
			}
			if (first)
				continue;
			fprintf(f, "\"/>\n");
			fprintf(f, "<line x1=\"%.0f\" y1=\"%d\" x2=\"%.0f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>\n",
				W - R + 10, (int)T + 10 + legend * 18, W - R + 34,
				(int)T + 10 + legend * 18, colors[pth],
				md ? " stroke-dasharray=\"6 4\"" : "");
			fprintf(f, "<text x=\"%.0f\" y=\"%d\">%s%s</text>\n", W - R + 40,
				(int)T + 14 + legend * 18, path_names[pth],
				md ? " per-iter" : "");
			legend++;
		}
	}
#undef X
#undef Y
	fprintf(f, "</svg>\n");
	return fclose(f) ? -errno : 0;
}

static void help(FILE *out)
{
	fprintf(out, "Usage: shmdev bench [OPTIONS]\n\n"
		"Double every int64 of a list of N in parallel by chunks, over\n"
		"each path, and report time per iteration, faults and huge pages.\n"
		"faults: minor faults of one round (set-up, warm-up and timed runs).\n\n"
		"  -s, --sizes LIST       N values, comma-separated; k = 1000,\n"
		"                         M = 1000000\n"
		"                         (default 99,999,9999,99999,1000000,10000000)\n"
		"  -p, --paths LIST       of copy,sysv,posix,memfd,shmlist,limit\n"
		"                         (default: all; shmlist when /dev/shmlist exists)\n"
		"  -m, --mode LIST        persistent,per-iteration (default: both)\n"
		"  -w, --workers P        worker processes (default: CPUs)\n"
		"  -i, --iterations R     timed runs per size and path (default: by\n"
		"                         size, 9..1000), rounded up to whole rounds\n"
		"  -r, --rounds K         take the paths in turn K times per size, each\n"
		"                         round set up anew and warmed by one untimed\n"
		"                         run (default 9)\n"
		"      --setup-bytes SIZE region for the setup figure (default 256M;\n"
		"                         0 skips it)\n"
		"      --label TEXT       note put on every figure (e.g. emulated)\n"
		"      --csv, --json      machine-readable output\n"
		"      --csv-file FILE    also write the CSV to FILE\n"
		"      --plot FILE        an SVG chart of time against N\n");
}

static int parse_list(const char *arg, const char *const *names, int n,
		      unsigned int *mask)
{
	char *copy = strdup(arg), *tok, *save;
	int i, found;

	*mask = 0;
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
	int c, i, pth, md, nres = 0, nsetup = 0, bad = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

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

	while ((c = getopt_long(argc, argv, "s:p:m:w:i:r:h", opts_long, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_sizes(optarg, &o)) {
				fprintf(stderr, "shmdev: could not parse sizes '%s': want positive counts up to 2^32, comma-separated (e.g. 99,10k,1M)\n",
					optarg);
				return EXIT_FAILURE;
			}
			break;
		case 'p':
			if (parse_list(optarg, path_names, NPATHS, &o.paths)) {
				fprintf(stderr, "shmdev: could not parse paths '%s': want some of copy,sysv,posix,memfd,shmlist,limit\n",
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
			help(stderr);
			return EXIT_FAILURE;
		}
	}
	if (optind != argc) {
		help(stderr);
		return EXIT_FAILURE;
	}
	if (o.paths & (1u << P_SHMLIST) && access(SHMDEV_DEVICE_PATH, F_OK)) {
		tool_err(-ENOENT, "use the shmlist path: %s is missing (modprobe shmdev)",
			 SHMDEV_DEVICE_PATH);
		return EXIT_FAILURE;
	}

	res = calloc(MAX_RESULTS, sizeof(*res));
	if (!res) {
		tool_err(-ENOMEM, "bench");
		return EXIT_FAILURE;
	}
	for (i = 0; i < o.nsizes; i++) {
		int first = nres, ncells, per, round, j;

		for (pth = 0; pth < NPATHS; pth++) {
			for (md = 0; md < NMODES; md++) {
				if (!(o.paths & (1u << pth)) || !(o.modes & (1u << md)))
					continue;
				/* copy and limit attach nothing: one mode. */
				if ((pth == P_COPY || pth == P_LIMIT) && md &&
				    o.modes & 1)
					continue;
				res[nres].path = pth;
				res[nres].mode = md;
				res[nres].n = o.sizes[i];
				nres++;
			}
		}
		ncells = nres - first;
		per = (iterations_for(&o, o.sizes[i]) + o.rounds - 1) / o.rounds;
		for (j = first; j < nres; j++) {
			res[j].cap = per * o.rounds;
			res[j].t = calloc((size_t)res[j].cap, sizeof(double));
			res[j].verified = res[j].t != NULL;
			if (!res[j].t)
				snprintf(res[j].why, sizeof(res[j].why), "%s",
					 strerror(ENOMEM));
		}
		for (round = 0; round < o.rounds; round++) {
			for (j = 0; j < ncells; j++) {
				struct result *r = &res[first + (j + round) % ncells];

				if (r->skipped || !r->verified)
					continue;
				if (o.progress)
					fprintf(stderr, "\r[N=%zu round %d/%d] %s %s        ",
						r->n, round + 1, o.rounds,
						path_names[r->path],
						mode_names[r->mode]);
				if (r->path == P_COPY)
					run_copy(&o, r, per);
				else if (r->path == P_LIMIT)
					run_limit(&o, r, per);
				else
					run_shared(&o, r, per);
				r->rounds++;
			}
		}
		for (j = first; j < nres; j++) {
			summarize(&res[j]);
			if (res[j].rounds)
				res[j].minflt /= res[j].rounds;
			free(res[j].t);
			res[j].t = NULL;
			if (!res[j].skipped && !res[j].verified)
				bad = 1;
		}
	}
	for (pth = 0; o.setup_bytes && pth < NPATHS; pth++) {
		if (!(o.paths & (1u << pth)) || pth == P_COPY)
			continue;
		if (o.progress)
			fprintf(stderr, "\r[setup] %s                    ",
				path_names[pth]);
		memset(&setup[nsetup], 0, sizeof(setup[0]));
		setup[nsetup].path = pth;
		run_setup(&o, &setup[nsetup]);
		nsetup++;
	}
	if (o.progress)
		fprintf(stderr, "\r%60s\r", "");

	if (o.format == F_CSV)
		print_csv(stdout, &o, res, nres, setup, nsetup);
	else if (o.format == F_JSON)
		print_json(&o, res, nres, setup, nsetup);
	else
		print_table(&o, res, nres, setup, nsetup);
	if (o.csv_file) {
		FILE *f = fopen(o.csv_file, "w");

		if (f)
			print_csv(f, &o, res, nres, setup, nsetup);
		if (!f || fclose(f)) {
			tool_err(-errno, "write CSV %s", o.csv_file);
			bad = 1;
		}
	}
	if (o.plot) {
		int ret = write_plot(&o, o.plot, res, nres);

		if (ret) {
			tool_err(ret, "write plot %s", o.plot);
			bad = 1;
		}
	}
	free(res);
	if (bad)
		fprintf(stderr, "shmdev: could not verify every run: see the ok column\n");
	return bad ? EXIT_FAILURE : EXIT_SUCCESS;
}

const struct shmdev_cmd shmdev_cmd_bench = {
	.name = "bench",
	.fn = do_bench,
	.help = "when does shared memory pay off? the doubling workload",
};
