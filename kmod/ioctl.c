// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: the ioctl dispatcher, after drivers/dma-buf/dma-heap.c.
 *
 * A command table indexed by _IOC_NR gives, for each command, its struct's
 * oldest size and where its reserved words and new fd's number sit.  The
 * dispatcher copies the caller's struct in once, with size negotiation
 * (copy_struct_from_user(): a smaller, older struct is zero-extended, a
 * larger one must be zero past what the module knows, else -E2BIG), checks
 * the reserved words, runs the handler on kernel memory, and copies the
 * struct out once when the command has _IOC_READ.
 *
 * A handler that makes a file leaves it in struct shmdev_newfd.  Its fd is
 * reserved, its number written into the struct and the struct copied out
 * before fd_install(), so that a faulting copy leaves the caller with no
 * fd to leak (dma-heap installs first).  The table's commit hook runs just
 * before the install, when nothing can fail any more.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/nospec.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "shmdev.h"

/* Large enough for every command's struct. */
union shmdev_ioctl_arg {
	struct shmdev_info info;
	struct shmdev_create create;
	struct shmdev_open open;
	struct shmdev_unlink unlink;
	struct shmdev_remove remove;
	struct shmdev_stat stat;
	struct shmdev_set set;
	struct shmdev_resize resize;
	struct shmdev_seal seal;
	struct shmdev_notify notify;
	struct shmdev_park park;
};

static const struct shmdev_cmd *shmdev_cmd_find(const struct shmdev_cmd *table,
						size_t n, unsigned int cmd)
{
	const struct shmdev_cmd *c;
	unsigned int nr = _IOC_NR(cmd);

	if (nr >= n)
		return NULL;
	c = &table[array_index_nospec(nr, n)];
	/* Type, number and direction must match; the size is negotiated. */
	if (!c->fn || _IOC_TYPE(cmd) != _IOC_TYPE(c->cmd) ||
	    _IOC_DIR(cmd) != _IOC_DIR(c->cmd))
		return NULL;
	return c;
}

/* Reserve a fd for @nfd's file, copy the struct out, then install it. */
static long shmdev_install_fd(const struct shmdev_cmd *c, void *karg,
			      size_t ksize, void __user *uarg, size_t usize,
			      struct shmdev_newfd *nfd)
{
	u32 fdnum;
	int fd;

	/* The fd's number goes where the caller's struct has room for it. */
	if (WARN_ON_ONCE(c->fd_off + sizeof(fdnum) > min(usize, ksize))) {
		fput(nfd->file);
		return -EINVAL;
	}
	fd = get_unused_fd_flags(nfd->flags);
	if (fd < 0) {
		fput(nfd->file);
		return fd;
	}
	fdnum = fd;
	memcpy(karg + c->fd_off, &fdnum, sizeof(fdnum));
	if (copy_to_user(uarg, karg, min(usize, ksize))) {
		put_unused_fd(fd);
		fput(nfd->file);
		return -EFAULT;
	}
	if (c->commit)
		c->commit(nfd->file);
	fd_install(fd, nfd->file);
	return 0;
}

long shmdev_ioctl_dispatch(const struct shmdev_cmd *table, size_t n,
			   struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	const size_t usize = _IOC_SIZE(cmd);
	struct shmdev_newfd nfd = { };
	const struct shmdev_cmd *c;
	union shmdev_ioctl_arg buf;
	size_t ksize;
	long ret;

	c = shmdev_cmd_find(table, n, cmd);
	if (!c)
		return -ENOTTY;
	ksize = _IOC_SIZE(c->cmd);
	if (WARN_ON_ONCE(ksize > sizeof(buf)))
		return -EINVAL;
	if (usize < c->ver0)
		return -EINVAL;
	ret = copy_struct_from_user(&buf, ksize, uarg, usize);
	if (ret)
		return ret;
	if (memchr_inv((void *)&buf + c->reserved_off, 0, c->reserved_len))
		return -EINVAL;

	ret = c->fn(file, &buf, &nfd);
	if (ret < 0)
		return ret;
	if (nfd.file)
		return shmdev_install_fd(c, &buf, ksize, uarg, usize, &nfd);
	if ((_IOC_DIR(cmd) & _IOC_READ) &&
	    copy_to_user(uarg, &buf, min(usize, ksize)))
		return -EFAULT;
	return ret;
}
