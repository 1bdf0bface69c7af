// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The worker pool: chunked jobs over every user-space backend (or those in
 * SHMDEV_TEST_BACKENDS), static and dynamic chunks, attach per job, a
 * worker killed mid-job, and teardown that leaves no process behind.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "shmdev.h"

static enum shmdev_backend backends[8];
static int nbackends;

static void dbl(void *elems, size_t first, size_t count, void *arg)
{
	int64_t *x = elems, add = arg ? *(int64_t *)arg : 0;
	size_t i;

	for (i = first; i < first + count; i++)
		x[i] = x[i] * 2 + add;
}

static void die_on_first(void *elems, size_t first, size_t count, void *arg)
{
	(void)elems;
	(void)count;
	(void)arg;
	if (first == 0)
		raise(SIGKILL);
}

static pid_t caller_pid;

/* Dies only in a worker, whichever chunk it has. */
static void die_in_worker(void *elems, size_t first, size_t count, void *arg)
{
	(void)elems;
	(void)first;
	(void)count;
	(void)arg;
	if (getpid() != caller_pid)
		raise(SIGKILL);
}

static void flip(void *elems, size_t first, size_t count, void *arg)
{
	int64_t *x = elems;
	size_t i;

	(void)arg;
	for (i = first; i < first + count; i++)
		x[i] ^= 1;
}

/* Each element says which process ran it. */
static void mark_pid(void *elems, size_t first, size_t count, void *arg)
{
	int64_t *x = elems;
	size_t i;

	(void)arg;
	for (i = first; i < first + count; i++)
		x[i] = getpid();
}

static struct shmdev_list *make_list(enum shmdev_backend b, size_t n)
{
	struct shmdev_list *l;
	int64_t *x;
	size_t i;

	assert_int_equal(shmdev_list_create(b, NULL, SHMDEV_T_INT64, n, 0, 0,
					    0600, &l), 0);
	assert_int_equal(shmdev_list_set_len(l, n), 0);
	x = shmdev_list_data(l);
	for (i = 0; i < n; i++)
		x[i] = (int64_t)i;
	return l;
}

static void no_children_left(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void check_doubled(struct shmdev_list *l, size_t n, int times,
			  int64_t add)
{
	int64_t *x = shmdev_list_data(l);
	size_t i;

	for (i = 0; i < n; i++) {
		int64_t want = (int64_t)i;
		int k;

		for (k = 0; k < times; k++)
			want = want * 2 + add;
		if (x[i] != want)
			fail_msg("element %zu: %lld, want %lld", i,
				 (long long)x[i], (long long)want);
	}
}

static void run_mode(unsigned int flags)
{
	static const size_t sizes[] = { 1, 2, 99, 999, 100003 };
	int i;
	unsigned int s;

	for (i = 0; i < nbackends; i++) {
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			struct shmdev_list *l = make_list(backends[i], sizes[s]);
			struct shmdev_pool *p;
			int64_t add = 3;

			assert_int_equal(shmdev_pool_create(l, 3, flags, &p), 0);
			assert_int_equal(shmdev_pool_workers(p), 3);
			assert_int_equal(shmdev_pool_run(p, dbl, NULL, 0, 0), 0);
			check_doubled(l, sizes[s], 1, 0);
			assert_int_equal(shmdev_pool_run(p, dbl, &add, sizeof(add),
							 7), 0);
			assert_int_equal(shmdev_pool_run(p, dbl, NULL, 0, 1000000),
					 0);
			assert_int_equal(shmdev_pool_destroy(p), 0);
			no_children_left();
			/* run applied: x*2, then (x*2)*2+3, then *2. */
			{
				int64_t *x = shmdev_list_data(l);
				size_t k;

				for (k = 0; k < sizes[s]; k++)
					assert_int_equal(x[k],
						((int64_t)k * 4 + 3) * 2);
			}
			shmdev_list_detach(l);
		}
	}
}

static void test_static(void **state)
{
	(void)state;
	run_mode(0);
}

static void test_dynamic(void **state)
{
	(void)state;
	run_mode(SHMDEV_POOL_DYNAMIC);
}

static void test_attach_per_job(void **state)
{
	(void)state;
	run_mode(SHMDEV_POOL_ATTACH_PER_JOB);
	run_mode(SHMDEV_POOL_ATTACH_PER_JOB | SHMDEV_POOL_DYNAMIC);
}

static void test_caller_runs(void **state)
{
	(void)state;
	run_mode(SHMDEV_POOL_CALLER_RUNS);
	run_mode(SHMDEV_POOL_CALLER_RUNS | SHMDEV_POOL_DYNAMIC);
	run_mode(SHMDEV_POOL_CALLER_RUNS | SHMDEV_POOL_ATTACH_PER_JOB);
}

/* Each policy, by flag and by $SHMDEV_POOL_WAIT, gives the same results. */
static void test_wait_policies(void **state)
{
	static const char *const env[] = { "active", "passive", "auto", "AUTO", "" };
	unsigned int i;

	(void)state;
	run_mode(SHMDEV_POOL_WAIT_ACTIVE | SHMDEV_POOL_CALLER_RUNS);
	run_mode(SHMDEV_POOL_WAIT_PASSIVE | SHMDEV_POOL_DYNAMIC);
	for (i = 0; i < sizeof(env) / sizeof(env[0]); i++) {
		setenv("SHMDEV_POOL_WAIT", env[i], 1);
		run_mode(SHMDEV_POOL_CALLER_RUNS);
	}
	unsetenv("SHMDEV_POOL_WAIT");
}

/* With the caller taking part, it runs a share and the workers the rest. */
static void test_caller_share(void **state)
{
	struct shmdev_list *l = make_list(backends[0], 1000);
	struct shmdev_pool *p;
	int64_t *x = shmdev_list_data(l);
	size_t i, mine = 0;

	(void)state;
	assert_int_equal(shmdev_pool_create(l, 1, SHMDEV_POOL_CALLER_RUNS, &p), 0);
	assert_int_equal(shmdev_pool_run(p, mark_pid, NULL, 0, 0), 0);
	for (i = 0; i < 1000; i++)
		mine += x[i] == getpid();
	/* An even split in two: the second half is the caller's. */
	assert_int_equal(mine, 500);
	assert_true(x[0] != getpid() && x[0] > 0);
	/* Without the flag, the caller runs nothing. */
	assert_int_equal(shmdev_pool_destroy(p), 0);
	assert_int_equal(shmdev_pool_create(l, 1, 0, &p), 0);
	assert_int_equal(shmdev_pool_run(p, mark_pid, NULL, 0, 0), 0);
	for (i = 0, mine = 0; i < 1000; i++)
		mine += x[i] == getpid();
	assert_int_equal(mine, 0);
	assert_int_equal(shmdev_pool_destroy(p), 0);
	no_children_left();
	shmdev_list_detach(l);
}

/* CPU time so far of this process's live children (/proc/PID/stat). */
static long children_cpu_ms(void)
{
	long ticks = 0, hz = sysconf(_SC_CLK_TCK);
	struct dirent *e;
	DIR *d = opendir("/proc");

	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[300], buf[512], *p;
		unsigned long ut, st;
		int ppid;
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		p = fgets(buf, sizeof(buf), f);
		fclose(f);
		/* After "(comm)": state ppid ... utime (14th) stime (15th). */
		p = p ? strrchr(buf, ')') : NULL;
		if (p && sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
				&ppid, &ut, &st) == 3 && ppid == getpid())
			ticks += (long)(ut + st);
	}
	closedir(d);
	return ticks * 1000 / hz;
}

/*
 * auto spins after a job, but not for long once jobs stop: workers of an
 * auto pool left idle for half a second use almost no CPU, where active
 * ones would spin throughout.
 */
static void test_auto_goes_idle(void **state)
{
	struct shmdev_list *l = make_list(backends[0], 1000);
	struct shmdev_pool *p;
	long before, used;
	int k;

	(void)state;
	assert_int_equal(shmdev_pool_create(l, 2, SHMDEV_POOL_CALLER_RUNS, &p), 0);
	for (k = 0; k < 1000; k++)
		assert_int_equal(shmdev_pool_run(p, flip, NULL, 0, 0), 0);
	before = children_cpu_ms();
	usleep(500 * 1000);
	used = children_cpu_ms() - before;
	assert_int_equal(shmdev_pool_destroy(p), 0);
	/* At most 10 ms of spinning each after the last job. */
	if (used >= 100)
		fail_msg("idle auto workers used %ld ms of CPU in 0.5 s", used);
	no_children_left();
	shmdev_list_detach(l);
}

static void test_empty_list(void **state)
{
	struct shmdev_list *l = make_list(backends[0], 10);
	struct shmdev_pool *p;

	(void)state;
	assert_int_equal(shmdev_list_set_len(l, 0), 0);
	assert_int_equal(shmdev_pool_create(l, 2, 0, &p), 0);
	assert_int_equal(shmdev_pool_run(p, dbl, NULL, 0, 0), 0);
	assert_int_equal(shmdev_pool_destroy(p), 0);
	shmdev_list_detach(l);
	no_children_left();
}

static void test_worker_killed(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < nbackends; i++) {
		struct shmdev_list *l = make_list(backends[i], 1000);
		struct shmdev_pool *p;

		assert_int_equal(shmdev_pool_create(l, 2, 0, &p), 0);
		assert_int_equal(shmdev_pool_run(p, die_on_first, NULL, 0, 100),
				 -ECHILD);
		/* The pool is broken for good, and says so. */
		assert_int_equal(shmdev_pool_run(p, dbl, NULL, 0, 0), -ECHILD);
		assert_int_equal(shmdev_pool_destroy(p), -ECHILD);
		no_children_left();
		shmdev_list_detach(l);
	}
}

/* Under every policy a dead worker fails the job; the caller never hangs. */
static void test_worker_killed_policies(void **state)
{
	static const unsigned int policies[] = {
		0, SHMDEV_POOL_WAIT_ACTIVE, SHMDEV_POOL_WAIT_PASSIVE,
	};
	unsigned int i;

	(void)state;
	caller_pid = getpid();
	for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		struct shmdev_list *l = make_list(backends[0], 1000);
		struct shmdev_pool *p;

		assert_int_equal(shmdev_pool_create(l, 2, policies[i] |
				 SHMDEV_POOL_CALLER_RUNS, &p), 0);
		assert_int_equal(shmdev_pool_run(p, dbl, NULL, 0, 0), 0);
		assert_int_equal(shmdev_pool_run(p, die_in_worker, NULL, 0, 0),
				 -ECHILD);
		assert_int_equal(shmdev_pool_run(p, dbl, NULL, 0, 0), -ECHILD);
		assert_int_equal(shmdev_pool_destroy(p), -ECHILD);
		no_children_left();
		shmdev_list_detach(l);
	}
}

static void on_alarm(int sig)
{
	(void)sig;
}

struct signaller {
	pthread_t target;
	int stop;
};

/* SIGALRM to the caller every 3 ms, from a thread: no POSIX timers
 * needed (tinyconfig kernels have none, and setitimer() fails there). */
static void *signal_often(void *arg)
{
	struct signaller *s = arg;
	struct timespec ms3 = { 0, 3000 * 1000 };

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		pthread_kill(s->target, SIGALRM);
		nanosleep(&ms3, NULL);
	}
	return NULL;
}

/*
 * A caller that gets signals every few milliseconds (each one waking it
 * from the futex early) still finds its dead worker, and once it says
 * -ECHILD no worker of the job is left running.
 */
static void test_worker_killed_under_signals(void **state)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct shmdev_list *l = make_list(backends[0], 1000);
	struct signaller sig = { .target = pthread_self() };
	struct shmdev_pool *p;
	pthread_t th;

	(void)state;
	caller_pid = getpid();
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	assert_int_equal(shmdev_pool_create(l, 2, SHMDEV_POOL_CALLER_RUNS |
					    SHMDEV_POOL_WAIT_PASSIVE, &p), 0);
	assert_int_equal(pthread_create(&th, NULL, signal_often, &sig), 0);
	assert_int_equal(shmdev_pool_run(p, die_in_worker, NULL, 0, 0), -ECHILD);
	no_children_left();
	__atomic_store_n(&sig.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	sigaction(SIGALRM, &old, NULL);
	assert_int_equal(shmdev_pool_destroy(p), -ECHILD);
	shmdev_list_detach(l);
}

/* A chunk near SIZE_MAX is one chunk, not a job that does nothing. */
static void test_huge_chunk(void **state)
{
	struct shmdev_list *l = make_list(backends[0], 10);
	struct shmdev_pool *p;

	(void)state;
	assert_int_equal(shmdev_pool_create(l, 1, 0, &p), 0);
	assert_int_equal(shmdev_pool_run(p, dbl, NULL, 0, SIZE_MAX), 0);
	check_doubled(l, 10, 1, 0);
	assert_int_equal(shmdev_pool_destroy(p), 0);
	shmdev_list_detach(l);
	no_children_left();
}

static void test_errors(void **state)
{
	struct shmdev_list *l = make_list(backends[0], 10), *m;
	struct shmdev_pool *p = (void *)1;
	unsigned char big[300] = { 0 };
	pid_t pid;
	int st;

	(void)state;
	assert_int_equal(shmdev_pool_create(NULL, 2, 0, &p), -EINVAL);
	assert_null(p);
	assert_int_equal(shmdev_pool_create(l, 0, 0, &p), -EINVAL);
	assert_int_equal(shmdev_pool_create(l, 257, 0, &p), -EINVAL);
	assert_int_equal(shmdev_pool_create(l, 2, 1u << 7, &p), -EINVAL);
	assert_int_equal(shmdev_pool_create(l, 2, SHMDEV_POOL_WAIT_ACTIVE |
					    SHMDEV_POOL_WAIT_PASSIVE, &p), -EINVAL);
	/* An unknown policy is refused, not guessed at. */
	setenv("SHMDEV_POOL_WAIT", "spin", 1);
	assert_int_equal(shmdev_pool_create(l, 2, 0, &p), -EINVAL);
	assert_null(p);
	/* A flag chooses for itself. */
	assert_int_equal(shmdev_pool_create(l, 1, SHMDEV_POOL_WAIT_PASSIVE, &p), 0);
	assert_int_equal(shmdev_pool_destroy(p), 0);
	unsetenv("SHMDEV_POOL_WAIT");
	assert_int_equal(shmdev_pool_create(l, 2, 0, NULL), -EINVAL);
	assert_int_equal(shmdev_list_create(backends[0], NULL, SHMDEV_T_MIXED,
					    4, 16, 0, 0600, &m), 0);
	assert_int_equal(shmdev_pool_create(m, 2, 0, &p), -EINVAL);
	shmdev_list_detach(m);

	assert_int_equal(shmdev_pool_create(l, 1, 0, &p), 0);
	assert_int_equal(shmdev_pool_run(NULL, dbl, NULL, 0, 0), -EINVAL);
	assert_int_equal(shmdev_pool_run(p, NULL, NULL, 0, 0), -EINVAL);
	assert_int_equal(shmdev_pool_run(p, dbl, big, sizeof(big), 0), -EINVAL);
	assert_int_equal(shmdev_pool_run(p, dbl, NULL, 8, 0), -EINVAL);
	/* Only the creating process runs jobs. */
	pid = fork();
	if (pid == 0)
		_exit(shmdev_pool_run(p, dbl, NULL, 0, 0) == -EINVAL ? 0 : 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(shmdev_pool_destroy(p), 0);
	assert_int_equal(shmdev_pool_destroy(NULL), 0);
	assert_int_equal(shmdev_pool_workers(NULL), 0);
	no_children_left();
	shmdev_list_detach(l);
}

/* The caller dies: its workers do not outlive it. */
static void test_owner_dies(void **state)
{
	int pfd[2], st;
	pid_t pid, worker;

	(void)state;
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	if (pid == 0) {
		struct shmdev_list *l;
		struct shmdev_pool *p;

		if (shmdev_list_create(backends[0], NULL, SHMDEV_T_INT64, 4, 0,
				       0, 0600, &l) ||
		    shmdev_pool_create(l, 1, 0, &p))
			_exit(1);
		/* The newest child of ours is the worker: report its pid. */
		worker = getpid() + 1;
		if (write(pfd[1], &worker, sizeof(worker)) != sizeof(worker))
			_exit(2);
		raise(SIGKILL);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &worker, sizeof(worker)), sizeof(worker));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	/* PR_SET_PDEATHSIG: the worker is killed too, soon. */
	for (int i = 0; i < 200 && kill(worker, 0) == 0; i++)
		usleep(10000);
	if (kill(worker, 0) == 0) {
		char path[64], buf[256] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/cmdline", worker);
		f = fopen(path, "r");
		if (f) {
			if (!fgets(buf, sizeof(buf), f))
				buf[0] = 0;
			fclose(f);
		}
		/* Only fail if it is really our worker. */
		assert_false(strstr(buf, "test_pool"));
	}
	close(pfd[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_dynamic),
		cmocka_unit_test(test_attach_per_job),
		cmocka_unit_test(test_caller_runs),
		cmocka_unit_test(test_wait_policies),
		cmocka_unit_test(test_caller_share),
		cmocka_unit_test(test_auto_goes_idle),
		cmocka_unit_test(test_empty_list),
		cmocka_unit_test(test_worker_killed),
		cmocka_unit_test(test_worker_killed_policies),
		cmocka_unit_test(test_worker_killed_under_signals),
		cmocka_unit_test(test_huge_chunk),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_owner_dies),
	};

	nbackends = unit_backends(backends, 8);
	if (!nbackends)
		return 1;
	return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
