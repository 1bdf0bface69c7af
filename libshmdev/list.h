/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libshmdev: what list.c (header, typed lists, growth) and list-mixed.c
 * (mixed lists) share, never exported.  The format is
 * docs/list-format.md.
 */
#ifndef SHMDEV_LIST_H
#define SHMDEV_LIST_H

#include <pthread.h>
#include <stdint.h>

#include "internal.h"

#define LIST_MAGIC	0x315453494c4d4853ull	/* "SHMLIST1" little-endian */
#define LIST_VERSION	1
#define HDR_SIZE	64
#define SLOT_ALIGN	64
#define MIXED_SLOT	16

struct list_hdr {
	uint64_t magic;
	uint16_t version;
	uint16_t header_size;
	uint32_t type;
	uint64_t length;
	uint64_t capacity;
	uint64_t data_offset;
	uint64_t heap_offset;
	uint64_t heap_size;
	uint64_t heap_used;
};

_Static_assert(sizeof(struct list_hdr) == HDR_SIZE, "list header is 64 bytes");

struct mixed_slot {
	uint8_t kind;
	uint8_t reserved[3];
	uint32_t len;
	uint64_t value;
};

_Static_assert(sizeof(struct mixed_slot) == MIXED_SLOT, "mixed slot is 16 bytes");

/*
 * One mapping of the list's memory, never changed once published.  A
 * list that grew has several: the newest is used, the older ones stay
 * mapped until detach, so that a pointer handed out before (shmdev_list_
 * data(), a view in Python) never points at unmapped memory.
 */
struct list_map {
	unsigned char *base;
	size_t size;		/* bytes mapped at @base */
	int owned;		/* the list unmaps it (else the region's) */
	uint64_t max_cap;	/* slots within @size: any length up to it
				 * is safe to touch */
	unsigned char *data;
	struct list_map *older;
};

struct shmdev_list {
	struct shmdev_region *region;	/* owned when @own_region */
	int own_region;
	struct list_hdr *hdr;		/* in shared memory (first mapping) */
	/* Private copies, validated at attach. */
	enum shmdev_type type;
	size_t esize;
	uint64_t data_offset;
	unsigned char *heap;		/* mixed lists, which never grow */
	uint64_t heap_size;
	/* The newest mapping: atomic loads, as readers of other threads
	 * follow it without @lock. */
	struct list_map *cur;
	/* Serialises this process's threads' changes to @cur. */
	pthread_mutex_t lock;
};

/*
 * The current length, checked against the header's capacity and the
 * mapping (after mapping again when another process grew the list);
 * *@m gets the mapping it is valid in.  Negative errno when corrupted.
 */
int64_t shmdev__list_len(const struct shmdev_list *l,
			 const struct list_map **m);

#endif /* SHMDEV_LIST_H */
