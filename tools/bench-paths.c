// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev bench: the workload (double every int64, verify) and the paths
 * that carry it: a libshmdev pool over each backend, copying through
 * pipes, and the setup figure.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shmdev.h"
#include "bench.h"

const char *const path_names[NPATHS] = {
	"copy", "sysv", "posix", "memfd", "shmlist", "limit", "limit4k",
};
const char *const mode_names[NMODES] = { "persistent", "per-iteration" };

void doubler(void *elems, size_t first, size_t count, void *arg)
{
	uint64_t *x = elems;
	size_t i;

	(void)arg;
	for (i = first; i < first + count; i++)
		x[i] *= 2;
}

void fill(uint64_t *x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		x[i] = i;
}

/* After @runs doublings, x[i] is i << runs (mod 2^64). */
int verify(const uint64_t *x, size_t n, int runs)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (x[i] != (runs >= 64 ? 0 : (uint64_t)i << runs))
			return 0;
	return 1;
}

/* Bytes of the mappings around @addr that have huge pages (smaps). */
unsigned long long huge_in(const void *addr, size_t len)
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

/*
 * Persistent: P processes take part, the caller and P - 1 workers, as an
 * OpenMP team does.  Per-iteration is the Python study's pool: P workers
 * that each map the region anew for every job, and a caller that waits.
 */
static unsigned int pool_workers(const struct opts *o, enum mode m)
{
	return m == M_PERSISTENT && o->workers > 1 ? o->workers - 1 : o->workers;
}

static unsigned int pool_flags(const struct opts *o, enum mode m)
{
	if (m == M_PER_ITERATION)
		return SHMDEV_POOL_ATTACH_PER_JOB;
	return o->workers > 1 ? SHMDEV_POOL_CALLER_RUNS : 0;
}

void run_shared(const struct opts *o, struct result *r, int runs)
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
	ret = shmdev_pool_create(l, pool_workers(o, r->mode),
				 pool_flags(o, r->mode), &p);
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

void run_copy(const struct opts *o, struct result *r, int runs)
{
	int k, ok = 1;
	struct copy_worker *w = calloc(o->workers, sizeof(*w));
	double t0;
	uint64_t *x = malloc(r->n * sizeof(*x));
	size_t per = (r->n + o->workers - 1) / o->workers;
	long f0 = faults_now();
	unsigned int i, started = 0;

	/* A worker that dies (out of memory) is a failed run, not a kill. */
	signal(SIGPIPE, SIG_IGN);
	if (!w || !x) {
		/* As the shared paths do when memory is short: skip. */
		r->skipped = 1;
		snprintf(r->why, sizeof(r->why), "malloc of %zu bytes: %s",
			 r->n * sizeof(*x), strerror(ENOMEM));
		free(x);
		free(w);
		return;
	}
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

/* Setup: create + map + first touch of setup_bytes, per GiB. */
void run_setup(const struct opts *o, struct setup_result *s)
{
	struct shmdev_region *r = NULL;
	long f0 = faults_now();
	unsigned char *p;
	double t0 = now();
	size_t i;
	int ret;

	if (PATH_IS_FLOOR(s->path)) {
		p = mmap(NULL, o->setup_bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			s->skipped = 1;
			snprintf(s->why, sizeof(s->why), "mmap: %s", strerror(errno));
			return;
		}
		madvise(p, o->setup_bytes, s->path == P_LIMIT4K ?
			MADV_NOHUGEPAGE : MADV_HUGEPAGE);
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

