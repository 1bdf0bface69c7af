// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/shmdev judges its reader by who opened it, as /proc/sysvipc does:
 * the opener's credentials decide which names show, and the opener's IPC
 * namespace which regions, whoever reads the fd later.
 */
#include <sched.h>
#include <grp.h>

#include "kt.h"

#define ALICE	1001

/* The name field /proc/shmdev, read through @fd, shows for region @id. */
static int name_of(int fd, unsigned long long id, char *out, size_t len)
{
	char line[1024], field[SHMDEV_NAME_SIZE + 1];
	unsigned long long rid;
	FILE *f;
	int found = 0;

	lseek(fd, 0, SEEK_SET);
	f = fdopen(dup(fd), "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (line[0] != '#' &&
		    sscanf(line, "%llu %256s", &rid, field) == 2 && rid == id) {
			snprintf(out, len, "%s", field);
			found = 1;
		}
	fclose(f);
	return found;
}

/*
 * In a child made @uid (0 for root, and then in a new IPC namespace when
 * @newns, where it makes region "inner"), open /proc/shmdev and hand the
 * fd back over @sock.
 */
static void opener(int sock, uid_t uid, int newns, int dev)
{
	int fd, r = -1;

	if (newns && unshare(CLONE_NEWIPC))
		_exit(2);
	if (newns)
		r = kt_create(dev, "inner", 4096, 0, 0600);
	if (uid && (setgroups(0, NULL) || setgid(uid) || setuid(uid)))
		_exit(2);
	fd = open("/proc/shmdev", O_RDONLY);
	if (fd < 0 || kt_send_fd(sock, fd, 0) != 1)
		_exit(2);
	/* Keep "inner" alive until the parent has read. */
	if (read(sock, &fd, 1) < 0)
		_exit(2);
	if (r >= 0)
		close(r);
	_exit(0);
}

static int handed(uid_t uid, int newns, int dev, pid_t *pid, int *sock)
{
	int sv[2], fd;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	*pid = fork();
	if (*pid == 0) {
		close(sv[0]);
		opener(sv[1], uid, newns, dev);
	}
	close(sv[1]);
	*sock = sv[0];
	fd = kt_recv_fd(sv[0]);
	if (fd < 0)
		kt_fail("no /proc/shmdev fd from the child");
	return fd;
}

static void done(pid_t pid, int sock, int fd)
{
	char b = 0;

	if (write(sock, &b, 1) != 1)
		kt_fail("could not release the child");
	close(sock);
	if (fd >= 0)
		close(fd);
	kt_wait_child(pid, "opener");
}

int main(void)
{
	int dev = kt_open_dev();
	struct shmdev_stat st;
	char name[SHMDEV_NAME_SIZE + 1];
	int secret, mine, fd, sock;
	pid_t pid;

	if (geteuid() != 0)
		kt_skip("needs root to act as another user and to unshare");
	secret = kt_create(dev, "secret", 4096, 0, 0600);
	if (secret < 0 || kt_stat(secret, &st)) {
		kt_fail("CREATE secret: %s", strerror(-secret));
		return kt_exit();
	}
	mine = open("/proc/shmdev", O_RDONLY);
	kt_true(mine >= 0);
	kt_true(name_of(mine, st.id, name, sizeof(name)));
	kt_true(!strcmp(name, "secret"));

	/* Opened by alice, read by root: alice's view, "?" for the name. */
	fd = handed(ALICE, 0, dev, &pid, &sock);
	if (fd >= 0) {
		kt_true(name_of(fd, st.id, name, sizeof(name)));
		kt_true(!strcmp(name, "?"));
	}
	done(pid, sock, fd);

	/* Opened in another IPC namespace: its regions, not this one's. */
	fd = handed(0, 1, dev, &pid, &sock);
	if (fd >= 0) {
		int n = 0;
		char line[1024];
		FILE *f = fdopen(dup(fd), "r");

		kt_true(!name_of(fd, st.id, name, sizeof(name)));
		lseek(fd, 0, SEEK_SET);
		while (f && fgets(line, sizeof(line), f))
			if (strstr(line, " inner "))
				n++;
		if (f)
			fclose(f);
		kt_eq(n, 1);
	}
	done(pid, sock, fd);

	close(mine);
	close(secret);
	return kt_exit();
}
