// SPDX-License-Identifier: GPL-2.0
/*
 * Every invalid argument of every command gives its documented error, and
 * a rejected call leaves nothing behind.
 */
#include <stdint.h>
#include <sys/mman.h>

#include "kt.h"

#define SIZED(dir, nr, sz) _IOC((dir), SHMDEV_IOC_MAGIC, (nr), (sz))
#define RW (_IOC_READ | _IOC_WRITE)

static int create_raw(int dev, struct shmdev_create *c)
{
	return ioctl(dev, SHMDEV_IOC_CREATE, c);
}

static void init_create(struct shmdev_create *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->size = 4096;
	c->mode = 0600;
	if (name)
		snprintf((char *)c->name, sizeof(c->name), "%s", name);
}

/* Bad names, for every command that takes one. */
static void bad_names(int dev)
{
	static const char *const bad[] = {
		"with/slash", "/", "sp ace", "tab\tname", "\x7f", "caf\xc3\xa9",
	};
	struct shmdev_create c;
	struct shmdev_open o;
	struct shmdev_unlink u;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		init_create(&c, bad[i]);
		kt_errno(create_raw(dev, &c), EINVAL);
		kt_eq(kt_open(dev, bad[i], 0), -EINVAL);
		kt_eq(kt_unlink(dev, bad[i]), -EINVAL);
	}
	/* Empty: valid for create (unnamed), not for open or unlink. */
	kt_eq(kt_open(dev, "", 0), -EINVAL);
	kt_eq(kt_unlink(dev, ""), -EINVAL);

	/* Unterminated: all SHMDEV_NAME_SIZE bytes used. */
	init_create(&c, NULL);
	memset(c.name, 'a', sizeof(c.name));
	kt_errno(create_raw(dev, &c), EINVAL);
	memset(&o, 0, sizeof(o));
	memset(o.name, 'a', sizeof(o.name));
	kt_errno(ioctl(dev, SHMDEV_IOC_OPEN, &o), EINVAL);
	memset(&u, 0, sizeof(u));
	memset(u.name, 'a', sizeof(u.name));
	kt_errno(ioctl(dev, SHMDEV_IOC_UNLINK, &u), EINVAL);

	/* The longest name works. */
	init_create(&c, NULL);
	memset(c.name, 'b', SHMDEV_NAME_MAX);
	if (kt_ok(create_raw(dev, &c)) == 0) {
		kt_eq(c.out_flags, SHMDEV_CREATED);
		close(c.fd);
	}

	/* Bytes after the terminator: a NUL inside the name. */
	init_create(&c, "abc");
	c.name[5] = 'x';
	kt_errno(create_raw(dev, &c), EINVAL);
	memset(&o, 0, sizeof(o));
	strcpy((char *)o.name, "abc");
	o.name[SHMDEV_NAME_SIZE - 1] = 'x';
	kt_errno(ioctl(dev, SHMDEV_IOC_OPEN, &o), EINVAL);
	memset(&u, 0, sizeof(u));
	strcpy((char *)u.name, "abc");
	u.name[4] = 1;
	kt_errno(ioctl(dev, SHMDEV_IOC_UNLINK, &u), EINVAL);
}

static void bad_create(int dev)
{
	unsigned char big[sizeof(struct shmdev_create) + 16];
	struct shmdev_create c;
	unsigned int bit, i;

	for (bit = 0; bit < 32; bit++) {
		if ((1u << bit) & SHMDEV_CREATE_VALID_FLAGS)
			continue;
		init_create(&c, "flags");
		c.flags = 1u << bit;
		kt_errno(create_raw(dev, &c), EINVAL);
	}
	init_create(&c, "mode");
	c.mode = 01000;
	kt_errno(create_raw(dev, &c), EINVAL);
	init_create(&c, "mode");
	c.mode = 0xffffffffu;
	kt_errno(create_raw(dev, &c), EINVAL);
	for (i = 0; i < 4; i++) {
		init_create(&c, "reserved");
		c.reserved[i] = 1ull << 63;
		kt_errno(create_raw(dev, &c), EINVAL);
	}
	init_create(&c, "size");
	c.size = 0;
	kt_errno(create_raw(dev, &c), EINVAL);
	c.size = UINT64_MAX;
	kt_errno(create_raw(dev, &c), EINVAL);
	c.size = UINT64_MAX - 4095;	/* rounds up past 2^64 */
	kt_errno(create_raw(dev, &c), EINVAL);
	c.size = 1ull << 63;		/* beyond the largest file */
	kt_errno(create_raw(dev, &c), EINVAL);

	/* PERSIST needs a name. */
	init_create(&c, NULL);
	c.flags = SHMDEV_CREATE_PERSIST;
	kt_errno(create_raw(dev, &c), EINVAL);

	/* Struct sizes. */
	init_create(&c, "short");
	kt_errno(ioctl(dev, SIZED(RW, 0x01, SHMDEV_CREATE_SIZE_VER0 - 8), &c),
		 EINVAL);
	memset(big, 0, sizeof(big));
	init_create((struct shmdev_create *)big, "long");
	big[sizeof(big) - 3] = 7;
	kt_errno(ioctl(dev, SIZED(RW, 0x01, sizeof(big)), big), E2BIG);
	big[sizeof(big) - 3] = 0;
	if (kt_ok(ioctl(dev, SIZED(RW, 0x01, sizeof(big)), big)) == 0)
		close(((struct shmdev_create *)big)->fd);

	kt_errno(ioctl(dev, SHMDEV_IOC_CREATE, NULL), EFAULT);
	kt_errno(ioctl(dev, SHMDEV_IOC_CREATE, (void *)8), EFAULT);
}

static void bad_open_unlink(int dev)
{
	struct shmdev_unlink u;
	struct shmdev_open o;
	unsigned int bit, i;
	int fd;

	fd = kt_create(dev, "target", 4096, SHMDEV_CREATE_EXCL, 0600);
	kt_true(fd >= 0);

	for (bit = 0; bit < 32; bit++) {
		if ((1u << bit) & SHMDEV_OPEN_VALID_FLAGS)
			continue;
		kt_eq(kt_open(dev, "target", 1u << bit), -EINVAL);
	}
	for (i = 0; i < 4; i++) {
		memset(&o, 0, sizeof(o));
		strcpy((char *)o.name, "target");
		o.reserved[i] = 1;
		kt_errno(ioctl(dev, SHMDEV_IOC_OPEN, &o), EINVAL);
	}
	kt_eq(kt_open(dev, "no-such-region", 0), -ENOENT);
	kt_errno(ioctl(dev, SHMDEV_IOC_OPEN, NULL), EFAULT);

	memset(&u, 0, sizeof(u));
	strcpy((char *)u.name, "target");
	u.flags = 1;
	kt_errno(ioctl(dev, SHMDEV_IOC_UNLINK, &u), EINVAL);
	u.flags = 0;
	u.pad = 1;
	kt_errno(ioctl(dev, SHMDEV_IOC_UNLINK, &u), EINVAL);
	u.pad = 0;
	for (i = 0; i < 4; i++) {
		u.reserved[i] = 1;
		kt_errno(ioctl(dev, SHMDEV_IOC_UNLINK, &u), EINVAL);
		u.reserved[i] = 0;
	}
	kt_eq(kt_unlink(dev, "no-such-region"), -ENOENT);
	kt_errno(ioctl(dev, SHMDEV_IOC_UNLINK, NULL), EFAULT);

	/* None of that touched the region. */
	kt_eq(kt_listed("target"), 1);
	kt_eq(kt_unlink(dev, "target"), 0);
	kt_eq(kt_unlink(dev, "target"), -ENOENT);
	close(fd);
}

static void bad_stat_set(int dev)
{
	struct shmdev_stat st;
	struct shmdev_set set;
	unsigned int bit, i;
	int fd;

	fd = kt_create(dev, NULL, 4096, 0, 0600);
	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		return;
	}
	memset(&st, 0, sizeof(st));
	st.flags = 1;
	kt_errno(ioctl(fd, SHMDEV_IOC_STAT, &st), EINVAL);
	for (i = 0; i < 4; i++) {
		memset(&st, 0, sizeof(st));
		st.reserved[i] = 1;
		kt_errno(ioctl(fd, SHMDEV_IOC_STAT, &st), EINVAL);
	}
	kt_errno(ioctl(fd, SIZED(RW, 0x10, SHMDEV_STAT_SIZE_VER0 - 8), &st),
		 EINVAL);
	kt_errno(ioctl(fd, SHMDEV_IOC_STAT, NULL), EFAULT);

	for (bit = 0; bit < 32; bit++) {
		if ((1u << bit) & SHMDEV_SET_VALID_FLAGS)
			continue;
		memset(&set, 0, sizeof(set));
		set.flags = 1u << bit;
		kt_errno(ioctl(fd, SHMDEV_IOC_SET, &set), EINVAL);
	}
	memset(&set, 0, sizeof(set));
	set.flags = SHMDEV_SET_MODE;
	set.mode = 01777;
	kt_errno(ioctl(fd, SHMDEV_IOC_SET, &set), EINVAL);
	memset(&set, 0, sizeof(set));
	set.flags = SHMDEV_SET_OWNER;
	set.uid = (uint32_t)-1;	/* never a valid uid */
	kt_errno(ioctl(fd, SHMDEV_IOC_SET, &set), EINVAL);
	memset(&set, 0, sizeof(set));
	set.flags = SHMDEV_SET_OWNER;
	set.gid = (uint32_t)-1;
	kt_errno(ioctl(fd, SHMDEV_IOC_SET, &set), EINVAL);
	for (i = 0; i < 4; i++) {
		memset(&set, 0, sizeof(set));
		set.flags = SHMDEV_SET_MODE;
		set.reserved[i] = 1;
		kt_errno(ioctl(fd, SHMDEV_IOC_SET, &set), EINVAL);
	}
	kt_errno(ioctl(fd, SHMDEV_IOC_SET, NULL), EFAULT);
	/* Nothing changed. */
	kt_ok(kt_stat(fd, &st));
	kt_eq(st.mode, 0600);
	kt_eq(st.uid, getuid());
	close(fd);
}

/* Device commands on a region fd and region commands on the device. */
static void wrong_fd(int dev)
{
	struct shmdev_create c;
	struct shmdev_info info;
	struct shmdev_stat st;
	struct shmdev_set set;
	int fd;

	fd = kt_create(dev, NULL, 4096, 0, 0600);
	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		return;
	}
	memset(&info, 0, sizeof(info));
	kt_errno(ioctl(fd, SHMDEV_IOC_GET_INFO, &info), ENOTTY);
	init_create(&c, NULL);
	kt_errno(ioctl(fd, SHMDEV_IOC_CREATE, &c), ENOTTY);
	kt_eq(kt_open(fd, "x", 0), -ENOTTY);
	kt_eq(kt_unlink(fd, "x"), -ENOTTY);
	kt_errno(ioctl(fd, _IOWR(SHMDEV_IOC_MAGIC, 0x7f, struct shmdev_stat),
		       &st), ENOTTY);
	kt_errno(ioctl(fd, 0, 0), ENOTTY);

	memset(&st, 0, sizeof(st));
	kt_errno(ioctl(dev, SHMDEV_IOC_STAT, &st), ENOTTY);
	memset(&set, 0, sizeof(set));
	kt_errno(ioctl(dev, SHMDEV_IOC_SET, &set), ENOTTY);
	close(fd);
}

static void bad_mmap(int dev)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *p;
	int fd;

	fd = kt_create(dev, NULL, 4 * pg, 0, 0600);
	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		return;
	}
	kt_errno(mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0),
		 EINVAL);
	kt_errno(mmap(NULL, 5 * pg, PROT_READ, MAP_SHARED, fd, 0), EINVAL);
	kt_errno(mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 4 * pg), EINVAL);
	kt_errno(mmap(NULL, 2 * pg, PROT_READ, MAP_SHARED, fd, 3 * pg), EINVAL);
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 3 * pg);
	kt_true(p != MAP_FAILED);
	if (p != MAP_FAILED)
		munmap(p, pg);
	close(fd);
}

static void exclusive(int dev)
{
	struct shmdev_create c;
	int fd, fd2;

	fd = kt_create(dev, "excl", 8192, SHMDEV_CREATE_EXCL, 0600);
	kt_true(fd >= 0);
	kt_eq(kt_create(dev, "excl", 4096, SHMDEV_CREATE_EXCL, 0600), -EEXIST);
	/* Without EXCL: opened, not created; a larger size does not fit. */
	init_create(&c, "excl");
	c.size = 4096;
	if (kt_ok(create_raw(dev, &c)) == 0) {
		kt_eq(c.out_flags, 0);
		fd2 = c.fd;
		close(fd2);
	}
	kt_eq(kt_create(dev, "excl", 3 * 4096, 0, 0600), -EINVAL);
	kt_eq(kt_listed("excl"), 1);
	close(fd);
	kt_eq(kt_wait_listed("excl", 0, 2000), 0);
}

int main(void)
{
	int dev = kt_open_dev();
	struct shmdev_info before, after;

	before = kt_info(dev);
	bad_names(dev);
	bad_create(dev);
	bad_open_unlink(dev);
	bad_stat_set(dev);
	wrong_fd(dev);
	bad_mmap(dev);
	exclusive(dev);
	after = kt_info(dev);
	/* Rejected calls created nothing; what was made is gone again. */
	kt_eq(after.cur_regions, before.cur_regions);
	kt_eq(after.cur_bytes, before.cur_bytes);
	kt_eq(after.created - before.created, after.destroyed - before.destroyed);
	kt_eq(kt_listed(NULL), 0);
	close(dev);
	return kt_exit();
}
