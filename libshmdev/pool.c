// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libshmdev: a pool of worker processes applying a function to a typed
 * list by chunks.  Workers are forked once; each job goes out and comes
 * back through a small control block in shared memory with futex wait and
 * wake (no pipes).  A worker that dies fails the job with -ECHILD instead
 * of hanging it.
 */
#include <errno.h>
#include <sched.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "internal.h"

#define POOL_MAX_WORKERS	256
#define POOL_ARG_MAX		256
/* How often a waiting caller checks that its workers are alive. */
#define POOL_LIVENESS_NS	(20 * 1000 * 1000)
/* Spins before sleeping on a futex: a short job is back before that. */
#define POOL_SPINS		64
#define POOL_YIELDS		256

/* The control block, shared by the caller and its workers. */
struct pool_ctl {
	uint32_t seq;		/* futex: bumped by the caller per job */
	uint32_t done;		/* futex: workers finished with the job */
	uint32_t stop;		/* workers exit at the next seq */
	uint32_t nworkers;
	uint64_t next_chunk;	/* dynamic claiming */
	/* The job, written before seq is released. */
	shmdev_apply_fn fn;
	uint64_t first;
	uint64_t count;
	uint64_t chunk;
	uint64_t flags;
	uint64_t arg_len;
	unsigned char arg[POOL_ARG_MAX];
};

struct shmdev_pool {
	struct pool_ctl *ctl;
	struct shmdev_list *list;
	unsigned int nworkers;
	unsigned int flags;
	int broken;		/* a worker died: no more jobs */
	pid_t owner;		/* the process that forked the workers */
	pid_t pids[];
};

static long futex(uint32_t *addr, int op, uint32_t val,
		  const struct timespec *ts)
{
	return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

static void futex_wake_all(uint32_t *addr)
{
	futex(addr, FUTEX_WAKE, INT32_MAX, NULL);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/*
 * Wait until *@addr differs from @val: spin briefly, then yield the CPU a
 * few times (back-to-back jobs arrive within microseconds, and a yield
 * lets a worker that needs this CPU run), then sleep on the futex.
 */
static int wait_change(uint32_t *addr, uint32_t val, const struct timespec *ts)
{
	int i;

	for (i = 0; i < POOL_SPINS; i++) {
		if (shm_load_acquire32(addr) != val)
			return 0;
		cpu_relax();
	}
	for (i = 0; i < POOL_YIELDS; i++) {
		if (shm_load_acquire32(addr) != val)
			return 0;
		sched_yield();
	}
	if (futex(addr, FUTEX_WAIT, val, ts) < 0 && errno == ETIMEDOUT)
		return -ETIMEDOUT;
	return 0;
}

/* Map the list's memory for one job (attach-per-job mode). */
static unsigned char *worker_attach(struct shmdev_region *r)
{
	int fd = shmdev_region_fd(r);
	void *p;

	if (fd >= 0) {
		p = mmap(NULL, shmdev_region_size(r), PROT_READ | PROT_WRITE,
			 MAP_SHARED, fd, 0);
		return p == MAP_FAILED ? NULL : p;
	}
	return NULL;
}

static void run_chunks(struct pool_ctl *c, unsigned int id,
		       unsigned char *elems, void *arg)
{
	uint64_t nchunks = (c->count + c->chunk - 1) / c->chunk;
	uint64_t k;

	if (c->flags & SHMDEV_POOL_DYNAMIC) {
		while ((k = shm_fetch_add64(&c->next_chunk, 1)) < nchunks) {
			uint64_t off = k * c->chunk;
			uint64_t n = c->count - off < c->chunk ?
				     c->count - off : c->chunk;

			c->fn(elems, c->first + off, n, arg);
		}
		return;
	}
	/* Static: chunk k belongs to worker k % nworkers. */
	for (k = id; k < nchunks; k += c->nworkers) {
		uint64_t off = k * c->chunk;
		uint64_t n = c->count - off < c->chunk ? c->count - off : c->chunk;

		c->fn(elems, c->first + off, n, arg);
	}
}

static void __attribute__((noreturn))
worker_main(struct shmdev_pool *p, unsigned int id, size_t data_offset,
	    pid_t parent)
{
	struct pool_ctl *c = p->ctl;
	struct shmdev_region *r = shmdev_list_region(p->list);
	unsigned char *base = shmdev_region_addr(r);
	uint32_t seen = 0;	/* seq when forked: no job yet */

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	for (;;) {
		uint32_t s;
		unsigned char *mem = base;

		while ((s = shm_load_acquire32(&c->seq)) == seen)
			wait_change(&c->seq, seen, NULL);
		seen = s;
		if (shm_load_acquire32(&c->stop))
			_exit(0);
		if (p->flags & SHMDEV_POOL_ATTACH_PER_JOB) {
			if (shmdev_region_backend(r) == SHMDEV_BACKEND_SYSV)
				mem = shmat(shmdev__region_shmid(r), NULL, 0);
			else
				mem = worker_attach(r);
			if (!mem || mem == (void *)-1)
				_exit(3);
		}
		run_chunks(c, id, mem + data_offset, c->arg_len ? c->arg : NULL);
		if (p->flags & SHMDEV_POOL_ATTACH_PER_JOB) {
			if (shmdev_region_backend(r) == SHMDEV_BACKEND_SYSV)
				shmdt(mem);
			else
				munmap(mem, shmdev_region_size(r));
		}
		if (shm_fetch_add32(&c->done, 1) + 1 == c->nworkers)
			futex_wake_all(&c->done);
	}
}

/* Reap workers that have exited; true if any had. */
static int pool_lost_worker(struct shmdev_pool *p)
{
	unsigned int i;
	int lost = 0, st;

	for (i = 0; i < p->nworkers; i++) {
		if (p->pids[i] <= 0) {
			lost = 1;
			continue;
		}
		if (waitpid(p->pids[i], &st, WNOHANG) != 0) {
			p->pids[i] = 0;
			lost = 1;
		}
	}
	return lost;
}

int shmdev_pool_create(struct shmdev_list *l, unsigned int workers,
		       unsigned int flags, struct shmdev_pool **out)
{
	struct shmdev_region *r = shmdev_list_region(l);
	struct shmdev_pool *p;
	size_t data_offset;
	pid_t parent = getpid();
	unsigned int i;
	void *base;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!l || !r || !workers || workers > POOL_MAX_WORKERS ||
	    flags & ~SHMDEV_POOL_VALID_FLAGS || !shmdev_list_data(l))
		return -EINVAL;
	if (flags & SHMDEV_POOL_ATTACH_PER_JOB &&
	    shmdev_region_fd(r) < 0 && shmdev__region_shmid(r) < 0)
		return -EINVAL;
	ret = shmdev_region_map(r, &base);
	if (ret)
		return ret;
	data_offset = (size_t)((unsigned char *)shmdev_list_data(l) -
			       (unsigned char *)base);

	p = calloc(1, sizeof(*p) + workers * sizeof(pid_t));
	if (!p)
		return -ENOMEM;
	p->ctl = mmap(NULL, sizeof(*p->ctl), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p->ctl == MAP_FAILED) {
		ret = -errno;
		free(p);
		return ret;
	}
	p->list = l;
	p->flags = flags;
	p->owner = parent;
	p->ctl->nworkers = workers;
	for (i = 0; i < workers; i++) {
		pid_t pid = fork();

		if (pid == 0)
			worker_main(p, i, data_offset, parent);
		if (pid < 0) {
			ret = -errno;
			p->nworkers = i;
			shmdev_pool_destroy(p);
			return ret;
		}
		p->pids[i] = pid;
	}
	p->nworkers = workers;
	*out = p;
	return 0;
}

int shmdev_pool_run(struct shmdev_pool *p, shmdev_apply_fn fn,
		    const void *arg, size_t arg_len, size_t chunk)
{
	struct timespec ts = { 0, POOL_LIVENESS_NS };
	struct pool_ctl *c;
	int64_t len;
	uint32_t d;

	if (!p || !fn || arg_len > POOL_ARG_MAX || (arg_len && !arg))
		return -EINVAL;
	if (p->owner != getpid())
		return -EINVAL;
	if (p->broken)
		return -ECHILD;
	len = shmdev_list_len(p->list);
	if (len < 0)
		return (int)len;
	c = p->ctl;
	if (!chunk) {
		unsigned int parts = p->nworkers *
				     (p->flags & SHMDEV_POOL_DYNAMIC ? 4 : 1);

		chunk = ((size_t)len + parts - 1) / parts;
	}
	if (!len)
		return 0;
	c->fn = fn;
	c->first = 0;
	c->count = (uint64_t)len;
	c->chunk = chunk ? chunk : 1;
	c->flags = p->flags;
	c->arg_len = arg_len;
	if (arg_len)
		memcpy(c->arg, arg, arg_len);
	c->next_chunk = 0;
	shm_store_release32(&c->done, 0);
	shm_store_release32(&c->seq, c->seq + 1);
	futex_wake_all(&c->seq);

	while ((d = shm_load_acquire32(&c->done)) < p->nworkers) {
		if (wait_change(&c->done, d, &ts) == -ETIMEDOUT &&
		    pool_lost_worker(p)) {
			p->broken = 1;
			return -ECHILD;
		}
	}
	return 0;
}

unsigned int shmdev_pool_workers(const struct shmdev_pool *p)
{
	return p ? p->nworkers : 0;
}

int shmdev_pool_destroy(struct shmdev_pool *p)
{
	struct timespec pause = { 0, 1000 * 1000 };
	unsigned int i, tries;
	int ret = 0, st;

	if (!p)
		return 0;
	if (p->owner == getpid()) {
		shm_store_release32(&p->ctl->stop, 1);
		shm_store_release32(&p->ctl->seq, p->ctl->seq + 1);
		futex_wake_all(&p->ctl->seq);
		for (i = 0; i < p->nworkers; i++) {
			if (p->pids[i] <= 0) {
				ret = -ECHILD;
				continue;
			}
			/* A second to leave, then SIGKILL. */
			for (tries = 0; tries < 1000; tries++) {
				if (waitpid(p->pids[i], &st, WNOHANG) != 0)
					break;
				nanosleep(&pause, NULL);
			}
			if (tries == 1000) {
				kill(p->pids[i], SIGKILL);
				waitpid(p->pids[i], &st, 0);
				ret = -ETIMEDOUT;
			} else if (!WIFEXITED(st) || WEXITSTATUS(st)) {
				ret = -ECHILD;
			}
		}
		if (p->broken)
			ret = -ECHILD;
	}
	munmap(p->ctl, sizeof(*p->ctl));
	free(p);
	return ret;
}
