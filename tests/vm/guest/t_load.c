// SPDX-License-Identifier: GPL-2.0
/*
 * Load: 64 processes create, open, map and close regions as fast as they
 * can (SHMDEV_LOAD_SECONDS, default 10; 30 for the full suite) with the
 * hung-task detector on; then the operations per second, and nothing
 * left behind.  A deadlock shows as a timeout or a hung-task splat.
 */
#include <signal.h>
#include <sys/mman.h>
#include <time.h>

#include "kt.h"

#define NPROC 64

static void __attribute__((noreturn)) worker(int id, int out, time_t end)
{
	int dev = open("/dev/shmlist", O_RDWR | O_CLOEXEC);
	unsigned long ops = 0;
	char name[32];

	if (dev < 0)
		_exit(2);
	snprintf(name, sizeof(name), "load-%d", id % 8);
	while (time(NULL) < end) {
		int fd = kt_create(dev, name, 65536, 0, 0666), fd2;
		unsigned char *p;

		if (fd < 0)
			fd = kt_create(dev, NULL, 65536, 0, 0600);
		if (fd < 0)
			_exit(3);
		p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			_exit(4);
		p[ops % 65536] = 1;
		fd2 = kt_open(dev, name, SHMDEV_OPEN_RDWR);
		if (fd2 >= 0)
			close(fd2);
		munmap(p, 65536);
		close(fd);
		ops += 4;
	}
	if (write(out, &ops, sizeof(ops)) != sizeof(ops))
		_exit(5);
	_exit(0);
}

int main(void)
{
	const char *d = getenv("SHMDEV_LOAD_SECONDS");
	int secs = d ? atoi(d) : 10, i, pfd[2], dev = kt_open_dev();
	unsigned long total = 0, ops;
	struct shmdev_info a = kt_info(dev), b;
	time_t end;
	FILE *f;

	f = fopen("/proc/sys/kernel/hung_task_timeout_secs", "w");
	if (f) {
		fprintf(f, "10\n");
		fclose(f);
	}
	kt_ok(pipe(pfd));
	end = time(NULL) + secs;
	for (i = 0; i < NPROC; i++)
		if (fork() == 0)
			worker(i, pfd[1], end);
	close(pfd[1]);
	for (i = 0; i < NPROC; i++) {
		int st = 0;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			kt_fail("a load worker failed (status 0x%x)", st);
	}
	while (read(pfd[0], &ops, sizeof(ops)) == sizeof(ops))
		total += ops;
	printf("load: %d processes, %d s, %lu operations, %.0f ops/s\n", NPROC,
	       secs, total, (double)total / secs);
	kt_eq(kt_wait_listed(NULL, 0, 5000), 0);
	b = kt_info(dev);
	kt_eq(b.cur_regions, a.cur_regions);
	kt_eq(b.created - a.created, b.destroyed - a.destroyed);
	kt_true(total > 0);
	close(dev);
	return kt_exit();
}
