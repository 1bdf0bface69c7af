// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libshmdev: the System V backend (shmget(2), shmat(2)).
 *
 * System V names segments by a 32-bit key, so a name of up to 255 bytes
 * maps to a key by a hash, and two names can share one.  To keep one
 * name from ever reaching another's memory, a named segment carries its
 * name in a tag at its very end, past the bytes the region shows:
 *
 *   [ region: size bytes | pad to 8 | struct sysv_tag ]
 *
 * and every lookup attaches the segment and compares the tag with the
 * name.  A name lives at the first of SYSV_PROBES keys (its hash, then the
 * next keys in turn) that holds its tag; create takes the first free one
 * of those keys, after looking for the name in all of them (a name may sit
 * past a key freed by an unlink).  So a collision costs a probe, and a name
 * that was never created is never found: -ENOENT.
 *
 * The tag needs read permission to check: a segment at one of the name's
 * keys that the caller may not read could be the name's own, so open,
 * unlink and create give -EACCES rather than guess.  Segments made by
 * other programs (no tag) never match.
 *
 * An unnamed region is an IPC_PRIVATE segment, attached at once and
 * marked for removal, so that it goes with its last attach.  A region has
 * no fd: it travels as its id.  A segment's size is fixed at shmget(2):
 * no resize, no seals, no doorbell.
 */
#include <errno.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "internal.h"

#define SYSV_PROBES	8
#define SYSV_TAG_MAGIC	0x3147415456534453ull	/* "SDSVTAG1" */
/* How long a tag may take to appear after its segment was made. */
#define SYSV_TAG_WAIT_S	1

struct sysv_tag {
	uint64_t magic;		/* SYSV_TAG_MAGIC once the rest is written */
	uint64_t size;		/* the region's size as created */
	char name[SHMDEV_NAME_SIZE];
};

/* FNV-1a of the name: the first key a name is looked for at. */
static key_t sysv_hash(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return (key_t)h;
}

/* Swappable by unit tests, to force collisions. */
key_t (*shmdev__sysv_key)(const char *name) = sysv_hash;

/*
 * The @i-th key of @name's probe sequence: its hash, then the keys after
 * it.  IPC_PRIVATE (0) is never a name's key: the key just past the
 * sequence stands in for it.
 */
static key_t sysv_probe_key(const char *name, unsigned int i)
{
	uint32_t base = (uint32_t)shmdev__sysv_key(name);
	uint32_t k = base + i;

	if (k == (uint32_t)IPC_PRIVATE)
		k = base + SYSV_PROBES;
	return (key_t)k;
}

/* Bytes of a named segment that shows @size bytes. */
static size_t sysv_seg_size(size_t size)
{
	return shmdev__round_up(size, 8) + sizeof(struct sysv_tag);
}

enum sysv_slot {
	SLOT_EMPTY,	/* no segment at the key */
	SLOT_MATCH,	/* the name's own segment */
	SLOT_OTHER,	/* another name's, or not shmdev's */
};

/*
 * What sits at @key: for SLOT_MATCH, *@shmid and *@size are set.
 * Returns the slot kind, or -EACCES (cannot read it to tell), or another
 * negative errno.
 */
static int sysv_slot(key_t key, const char *name, int *shmid, size_t *size)
{
	const struct sysv_tag *tag;
	struct shmid_ds ds;
	unsigned char *p;
	int id, ret;

	id = shmget(key, 0, 0);
	if (id < 0)
		return errno == ENOENT ? SLOT_EMPTY : -errno;
	for (;;) {
		uint64_t magic;

		if (shmctl(id, IPC_STAT, &ds) < 0)
			return errno == EINVAL || errno == EIDRM ? SLOT_EMPTY :
			       -errno;
		if (ds.shm_segsz < sizeof(*tag) || ds.shm_segsz % 8)
			return SLOT_OTHER;
		p = shmat(id, NULL, SHM_RDONLY);
		if (p == (void *)-1)
			return errno == EINVAL || errno == EIDRM ? SLOT_EMPTY :
			       -errno;
		tag = (const void *)(p + ds.shm_segsz - sizeof(*tag));
		magic = shm_load_acquire64(&tag->magic);
		if (magic == SYSV_TAG_MAGIC) {
			ret = SLOT_OTHER;
			if (memchr(tag->name, 0, sizeof(tag->name)) &&
			    !strncmp(tag->name, name, sizeof(tag->name)) &&
			    tag->size <= ds.shm_segsz - sizeof(*tag)) {
				*shmid = id;
				*size = tag->size;
				ret = SLOT_MATCH;
			}
			shmdt(p);
			return ret;
		}
		shmdt(p);
		/* A segment made this second may still be getting its tag. */
		if (magic != 0 || time(NULL) - ds.shm_ctime > SYSV_TAG_WAIT_S)
			return SLOT_OTHER;
		usleep(1000);
	}
}

/*
 * Look for @name at all its keys.  Returns 0 with *@shmid and *@size,
 * -ENOENT, -EACCES (a key holds a segment the caller cannot read), or
 * another negative errno.
 */
static int sysv_find(const char *name, int *shmid, size_t *size)
{
	int denied = 0, ret;
	unsigned int i;

	for (i = 0; i < SYSV_PROBES; i++) {
		ret = sysv_slot(sysv_probe_key(name, i), name, shmid, size);
		if (ret == SLOT_MATCH)
			return 0;
		if (ret == -EACCES)
			denied = 1;
		else if (ret < 0)
			return ret;
	}
	return denied ? -EACCES : -ENOENT;
}

/* Write @r's tag into the segment just made; the caller removes it on error. */
static int sysv_write_tag(struct shmdev_region *r, size_t seg_size)
{
	struct sysv_tag *tag;
	unsigned char *p = shmat(r->shmid, NULL, 0);

	if (p == (void *)-1)
		return -errno;
	tag = (void *)(p + seg_size - sizeof(*tag));
	tag->size = r->size;
	memcpy(tag->name, r->name, sizeof(tag->name));
	shm_store_release64(&tag->magic, SYSV_TAG_MAGIC);
	shmdt(p);
	return 0;
}

/*
 * shmget at @key, in hugetlb pages (of @seg_size rounded up) when the pool
 * has room.  Returns 0 with r->shmid and r->hugetlb set, or -errno.
 */
static int sysv_get(struct shmdev_region *r, key_t key, size_t seg_size,
		    int shmflg)
{
	size_t huge = shmdev__round_up(seg_size, SHMDEV__HUGE_2M);

	r->hugetlb = 0;
	if (shmdev__hugetlb_available(huge)) {
		r->shmid = shmget(key, huge, shmflg | SHM_HUGETLB |
				  (int)SHMDEV__HUGETLB_2M);
		if (r->shmid >= 0) {
			r->hugetlb = 1;
			return 0;
		}
		if (errno == EEXIST)
			return -EEXIST;
	}
	r->shmid = shmget(key, seg_size, shmflg);
	return r->shmid < 0 ? -errno : 0;
}

/* Finish the named segment just made at r->shmid: its tag, then @mode. */
static int sysv_init_named(struct shmdev_region *r, size_t seg_size,
			   unsigned int mode)
{
	struct shmid_ds ds;
	int ret;

	if (r->hugetlb) {
		/* The region is all of the rounded segment but the tag. */
		seg_size = shmdev__round_up(seg_size, SHMDEV__HUGE_2M);
		r->size = seg_size - sizeof(struct sysv_tag);
	}
	ret = sysv_write_tag(r, seg_size);
	if (ret || (mode | 0600) == mode)
		return ret;
	if (shmctl(r->shmid, IPC_STAT, &ds) < 0)
		return -errno;
	ds.shm_perm.mode = (ds.shm_perm.mode & ~0777u) | mode;
	return shmctl(r->shmid, IPC_SET, &ds) < 0 ? -errno : 0;
}

/*
 * Make @r's named segment at the first free key of its name, or open the
 * name's (without EXCL).  *@made says which.
 */
static int sysv_create_named(struct shmdev_region *r, unsigned int flags,
			     unsigned int mode, int *made)
{
	size_t seg_size = sysv_seg_size(r->size), want = r->size;
	unsigned int i;
	int ret, id;

	*made = 0;
	ret = sysv_find(r->name, &id, &r->size);
	for (i = 0; ret == -ENOENT && i < SYSV_PROBES; i++) {
		/* The owner can write the tag whatever @mode says. */
		ret = sysv_get(r, sysv_probe_key(r->name, i), seg_size,
			       IPC_CREAT | IPC_EXCL | (int)(mode | 0600));
		if (ret == -EEXIST) {
			/* Taken since the lookup: by this name, or another. */
			ret = sysv_slot(sysv_probe_key(r->name, i), r->name,
					&id, &r->size);
			ret = ret == SLOT_MATCH ? 0 : ret < 0 ? ret : -ENOENT;
			continue;
		}
		if (ret)
			return ret;
		ret = sysv_init_named(r, seg_size, mode);
		if (ret) {
			shmctl(r->shmid, IPC_RMID, NULL);
			r->shmid = -1;
			return ret;
		}
		*made = 1;
		return 0;
	}
	if (ret == -ENOENT)
		return -ENOSPC;	/* every key of the name holds another */
	if (ret)
		return ret;
	/* The name exists. */
	if (flags & SHMDEV_REGION_EXCL)
		return -EEXIST;
	r->shmid = id;
	return r->size < want ? -EINVAL : 0;
}

static int sysv_map(const struct shmdev_region *r, int writable, size_t len,
		    void **addr)
{
	(void)len;	/* always all of it */
	void *p = shmat(r->shmid, NULL, writable ? 0 : SHM_RDONLY);

	if (p == (void *)-1)
		return -errno;
	*addr = p;
	return 0;
}

static int sysv_unmap(const struct shmdev_region *r, void *addr, size_t len)
{
	(void)r;
	(void)len;
	return shmdt(addr) < 0 ? -errno : 0;
}

/*
 * Map @r now: an unnamed segment must be attached before it is marked for
 * removal, and POPULATE touches every page through the mapping.
 */
static int sysv_map_now(struct shmdev_region *r, unsigned int flags)
{
	int ret = sysv_map(r, 1, r->size, &r->addr);

	r->map_size = r->size;
	if (!ret && !r->name[0])
		shmctl(r->shmid, IPC_RMID, NULL);
	if (ret || !(flags & SHMDEV_REGION_POPULATE))
		return ret;
	if (madvise(r->addr, r->size, MADV_POPULATE_WRITE) < 0)
		return errno == EFAULT ? -ENOMEM : -errno;
	return 0;
}

static int sysv_create(struct shmdev_region *r, unsigned int flags,
		       unsigned int mode)
{
	struct shmid_ds ds;
	int ret, made;

	if (r->name[0]) {
		ret = sysv_create_named(r, flags, mode, &made);
		if (ret || !(flags & SHMDEV_REGION_POPULATE))
			return ret;
	} else {
		ret = sysv_get(r, IPC_PRIVATE, r->size, IPC_CREAT | (int)mode);
		if (ret)
			return ret;
		made = 1;
		if (shmctl(r->shmid, IPC_STAT, &ds) < 0)
			ret = -errno;
		else
			r->size = ds.shm_segsz;
	}
	if (!ret)
		ret = sysv_map_now(r, flags);
	if (ret) {
		if (r->addr)
			shmdt(r->addr);
		r->addr = NULL;
		if (made)
			shmctl(r->shmid, IPC_RMID, NULL);
	}
	return ret;
}

static int sysv_open(struct shmdev_region *r)
{
	return sysv_find(r->name, &r->shmid, &r->size);
}

static int sysv_unlink(const char *name)
{
	size_t size;
	int id, ret;

	ret = sysv_find(name, &id, &size);
	if (ret)
		return ret;
	return shmctl(id, IPC_RMID, NULL) < 0 ? -errno : 0;
}

/* The shmid: the same in every process, new for a segment made again. */
static int sysv_id(const struct shmdev_region *r, uint64_t *id)
{
	*id = (uint64_t)(unsigned int)r->shmid;
	return 0;
}

const struct shmdev__backend_ops shmdev__sysv_ops = {
	.cannot = SHMDEV__NO_LAST_USER | SHMDEV__NO_FD | SHMDEV__NO_RESIZE |
		  SHMDEV__NO_SEAL | SHMDEV__NO_NOTIFY | SHMDEV__NO_PARK,
	.create = sysv_create,
	.open = sysv_open,
	.map = sysv_map,
	.unmap = sysv_unmap,
	.unlink = sysv_unlink,
	.id = sysv_id,
};
