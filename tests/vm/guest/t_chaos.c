// SPDX-License-Identifier: GPL-2.0
/*
 * SIGKILL chaos: 16 processes create, open, map, touch, fork, pass fds,
 * resize, seal, ring and read doorbells, park and unpark, close and
 * unlink regions at random (a touch past a shrunk end, or through a
 * parked mapping of a region gone, takes its SIGBUS and goes on) while a
 * controller kills them with SIGKILL at random moments.  Afterwards nothing is left: the listing is
 * empty, created == destroyed, and Shmem is back where it was (within
 * 1 MiB).  Seeded: SHMDEV_CHAOS_SEED replays a run; SHMDEV_CHAOS_SECONDS
 * sets its length (default 20; 60 for the full suite).
 */
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>

#include "kt.h"

#define NPROC	16
#define NNAMES	24
#define HELD	8

static uint64_t rng;
static sigjmp_buf bus_jmp;

static void on_bus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* One chaos process: random operations forever, until killed. */
static void __attribute__((noreturn)) chaos(uint64_t seed)
{
	int dev = open("/dev/shmlist", O_RDWR | O_CLOEXEC), sv[2];
	struct { int fd; void *p; size_t len; } held[HELD] = { 0 };
	char name[32];

	rng = seed | 1;
	if (dev < 0 || socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		_exit(2);
	signal(SIGBUS, on_bus);
	for (;;) {
		unsigned int k = rnd() % HELD, op = rnd() % 14;
		size_t len = (size_t)(1 + rnd() % 1024) * 4096;
		unsigned int flags = 0;

		snprintf(name, sizeof(name), "chaos-%u", rnd() % NNAMES);
		switch (op) {
		case 0: case 1:
			if (held[k].fd > 0)
				break;
			if (rnd() % 4 == 0)
				flags |= SHMDEV_CREATE_PERSIST;
			if (rnd() % 8 == 0)
				flags |= SHMDEV_CREATE_POPULATE;
			held[k].fd = kt_create(dev, rnd() % 3 ? name : NULL, len,
					       flags | (rnd() % 2 ? SHMDEV_CREATE_EXCL : 0),
					       0600);
			if (held[k].fd < 0)
				held[k].fd = 0;
			break;
		case 2:
			if (held[k].fd > 0)
				break;
			held[k].fd = kt_open(dev, name, SHMDEV_OPEN_RDWR);
			if (held[k].fd < 0)
				held[k].fd = 0;
			break;
		case 3: case 4: {
			struct shmdev_stat st;

			if (held[k].fd <= 0 || held[k].p || kt_stat(held[k].fd, &st))
				break;
			held[k].len = st.size;
			held[k].p = mmap(NULL, st.size, PROT_READ | PROT_WRITE,
					 MAP_SHARED, held[k].fd, 0);
			if (held[k].p == MAP_FAILED) {
				held[k].p = NULL;
				break;
			}
			/* Another process may have shrunk it since. */
			if (sigsetjmp(bus_jmp, 1))
				break;
			for (size_t i = 0; i < st.size; i += 4096 * (1 + rnd() % 64))
				((volatile char *)held[k].p)[i] = 1;
			break;
		}
		case 5:
			if (held[k].p) {
				munmap(held[k].p, held[k].len);
				held[k].p = NULL;
			}
			if (held[k].fd > 0) {
				close(held[k].fd);
				held[k].fd = 0;
			}
			break;
		case 6:
			kt_unlink(dev, name);
			break;
		case 7:
			/* A child holds what we hold, for a while, and dies. */
			if (fork() == 0) {
				usleep(rnd() % 20000);
				if (rnd() % 2)
					raise(SIGKILL);
				_exit(0);
			}
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			break;
		case 8:
			/* Pass an fd to ourselves: it sits in the socket. */
			if (held[k].fd > 0)
				kt_send_fd(sv[0], held[k].fd,
					   MSG_DONTWAIT | MSG_NOSIGNAL);
			break;
		case 9:
			if (rnd() % 4 == 0) {
				char c;

				recv(sv[1], &c, 1, MSG_DONTWAIT);
			}
			break;
		case 10:
			if (held[k].fd > 0)
				kt_resize(held[k].fd, len);
			break;
		case 11:
			/* Seals at random, write seals rarely. */
			if (held[k].fd > 0)
				kt_seal(held[k].fd, rnd() % 8 ? rnd() % 8 :
					rnd() % 32);
			break;
		case 12:
			if (held[k].fd > 0) {
				struct pollfd pfd = { held[k].fd, POLLIN, 0 };
				struct shmdev_notify n;

				kt_notify(held[k].fd, rnd() % 4, &n);
				if (poll(&pfd, 1, rnd() % 3) == 1)
					kt_notify(held[k].fd, SHMDEV_NOTIFY_ACK,
						  &n);
			}
			break;
		case 13:
			/* Park or unpark the fd, with its mapping or not. */
			if (held[k].fd > 0) {
				struct shmdev_park pk = { 0 };

				if (held[k].p && rnd() % 4) {
					pk.addr = (uintptr_t)held[k].p;
					pk.len = held[k].len;
				}
				if (ioctl(held[k].fd, rnd() % 2 ? SHMDEV_IOC_PARK :
					  SHMDEV_IOC_UNPARK, &pk) || !pk.len ||
				    sigsetjmp(bus_jmp, 1))
					break;
				((volatile char *)held[k].p)[0] = 1;
			}
			break;
		}
	}
}

static pid_t spawn(uint64_t seed)
{
	pid_t pid = fork();

	if (pid == 0)
		chaos(seed);
	return pid;
}

int main(void)
{
	const char *s = getenv("SHMDEV_CHAOS_SEED"), *d = getenv("SHMDEV_CHAOS_SECONDS");
	uint64_t seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL);
	int secs = d ? atoi(d) : 20, i, kills = 0;
	pid_t pids[NPROC];
	struct shmdev_info a, b;
	long long shmem0, shmem1 = 0;
	time_t end;
	int dev = kt_open_dev();
	char name[32];

	printf("chaos: seed %llu, %d s, %d processes (SHMDEV_CHAOS_SEED=%llu replays)\n",
	       (unsigned long long)seed, secs, NPROC, (unsigned long long)seed);
	a = kt_info(dev);
	shmem0 = kt_meminfo("Shmem");
	rng = seed | 1;
	for (i = 0; i < NPROC; i++)
		pids[i] = spawn(seed * 1000003u + (uint64_t)i);
	end = time(NULL) + secs;
	while (time(NULL) < end) {
		usleep(20000 + rnd() % 200000);
		i = (int)(rnd() % NPROC);
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
		kills++;
		pids[i] = spawn(seed * 1000003u + (uint64_t)(NPROC + kills));
	}
	for (i = 0; i < NPROC; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	/* Grandchildren die on their own within 20 ms; PERSIST names stay by
	 * design until unlinked. */
	usleep(200000);
	for (i = 0; i < NNAMES; i++) {
		snprintf(name, sizeof(name), "chaos-%d", i);
		kt_unlink(dev, name);
	}
	kt_eq(kt_wait_listed(NULL, 0, 5000), 0);
	b = kt_info(dev);
	for (i = 0; i < 100; i++) {
		shmem1 = kt_meminfo("Shmem");
		if (shmem1 - shmem0 < 1024)
			break;
		usleep(50000);
	}
	printf("chaos: %d kills, %llu regions created; after: %llu live, %llu bytes, Shmem %+lld kB\n",
	       kills, (unsigned long long)(b.created - a.created),
	       (unsigned long long)b.cur_regions, (unsigned long long)b.cur_bytes,
	       shmem1 - shmem0);
	kt_eq(b.cur_regions, a.cur_regions);
	kt_eq(b.cur_bytes, a.cur_bytes);
	kt_eq(b.created - a.created, b.destroyed - a.destroyed);
	kt_true(b.created > a.created);
	kt_true(shmem1 - shmem0 < 1024);
	close(dev);
	return kt_exit();
}
