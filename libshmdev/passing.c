// SPDX-License-Identifier: LGPL-2.1-or-later
/* libshmdev: a region sent over a Unix socket, its descriptor with it. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

/* What travels with a region over a Unix socket. */
struct region_msg {
	uint32_t magic;
	uint32_t backend;
	uint64_t size;
	int32_t shmid;
	uint32_t flags;
	uint32_t hugetlb;
	uint32_t has_fd;
	char name[SHMDEV_NAME_SIZE];
};

#define REGION_MSG_MAGIC 0x53524731u	/* "SRG1" */

int shmdev_region_send(int sock, const struct shmdev_region *r)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct region_msg m;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;

	if (!r || sock < 0)
		return -EINVAL;
	memset(&m, 0, sizeof(m));
	m.magic = REGION_MSG_MAGIC;
	m.backend = r->backend;
	m.size = r->size;
	m.shmid = r->shmid;
	m.flags = r->flags;
	m.hugetlb = r->hugetlb;
	m.has_fd = r->fd >= 0;
	memcpy(m.name, r->name, sizeof(m.name));
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &m;
	iov.iov_len = sizeof(m);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (m.has_fd) {
		memset(cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &r->fd, sizeof(int));
	}
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) != (ssize_t)sizeof(m))
		return errno ? -errno : -EIO;
	return 0;
}

int shmdev_region_recv(int sock, struct shmdev_region **out)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct shmdev_region *r;
	struct region_msg m;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t n;
	int fd = -1;

	if (out)
		*out = NULL;
	if (!out || sock < 0)
		return -EINVAL;
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &m;
	iov.iov_len = sizeof(m);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	if (n != (ssize_t)sizeof(m) || m.magic != REGION_MSG_MAGIC ||
	    !shmdev_backend_name(m.backend) || m.backend == SHMDEV_BACKEND_DEFAULT ||
	    (m.has_fd != 0) != (fd >= 0) || !m.size ||
	    memchr(m.name, 0, sizeof(m.name)) == NULL ||
	    (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		if (fd >= 0)
			close(fd);
		return -EBADMSG;
	}
	r = shmdev__region_new(m.backend, m.name[0] ? m.name : NULL, m.size, m.flags);
	if (!r) {
		if (fd >= 0)
			close(fd);
		return -ENOMEM;
	}
	r->fd = fd;
	r->shmid = m.shmid;
	r->hugetlb = !!m.hugetlb;
	if (fd >= 0)
		r->writable = (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR;
	*out = r;
	return 0;
}
