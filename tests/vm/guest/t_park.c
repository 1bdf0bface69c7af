// SPDX-License-Identifier: GPL-2.0
/*
 * PARK and UNPARK: a parked fd and mapping are no users.  The region
 * dies with its last real user (name, memory, usage), its parked mapping
 * then SIGBUSes and UNPARK gives -ESTALE, also when the name was made
 * again.  While it lives, UNPARK makes both users again, once the name
 * still names it and the caller may open it with the fd's mode (mode
 * bits, seals).  A parked mapping that could write keeps the write seal
 * out, as any.  A parked fd takes STAT and UNPARK only; its waiters
 * wake.  A mapping with a copy elsewhere (a child's) does not park; one
 * parked before fork is shared.  Every invalid argument gives its error.
 */
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kt.h"

#define PG 4096ull

static int park(int fd, void *addr, unsigned long long len)
{
	struct shmdev_park p;

	memset(&p, 0, sizeof(p));
	p.addr = (uintptr_t)addr;
	p.len = len;
	return ioctl(fd, SHMDEV_IOC_PARK, &p) ? -errno : 0;
}

static int unpark(int fd, void *addr, unsigned long long len,
		  struct shmdev_park *out)
{
	struct shmdev_park p;

	memset(&p, 0, sizeof(p));
	p.addr = (uintptr_t)addr;
	p.len = len;
	if (ioctl(fd, SHMDEV_IOC_UNPARK, &p))
		return -errno;
	if (out)
		*out = p;
	return 0;
}

static int parked(int fd)
{
	struct shmdev_stat st;

	if (kt_stat(fd, &st))
		return -1;
	return !!(st.state & SHMDEV_STATE_PARKED);
}

static void *map(int fd, size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED) {
		kt_fail("mmap: %s", strerror(errno));
		exit(1);
	}
	return p;
}

/* Whether touching @p in a child dies of SIGBUS. */
static int sigbus_at(volatile char *p)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		(void)*p;
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS;
}

/* Kept by a parked fd and mapping while another user holds it. */
static void while_alive(int dev)
{
	struct shmdev_notify n;
	struct shmdev_park p;
	struct pollfd pf;
	char *a, *b;
	unsigned long long cnt;
	int fd, other;

	fd = kt_create(dev, "pk", 2 * PG, SHMDEV_CREATE_EXCL, 0600);
	other = kt_open(dev, "pk", SHMDEV_OPEN_RDWR);
	kt_true(fd >= 0 && other >= 0);
	a = map(fd, 2 * PG, PROT_READ | PROT_WRITE);
	b = map(other, 2 * PG, PROT_READ | PROT_WRITE);
	strcpy(a + PG, "before");

	kt_eq(park(fd, a, 2 * PG), 0);
	kt_eq(parked(fd), 1);
	kt_eq(parked(other), 0);
	kt_eq(kt_listed("pk"), 1);
	/* Parked, it still maps the live region's memory. */
	strcpy(b + PG, "while parked");
	kt_true(!strcmp(a + PG, "while parked"));
	/* STAT and UNPARK alone. */
	kt_errno(ioctl(fd, SHMDEV_IOC_NOTIFY, &n), EBADFD);
	kt_eq(kt_resize(fd, 4 * PG), -EBADFD);
	kt_eq(kt_set(fd, SHMDEV_SET_MODE, 0644, 0, 0), -EBADFD);
	kt_errno(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0), EBADFD);
	kt_errno(read(fd, &cnt, sizeof(cnt)), EBADFD);
	pf.fd = fd;
	pf.events = POLLIN;
	kt_eq(poll(&pf, 1, 0), 1);
	kt_true(pf.revents & POLLERR);
	kt_eq(park(fd, NULL, 0), -EBADFD);

	/* Back, in one call, with the size and generation. */
	kt_eq(kt_notify(other, SHMDEV_NOTIFY_RING, &n), 0);
	kt_eq(unpark(fd, a, 2 * PG, &p), 0);
	kt_eq(p.size, 2 * PG);
	kt_eq(p.generation, 0);
	kt_eq(parked(fd), 0);
	kt_eq(kt_notify(fd, 0, &n), 0);
	kt_eq(n.pending, 1);
	kt_eq(unpark(fd, NULL, 0, NULL), -EINVAL);

	/* Users again: the other's going leaves the region alive. */
	munmap(b, 2 * PG);
	close(other);
	kt_eq(kt_listed("pk"), 1);
	strcpy(a, "after");
	/* The fd alone, then the mapping it left with it. */
	kt_eq(park(fd, NULL, 0), 0);
	kt_eq(kt_listed("pk"), 1);
	kt_eq(unpark(fd, a, 2 * PG, NULL), -EINVAL);
	kt_eq(unpark(fd, NULL, 0, &p), 0);
	kt_eq(p.size, 2 * PG);
	kt_true(!strcmp(a, "after"));
	munmap(a, 2 * PG);
	close(fd);
	kt_eq(kt_listed("pk"), 0);
}

/* The last user gone: the region goes, parked fd and mapping or not. */
static void dies(int dev)
{
	struct shmdev_info before = kt_info(dev);
	struct shmdev_stat st;
	struct shmdev_park p;
	char *a, *c;
	int fd, again;

	fd = kt_create(dev, "pkdie", 4 * PG, SHMDEV_CREATE_EXCL, 0600);
	kt_true(fd >= 0);
	a = map(fd, 4 * PG, PROT_READ | PROT_WRITE);
	memset(a, 'x', 4 * PG);
	kt_eq(kt_stat(fd, &st), 0);
	kt_eq(st.resident_bytes, 4 * PG);

	kt_eq(park(fd, a, 4 * PG), 0);
	/* Gone at once: listing, name, usage, memory. */
	kt_eq(kt_listed("pkdie"), 0);
	kt_eq(kt_open(dev, "pkdie", 0), -ENOENT);
	kt_eq(kt_info(dev).cur_regions, before.cur_regions);
	kt_eq(kt_info(dev).cur_bytes, before.cur_bytes);
	kt_eq(kt_stat(fd, &st), 0);
	kt_eq(st.resident_bytes, 0);
	kt_true(st.state & SHMDEV_STATE_PARKED);
	kt_true(!(st.state & SHMDEV_STATE_LINKED));
	kt_true(sigbus_at(a));
	kt_eq(unpark(fd, a, 4 * PG, NULL), -ESTALE);

	/* The name made again names another region: never the old one. */
	again = kt_create(dev, "pkdie", 4 * PG, SHMDEV_CREATE_EXCL, 0600);
	kt_true(again >= 0);
	c = map(again, 4 * PG, PROT_READ | PROT_WRITE);
	memset(c, 'y', 4 * PG);
	kt_eq(unpark(fd, a, 4 * PG, &p), -ESTALE);
	kt_eq(unpark(fd, NULL, 0, &p), -ESTALE);
	kt_true(sigbus_at(a));
	kt_eq(parked(fd), 1);
	munmap(a, 4 * PG);
	close(fd);
	munmap(c, 4 * PG);
	close(again);
	kt_balanced(dev, &before);
}

/* Unlinked, or no longer open to the caller: no UNPARK. */
static void revalidated(int dev)
{
	char *a;
	int fd, keep, pid;

	/* An unlinked name names nothing, even while the region lives. */
	fd = kt_create(dev, "pkunl", PG, SHMDEV_CREATE_EXCL, 0600);
	keep = kt_open(dev, "pkunl", 0);
	a = map(fd, PG, PROT_READ | PROT_WRITE);
	kt_eq(park(fd, a, PG), 0);
	kt_eq(kt_unlink(dev, "pkunl"), 0);
	kt_eq(unpark(fd, a, PG, NULL), -ESTALE);
	munmap(a, PG);
	close(fd);
	close(keep);


	/* The mode: an unprivileged owner takes write away. */
	pid = fork();
	if (pid == 0) {
		int rw, r2, ro;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		rw = kt_create(dev, "pkperm", PG, SHMDEV_CREATE_EXCL, 0644);
		r2 = kt_open(dev, "pkperm", 0);
		ro = kt_open(dev, "pkperm", 0);
		kt_true(rw >= 0 && r2 >= 0 && ro >= 0);
		kt_eq(park(rw, NULL, 0), 0);
		kt_eq(park(ro, NULL, 0), 0);
		kt_eq(kt_set(r2, SHMDEV_SET_MODE, 0444, 0, 0), 0);
		kt_eq(unpark(rw, NULL, 0, NULL), -EACCES);
		kt_eq(unpark(ro, NULL, 0, NULL), 0);
		kt_eq(kt_set(r2, SHMDEV_SET_MODE, 0, 0, 0), 0);
		kt_eq(park(ro, NULL, 0), 0);
		kt_eq(unpark(ro, NULL, 0, NULL), -EACCES);
		_exit(kt_failed);
	}
	kt_wait_child(pid, "pkperm");
	kt_eq(kt_wait_listed("pkperm", 0, 2000), 0);
}

/*
 * A parked mapping that could write still maps the region's memory, so
 * it keeps the write seal out, as any writable mapping does, until it
 * goes.  Under the future-write seal, neither a read-write fd nor a
 * mapping one made unparks, through any fd; a read-only fd does.
 */
static void sealed(int dev)
{
	int fd, ro, keep;
	char *a, *b;

	fd = kt_create(dev, "pkseal", PG, SHMDEV_CREATE_EXCL, 0600);
	ro = kt_open(dev, "pkseal", 0);
	keep = kt_open(dev, "pkseal", SHMDEV_OPEN_RDWR);
	kt_true(fd >= 0 && ro >= 0 && keep >= 0);
	a = map(fd, PG, PROT_READ | PROT_WRITE);
	b = map(ro, PG, PROT_READ);
	kt_eq(park(fd, a, PG), 0);
	kt_eq(kt_seal(keep, SHMDEV_SEAL_WRITE), -EBUSY);
	kt_true(kt_seal(keep, SHMDEV_SEAL_FUTURE_WRITE) >= 0);
	strcpy(a, "still");
	kt_true(!strcmp(b, "still"));
	kt_eq(unpark(fd, a, PG, NULL), -EPERM);
	kt_eq(park(ro, NULL, 0), 0);
	kt_eq(unpark(ro, a, PG, NULL), -EPERM);
	kt_eq(unpark(ro, NULL, 0, NULL), 0);
	kt_eq(parked(fd), 1);
	/* Gone, it no longer keeps the write seal out. */
	munmap(a, PG);
	kt_true(kt_seal(keep, SHMDEV_SEAL_WRITE) >= 0);
	munmap(b, PG);
	close(fd);
	close(ro);
	close(keep);
	kt_eq(kt_listed("pkseal"), 0);
}

/* Copies elsewhere, and a waiter woken by PARK. */
static void forks(int dev)
{
	int fd, keep, pfd[2], status;
	unsigned long long cnt;
	char *a;
	pid_t pid;

	fd = kt_create(dev, "pkfork", 3 * PG, SHMDEV_CREATE_EXCL, 0600);
	keep = kt_open(dev, "pkfork", 0);
	a = map(fd, 3 * PG, PROT_READ | PROT_WRITE);
	kt_ok(pipe(pfd));
	pid = fork();
	if (pid == 0) {
		char c;

		/* Holds the copy until told. */
		close(pfd[1]);
		if (read(pfd[0], &c, 1) < 0)
			_exit(3);
		_exit(0);
	}
	close(pfd[0]);
	/* The child's copy is a user that PARK may not take from it. */
	kt_eq(park(fd, a, 3 * PG), -EBUSY);
	kt_eq(parked(fd), 0);
	close(pfd[1]);
	kt_wait_child(pid, "pkfork holder");

	/* Split in three, it parks whole; a part of it does not. */
	kt_ok(mprotect(a + PG, PG, PROT_READ));
	kt_eq(park(fd, a, PG), -EBUSY);
	kt_eq(park(fd, a + PG, 2 * PG), -EBUSY);
	kt_eq(park(fd, a, 3 * PG), 0);

	/* A child forked now inherits both parked, and shares them. */
	pid = fork();
	if (pid == 0) {
		kt_eq(unpark(fd, a, 3 * PG, NULL), 0);
		_exit(kt_failed);
	}
	kt_wait_child(pid, "pkfork unpark");
	kt_eq(parked(fd), 0);
	kt_eq(unpark(fd, a, 3 * PG, NULL), -EINVAL);
	munmap(a, 3 * PG);

	/* A reader blocked on the fd wakes when it is parked. */
	pid = fork();
	if (pid == 0) {
		ssize_t n = read(fd, &cnt, sizeof(cnt));

		_exit(n == -1 && errno == EBADFD ? 0 : 1);
	}
	usleep(200000);
	kt_eq(park(fd, NULL, 0), 0);
	kt_eq(waitpid(pid, &status, 0), pid);
	kt_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
	close(keep);
	kt_eq(kt_listed("pkfork"), 0);
}

static void invalid(int dev)
{
	struct shmdev_park p;
	char *a, *o, *anon;
	int fd, other, anonfd;

	fd = kt_create(dev, "pkinv", 2 * PG, SHMDEV_CREATE_EXCL, 0600);
	other = kt_create(dev, "pkinv2", 2 * PG, SHMDEV_CREATE_EXCL, 0600);
	anonfd = kt_create(dev, NULL, PG, 0, 0600);
	a = map(fd, 2 * PG, PROT_READ | PROT_WRITE);
	o = map(other, 2 * PG, PROT_READ | PROT_WRITE);
	anon = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	memset(&p, 0, sizeof(p));
	p.flags = 1;
	kt_errno(ioctl(fd, SHMDEV_IOC_PARK, &p), EINVAL);
	p.flags = 0;
	p.pad = 1;
	kt_errno(ioctl(fd, SHMDEV_IOC_PARK, &p), EINVAL);
	p.pad = 0;
	p.reserved[3] = 1;
	kt_errno(ioctl(fd, SHMDEV_IOC_PARK, &p), EINVAL);
	kt_errno(ioctl(fd, SHMDEV_IOC_UNPARK, &p), EINVAL);
	p.reserved[3] = 0;
	kt_errno(ioctl(fd, SHMDEV_IOC_PARK, NULL), EFAULT);
	kt_errno(ioctl(dev, SHMDEV_IOC_PARK, &p), ENOTTY);
	kt_errno(ioctl(dev, SHMDEV_IOC_UNPARK, &p), ENOTTY);
	/* Ranges: unaligned, empty with an address, not a mapping of it. */
	kt_eq(park(fd, a + 1, PG), -EINVAL);
	kt_eq(park(fd, a, PG + 1), -EINVAL);
	kt_eq(park(fd, a, 0), -EINVAL);
	kt_eq(park(fd, NULL, PG), -EINVAL);
	kt_eq(park(fd, (void *)-PG, 2 * PG), -EINVAL);
	kt_eq(park(fd, anon, 2 * PG), -EINVAL);
	kt_eq(park(fd, o, 2 * PG), -EINVAL);
	kt_eq(park(fd, a, 4 * PG), -EINVAL);
	kt_eq(park(fd, a, PG), -EINVAL);
	/* An unnamed region has no name to be found again by. */
	kt_eq(park(anonfd, NULL, 0), -EINVAL);
	/* Not parked; then parked, a mapping that is not. */
	kt_eq(unpark(fd, NULL, 0, NULL), -EINVAL);
	kt_eq(park(other, NULL, 0), 0);
	kt_eq(unpark(other, o, 2 * PG, NULL), -EINVAL);
	kt_eq(parked(fd), 0);
	kt_eq(parked(other), 1);
	/* None of those changed anything. */
	kt_eq(kt_listed("pkinv"), 1);
	kt_eq(park(fd, a, 2 * PG), 0);
	kt_eq(unpark(fd, a, 2 * PG, NULL), -ESTALE);
	munmap(a, 2 * PG);
	munmap(o, 2 * PG);
	munmap(anon, 2 * PG);
	close(fd);
	close(other);
	close(anonfd);
}

int main(void)
{
	int dev = kt_open_dev();
	struct shmdev_info a;

	kt_need_features(dev, SHMDEV_FEAT_PARK);
	a = kt_info(dev);
	while_alive(dev);
	dies(dev);
	revalidated(dev);
	sealed(dev);
	forks(dev);
	invalid(dev);
	kt_balanced(dev, &a);
	return kt_exit();
}
