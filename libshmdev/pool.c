// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libshmdev: a pool of worker processes applying a function to a typed
 * list by chunks.  Workers are forked once; each job goes out and comes
 * back through a small control block in shared memory (no pipes): waiters
 * spin on it for a while (the wait policy below) and then sleep on a
 * futex, and a futex wake is made only when someone may sleep.  With
 * SHMDEV_POOL_CALLER_RUNS the caller runs a share of each job itself, as
 * OpenMP's master thread does, instead of waiting idle.  A worker that
 * dies fails the job with -ECHILD instead of hanging it: the caller
 * checks its workers every POOL_LIVENESS_NS while it waits, spinning or
 * asleep.
 */
#include <errno.h>
#include <sched.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
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
/*
 * The auto wait policy (after libgomp's OMP_WAIT_POLICY, whose default of
 * 300,000 pauses spins for a few milliseconds): a worker that finished a
 * job spins for the next one about twice the recent gap between jobs, at
 * least POOL_SPIN_MIN_NS and at most POOL_SPIN_MAX_NS, then sleeps on the
 * futex; when the gaps are longer than that, it spins only
 * POOL_SPIN_MIN_NS.  10 ms covers a caller that reads back 80 MB between
 * jobs (the bench at 10^7), so its worker is awake when the job comes.  So jobs that follow each other closely never pay a
 * wake-up, one late job costs a wake-up rather than a CPU, and a pool whose
 * jobs have stopped burns at most POOL_SPIN_MAX_NS of CPU.  With more
 * processes than CPUs, spinning would take the CPU from the process being
 * waited for: waiters then yield the CPU instead of pausing, for
 * POOL_SPIN_MIN_NS, so that the process waited for runs and a job that
 * comes back within that time still costs no futex sleep and wake.
 */
#define POOL_SPIN_MIN_NS	(50 * 1000)
#define POOL_SPIN_MAX_NS	(10 * 1000 * 1000)
#define POOL_SPIN_FOREVER	INT64_MAX
#define POOL_CACHELINE		64

enum pool_wait { POOL_WAIT_AUTO, POOL_WAIT_ACTIVE, POOL_WAIT_PASSIVE };

/*
 * The control block, shared by the caller and its workers.  What the
 * caller writes per job, what workers count on and what all of them claim
 * sit on separate cache lines, so that a spinning waiter's line moves only
 * when its value changes.
 */
struct pool_ctl {
	uint32_t seq;		/* futex: bumped by the caller per job */
	uint32_t seq_sleepers;	/* workers that may be asleep on seq */
	uint32_t stop;		/* workers exit at the next seq */
	uint32_t nparts;	/* workers, plus the caller if it runs a share */
	/* The job, written before seq is released. */
	shmdev_apply_fn fn;
	uint64_t first;
	uint64_t count;
	uint64_t chunk;
	uint64_t flags;
	uint64_t arg_len;
	unsigned char arg[POOL_ARG_MAX];
	uint32_t done __attribute__((aligned(POOL_CACHELINE)));
				/* futex: workers finished with the job */
	uint32_t done_sleeping;	/* the caller may be asleep on done */
	uint64_t next_chunk __attribute__((aligned(POOL_CACHELINE)));
				/* dynamic claiming */
};

struct shmdev_pool {
	struct pool_ctl *ctl;
	struct shmdev_list *list;
	unsigned int nworkers;
	unsigned int flags;
	enum pool_wait wait;
	int oversubscribed;	/* more processes than CPUs to run them */
	int broken;		/* a worker died: no more jobs */
	unsigned char *base;	/* the list's mapping the workers inherit */
	size_t map_len;		/* its bytes */
	size_t max_len;		/* the elements it holds */
	pid_t owner;		/* the process that forked the workers */
	unsigned long owner_gen;	/* fork_generation there */
	pid_t pids[];
};

/*
 * Bumped in the child of every fork(): a pool runs jobs only in the process
 * that created it, and comparing this costs nothing per job, where
 * getpid() is a system call (glibc stopped caching the pid in 2.25) that
 * would cost more than dispatching a small job.
 */
static unsigned long fork_generation;
static pthread_once_t fork_hook_once = PTHREAD_ONCE_INIT;

static void fork_child(void)
{
	fork_generation++;
}

static void fork_hook(void)
{
	pthread_atfork(NULL, NULL, fork_child);
}

static long futex(uint32_t *addr, int op, uint32_t val,
		  const struct timespec *ts)
{
	return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Wait until *@addr differs from @val: spin for @spin_ns (checking the
 * clock every 64 pauses, or yielding the CPU instead of pausing if
 * @yield), then sleep on the futex until woken or @ts_ns passes (0: no
 * limit).  A spin that outlasts @ts_ns returns too, so that
 * the caller checks its workers as often either way.
 *
 * @sleepers counts waiters that may be in FUTEX_WAIT, so that wake_change()
 * makes the system call only when one may be.  The count goes up before
 * the value is read again, and the waker writes the value before it reads
 * the count, both sequentially consistent: either the waiter sees the new
 * value or the waker sees the sleeper (and FUTEX_WAIT itself rechecks).
 * Returns 0, or -ETIMEDOUT when @ts_ns passed.
 */
static int wait_change(uint32_t *addr, uint32_t val, uint32_t *sleepers,
		       int64_t spin_ns, int64_t ts_ns, int yield)
{
	int64_t start = 0, t;
	struct timespec ts;
	unsigned int i;
	int ret = 0;

	for (i = 0; spin_ns > 0; i++) {
		if (shm_load_acquire32(addr) != val)
			return 0;
		if (yield)
			sched_yield();
		else
			cpu_relax();
		if (!yield && i % 64)
			continue;
		t = now_ns();
		if (!start)
			start = t;
		if (ts_ns && t - start >= ts_ns)
			return -ETIMEDOUT;
		if (t - start >= spin_ns)
			break;
	}
	ts.tv_sec = ts_ns / 1000000000;
	ts.tv_nsec = ts_ns % 1000000000;
	shm_add_fetch_seqcst32(sleepers, 1);
	if (shm_load_seqcst32(addr) == val &&
	    futex(addr, FUTEX_WAIT, val, ts_ns ? &ts : NULL) < 0 &&
	    errno == ETIMEDOUT)
		ret = -ETIMEDOUT;
	shm_add_fetch_seqcst32(sleepers, (uint32_t)-1);
	return ret;
}

/* Wake whoever waits on @addr, which was just changed, if anyone may sleep. */
static void wake_change(uint32_t *addr, uint32_t *sleepers)
{
	shm_fence_seqcst();
	if (shm_load_seqcst32(sleepers))
		futex(addr, FUTEX_WAKE, INT32_MAX, NULL);
}

/* How long a worker spins for the next job, given the recent gap. */
static int64_t worker_spin_ns(const struct shmdev_pool *p, int64_t gap_ns)
{
	if (p->wait == POOL_WAIT_ACTIVE)
		return POOL_SPIN_FOREVER;
	if (p->wait == POOL_WAIT_PASSIVE)
		return 0;
	if (p->oversubscribed || gap_ns > POOL_SPIN_MAX_NS)
		return POOL_SPIN_MIN_NS;
	gap_ns *= 2;
	return gap_ns < POOL_SPIN_MIN_NS ? POOL_SPIN_MIN_NS :
	       gap_ns > POOL_SPIN_MAX_NS ? POOL_SPIN_MAX_NS : gap_ns;
}

/* Participant @id's share of the job (the caller's id is nworkers). */
static void run_chunks(struct pool_ctl *c, unsigned int id,
		       unsigned char *elems, void *arg)
{
	uint64_t nchunks = c->count / c->chunk + (c->count % c->chunk != 0);
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
	/* Static: chunk k belongs to participant k % nparts. */
	for (k = id; k < nchunks; k += c->nparts) {
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
	unsigned char *base = p->base;
	/* The list's mapping when the pool was made: its capacity then
	 * (shmdev_pool_run() refuses a list grown past it). */
	size_t map_len = p->map_len;
	uint32_t seen = 0;	/* seq when forked: no job yet */
	int64_t gap = POOL_SPIN_MAX_NS + 1, idle_since;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	for (;;) {
		uint32_t s;
		unsigned char *mem = base;

		idle_since = now_ns();
		while ((s = shm_load_acquire32(&c->seq)) == seen)
			wait_change(&c->seq, seen, &c->seq_sleepers,
				    worker_spin_ns(p, gap), 0,
				    p->oversubscribed);
		seen = s;
		/* The recent gap between jobs, smoothed (weight 1/4). */
		gap += (now_ns() - idle_since - gap) / 4;
		if (shm_load_acquire32(&c->stop))
			_exit(0);
		/* Attach per job: a mapping of the worker's own, each time. */
		if (p->flags & SHMDEV_POOL_ATTACH_PER_JOB) {
			void *m;

			if (shmdev__region_attach(r, map_len, &m))
				_exit(3);
			mem = m;
		}
		run_chunks(c, id, mem + data_offset, c->arg_len ? c->arg : NULL);
		if (p->flags & SHMDEV_POOL_ATTACH_PER_JOB)
			shmdev__region_detach(r, mem, map_len);
		if (shm_add_fetch_seqcst32(&c->done, 1) == p->nworkers)
			wake_change(&c->done, &c->done_sleeping);
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

/*
 * Wait for @pid to end, through signals: a caller whose signal handlers
 * lack SA_RESTART must not be left with an unreaped worker.
 */
static void reap(pid_t pid, int *st)
{
	while (waitpid(pid, st, 0) < 0 && errno == EINTR)
		;
}

/*
 * A worker died mid-job: the job has failed, and the others must not go
 * on writing the list after the caller is told so.  They are killed and
 * reaped; the pool stays broken.
 */
static void pool_stop_workers(struct shmdev_pool *p)
{
	unsigned int i;

	p->broken = 1;
	for (i = 0; i < p->nworkers; i++) {
		if (p->pids[i] <= 0)
			continue;
		kill(p->pids[i], SIGKILL);
		reap(p->pids[i], NULL);
		p->pids[i] = 0;
	}
}

/*
 * The wait policy: a WAIT flag, else $SHMDEV_POOL_WAIT (active, passive or
 * auto, as OMP_WAIT_POLICY), else auto.  -EINVAL for both flags or an
 * unknown value, rather than a policy the user did not ask for.
 */
static int pool_wait_policy(unsigned int flags, enum pool_wait *out)
{
	const char *env = getenv("SHMDEV_POOL_WAIT");

	if ((flags & SHMDEV_POOL_WAIT_ACTIVE) && (flags & SHMDEV_POOL_WAIT_PASSIVE))
		return -EINVAL;
	if (flags & SHMDEV_POOL_WAIT_ACTIVE)
		*out = POOL_WAIT_ACTIVE;
	else if (flags & SHMDEV_POOL_WAIT_PASSIVE)
		*out = POOL_WAIT_PASSIVE;
	else if (!env || !*env || !strcasecmp(env, "auto"))
		*out = POOL_WAIT_AUTO;
	else if (!strcasecmp(env, "active"))
		*out = POOL_WAIT_ACTIVE;
	else if (!strcasecmp(env, "passive"))
		*out = POOL_WAIT_PASSIVE;
	else
		return -EINVAL;
	return 0;
}

/* The CPUs this process may run on. */
static unsigned int pool_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	return (unsigned int)CPU_COUNT(&set);
}

int shmdev_pool_create(struct shmdev_list *l, unsigned int workers,
		       unsigned int flags, struct shmdev_pool **out)
{
	struct shmdev_region *r = shmdev_list_region(l);
	struct shmdev_pool *p;
	size_t data_offset;
	pid_t parent = getpid();
	enum pool_wait wait;
	unsigned int i;
	unsigned char *base;
	size_t map_len, max_len;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!l || !r || !workers || workers > POOL_MAX_WORKERS ||
	    flags & ~SHMDEV_POOL_VALID_FLAGS || !shmdev_list_data(l) ||
	    pool_wait_policy(flags, &wait))
		return -EINVAL;
	/* The workers inherit the list's mapping as it is now. */
	ret = shmdev__list_mapping(l, &base, &map_len, &data_offset, &max_len);
	if (ret)
		return ret;

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
	p->base = base;
	p->map_len = map_len;
	p->max_len = max_len;
	p->flags = flags;
	p->wait = wait;
	p->owner = parent;
	pthread_once(&fork_hook_once, fork_hook);
	p->owner_gen = fork_generation;
	p->nworkers = workers;
	p->ctl->nparts = workers + !!(flags & SHMDEV_POOL_CALLER_RUNS);
	/* The caller waits for every job, so it counts as a process too. */
	p->oversubscribed = workers + 1 > pool_cpus();
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
	*out = p;
	return 0;
}

/* How long the caller spins for its workers before it sleeps. */
static int64_t caller_spin_ns(const struct shmdev_pool *p)
{
	if (p->wait == POOL_WAIT_ACTIVE)
		return POOL_SPIN_FOREVER;
	if (p->wait == POOL_WAIT_PASSIVE)
		return 0;
	return p->oversubscribed ? POOL_SPIN_MIN_NS : POOL_SPIN_MAX_NS;
}

int shmdev_pool_run(struct shmdev_pool *p, shmdev_apply_fn fn,
		    const void *arg, size_t arg_len, size_t chunk)
{
	struct pool_ctl *c;
	int64_t len, next_check;
	uint32_t d;

	if (!p || !fn || arg_len > POOL_ARG_MAX || (arg_len && !arg))
		return -EINVAL;
	if (p->owner_gen != fork_generation)
		return -EINVAL;
	if (p->broken)
		return -ECHILD;
	len = shmdev_list_len(p->list);
	if (len < 0)
		return (int)len;
	if ((uint64_t)len > p->max_len)
		return -ESTALE;	/* grown past the workers' mapping */
	c = p->ctl;
	if (!chunk) {
		unsigned int parts = c->nparts *
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
	shm_store_seqcst32(&c->seq, c->seq + 1);
	wake_change(&c->seq, &c->seq_sleepers);

	/* The caller's share, on its own mapping, while the workers run. */
	if (p->flags & SHMDEV_POOL_CALLER_RUNS)
		run_chunks(c, p->nworkers, shmdev_list_data(p->list),
			   c->arg_len ? c->arg : NULL);

	/*
	 * The workers are checked every POOL_LIVENESS_NS by the clock, not by
	 * the futex timing out: a signal or a stray wake-up must not restart
	 * the count, or a caller that gets signals often would never notice.
	 */
	next_check = now_ns() + POOL_LIVENESS_NS;
	while ((d = shm_load_acquire32(&c->done)) < p->nworkers) {
		int64_t left = next_check - now_ns();

		if (left > 0) {
			wait_change(&c->done, d, &c->done_sleeping,
				    caller_spin_ns(p), left, p->oversubscribed);
			continue;
		}
		if (pool_lost_worker(p)) {
			pool_stop_workers(p);
			return -ECHILD;
		}
		next_check = now_ns() + POOL_LIVENESS_NS;
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
		shm_store_seqcst32(&p->ctl->seq, p->ctl->seq + 1);
		wake_change(&p->ctl->seq, &p->ctl->seq_sleepers);
		for (i = 0; i < p->nworkers; i++) {
			if (p->pids[i] <= 0) {
				ret = -ECHILD;
				continue;
			}
			/* A second to leave, then SIGKILL. */
			for (tries = 0; tries < 1000; tries++) {
				pid_t got = waitpid(p->pids[i], &st, WNOHANG);

				if (got < 0)		/* reaped by someone else */
					st = 0;
				if (got != 0)
					break;
				nanosleep(&pause, NULL);
			}
			if (tries == 1000) {
				kill(p->pids[i], SIGKILL);
				reap(p->pids[i], &st);
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
