// SPDX-License-Identifier: GPL-2.0
/*
 * A purpose-built ioctl fuzzer: random and edge-value structures, sizes,
 * directions and numbers for every command, on the device and on region
 * fds, for SHMDEV_FUZZ_SECONDS (default 10).  Nothing may crash or splat,
 * and the counters must stay consistent; what it creates is cleaned up.
 */
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

#include "kt.h"

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const uint64_t edges[] = {
	0, 1, 2, 4095, 4096, 4097, 0x7fffffff, 0x80000000, 0xffffffff,
	1ull << 32, (1ull << 63) - 1, 1ull << 63, ~0ull, ~0ull - 4095,
	0x200000, 0x1fffff,
};

static void fill(unsigned char *buf, size_t len)
{
	size_t i;

	switch (rnd() % 4) {
	case 0:		/* zeros with a few edge values */
		memset(buf, 0, len);
		for (i = 0; i < 3; i++) {
			uint64_t v = edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];
			size_t off = (rnd() % (len / 8 ? len / 8 : 1)) * 8;

			if (off + 8 <= len)
				memcpy(buf + off, &v, 8);
		}
		break;
	case 1:		/* random bytes */
		for (i = 0; i < len; i++)
			buf[i] = (unsigned char)rnd();
		break;
	case 2:		/* all ones */
		memset(buf, 0xff, len);
		break;
	default:	/* a plausible create (or open): a size, flags, a name */
		memset(buf, 0, len);
		if (len >= 312 && rnd() % 2) {
			uint64_t sz = 1 + rnd() % (1 << 20);

			memcpy(buf, &sz, 8);
			buf[8] = (unsigned char)(rnd() & 0xf);
			buf[12] = (unsigned char)(rnd() & 0xff);
			snprintf((char *)buf + 56, 16, "fz%u", (unsigned)(rnd() % 16));
		} else if (len >= 296) {
			buf[0] = (unsigned char)(rnd() & 3);
			snprintf((char *)buf + 40, 16, "fz%u", (unsigned)(rnd() % 16));
		}
		break;
	}
}

int main(void)
{
	const char *d = getenv("SHMDEV_FUZZ_SECONDS"), *s = getenv("SHMDEV_FUZZ_SEED");
	int dev = kt_open_dev(), secs = d ? atoi(d) : 10;
	static const unsigned int nrs[] = {
		0x00, 0x01, 0x02, 0x03, 0x04, 0x10, 0x11, 0x12, 0x13, 0x14,
		0x15, 0x16,
	};
	static const unsigned int dirs[] = {
		_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE,
	};
	unsigned char *buf = mmap(NULL, 1 << 15, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct shmdev_info a = kt_info(dev);
	unsigned long calls = 0, ok = 0, fds = 0;
	int regs[4] = { -1, -1, -1, -1 }, i;
	char line[1024], name[SHMDEV_NAME_SIZE];
	time_t end;
	FILE *f;

	rng = (s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL)) | 1;
	printf("ioctl fuzz: seed %llu, %d s\n", (unsigned long long)rng, secs);
	for (i = 0; i < 4; i++)
		regs[i] = kt_create(dev, NULL, 4096 << i, 0, 0600);
	end = time(NULL) + secs;
	while (time(NULL) < end) {
		for (i = 0; i < 1000; i++) {
			unsigned int nr = rnd() % 8 ? nrs[rnd() % (sizeof(nrs) / sizeof(nrs[0]))] :
					  rnd() % 0x40;
			unsigned int dir = rnd() % 8 ? _IOC_READ | _IOC_WRITE : dirs[rnd() % 4];
			unsigned int size = rnd() % 4 ? (unsigned int)(rnd() % 400) :
					    (unsigned int)(rnd() % (1 << 14));
			unsigned int type = rnd() % 16 ? SHMDEV_IOC_MAGIC : rnd() % 256;
			int fd = rnd() % 3 ? dev : regs[rnd() % 4];
			void *arg = buf;
			long r;

			fill(buf, size < (1 << 15) ? size : (1 << 15));
			if (rnd() % 32 == 0)
				arg = (void *)(uintptr_t)edges[rnd() % 4];
			r = ioctl(fd, _IOC(dir, type, nr, size), arg);
			calls++;
			if (r == 0) {
				ok++;
				/* CREATE and OPEN return an fd in the struct. */
				if (fd == dev && (nr == 0x01 || nr == 0x02) &&
				    arg == buf && size >= 296) {
					uint32_t nfd;

					memcpy(&nfd, buf + (nr == 0x01 ? 16 : 4), 4);
					if (nfd > 2 && (int)nfd != dev) {
						int keep = 0;

						for (int k = 0; k < 4; k++)
							keep |= regs[k] == (int)nfd;
						if (!keep) {
							close((int)nfd);
							fds++;
						}
					}
				}
			}
		}
	}
	for (i = 0; i < 4; i++)
		if (regs[i] >= 0)
			close(regs[i]);
	/*
	 * PERSIST regions it made stay by design: unlink every name left.
	 * The listing is not a snapshot (entries move while we unlink), so
	 * read it again until no name is left.
	 */
	for (int pass = 0, left = 1; left && pass < 10; pass++) {
		left = 0;
		f = fopen("/proc/shmdev", "r");
		while (f && fgets(line, sizeof(line), f)) {
			unsigned long long id;

			if (line[0] != '#' &&
			    sscanf(line, "%llu %255s", &id, name) == 2 &&
			    strcmp(name, "-") && kt_unlink(dev, name) == 0)
				left = 1;
		}
		if (f)
			fclose(f);
	}
	printf("ioctl fuzz: %lu calls, %lu succeeded, %lu fds closed\n", calls,
	       ok, fds);
	if (kt_wait_listed(NULL, 0, 5000)) {
		kt_fail("regions left:");
		if (system("cat /proc/shmdev")) {
			/* shown for the log only */
		}
	}
	kt_balanced(dev, &a);
	close(dev);
	return kt_exit();
}
