// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libshmdev: the shareable list (format: docs/list-format.md): header,
 * typed lists and their growth; list-mixed.c has mixed lists.
 *
 * Attaching validates the header against the region's size and keeps a
 * private copy of everything fixed; the fields that move (length,
 * heap_used, and a typed list's capacity, which only grows) and every
 * mixed slot are re-checked at each access, so a peer that scribbles
 * over the list causes errors, never an access outside the region.
 *
 * A typed list grows (shmdev_list_append(), _extend()) by resizing its
 * region geometrically, then publishing the new capacity, then the
 * length.  A reader that finds a length past what its mapping holds asks
 * the region's size and maps it again; the mappings it had stay until
 * detach.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "list.h"

size_t shmdev_type_size(enum shmdev_type type)
{
	switch (type) {
	case SHMDEV_T_INT64:
	case SHMDEV_T_UINT64:
	case SHMDEV_T_DOUBLE:
		return 8;
	case SHMDEV_T_INT32:
	case SHMDEV_T_FLOAT:
		return 4;
	case SHMDEV_T_UINT8:
		return 1;
	case SHMDEV_T_MIXED:
		return MIXED_SLOT;
	}
	return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

size_t shmdev_list_bytes(enum shmdev_type type, size_t capacity,
			 size_t heap_bytes)
{
	size_t esize = shmdev_type_size(type), data;

	if (!esize || (type != SHMDEV_T_MIXED && heap_bytes))
		return 0;
	if (capacity > (SIZE_MAX - 2 * SLOT_ALIGN - heap_bytes) / esize)
		return 0;
	data = (size_t)align_up(HDR_SIZE, SLOT_ALIGN) + capacity * esize;
	return (size_t)align_up(data, SLOT_ALIGN) + heap_bytes;
}

static struct list_map *cur_map(const struct shmdev_list *l)
{
	return __atomic_load_n(&l->cur, __ATOMIC_ACQUIRE);
}

/* A mapping of @size bytes at @base, for @l's slots. */
static struct list_map *map_new(const struct shmdev_list *l,
				unsigned char *base, size_t size, int owned)
{
	struct list_map *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->base = base;
	m->size = size;
	m->owned = owned;
	m->max_cap = (size - l->data_offset) / l->esize;
	m->data = base + l->data_offset;
	return m;
}

/* Validate the header of @base/@size and fill @l's private copies. */
static int list_validate(struct shmdev_list *l, unsigned char *base,
			 size_t size)
{
	struct list_hdr *h = (struct list_hdr *)base;
	uint64_t cap, doff, hoff, hsize, end;
	size_t esize;

	if (size < HDR_SIZE)
		return -EBADMSG;
	if (shm_load_relaxed64(&h->magic) != LIST_MAGIC ||
	    shm_load_relaxed16(&h->version) != LIST_VERSION ||
	    shm_load_relaxed16(&h->header_size) != HDR_SIZE)
		return -EBADMSG;
	l->type = (enum shmdev_type)shm_load_relaxed32(&h->type);
	esize = shmdev_type_size(l->type);
	if (!esize)
		return -EBADMSG;
	cap = shm_load_acquire64(&h->capacity);
	doff = shm_load_relaxed64(&h->data_offset);
	hoff = shm_load_relaxed64(&h->heap_offset);
	hsize = shm_load_relaxed64(&h->heap_size);
	if (doff < HDR_SIZE || doff % SLOT_ALIGN || doff > size)
		return -EBADMSG;
	if (cap > (size - doff) / esize)
		return -EBADMSG;
	end = doff + cap * esize;
	if (l->type == SHMDEV_T_MIXED) {
		if (hoff < end || hoff > size || hsize > size - hoff)
			return -EBADMSG;
	} else if (hoff || hsize || shm_load_relaxed64(&h->heap_used)) {
		return -EBADMSG;
	}
	if (shm_load_acquire64(&h->length) > cap ||
	    shm_load_acquire64(&h->heap_used) > hsize)
		return -EBADMSG;
	l->hdr = h;
	l->esize = esize;
	l->data_offset = doff;
	l->heap = l->type == SHMDEV_T_MIXED ? base + hoff : NULL;
	l->heap_size = hsize;
	return 0;
}

static void list_free(struct shmdev_list *l)
{
	struct list_map *m = l->cur, *older;

	for (; m; m = older) {
		older = m->older;
		if (m->owned)
			shmdev__region_detach(l->region, m->base, m->size);
		free(m);
	}
	pthread_mutex_destroy(&l->lock);
	free(l);
}

int shmdev_list_attach_buffer(void *mem, size_t size, struct shmdev_list **out)
{
	struct shmdev_list *l;
	int ret;

	if (!mem || !out)
		return -EINVAL;
	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	pthread_mutex_init(&l->lock, NULL);
	ret = list_validate(l, mem, size);
	if (!ret) {
		l->cur = map_new(l, mem, size, 0);
		if (!l->cur)
			ret = -ENOMEM;
	}
	if (ret) {
		list_free(l);
		return ret;
	}
	*out = l;
	return 0;
}

int shmdev_list_attach(struct shmdev_region *r, struct shmdev_list **out)
{
	void *addr;
	int ret;

	if (!r || !out)
		return -EINVAL;
	*out = NULL;
	ret = shmdev_region_map(r, &addr);
	if (ret)
		return ret;
	ret = shmdev_list_attach_buffer(addr, r->map_size, out);
	if (ret)
		return ret;
	(*out)->region = r;
	return 0;
}

int shmdev_list_format(void *mem, size_t size, enum shmdev_type type,
		       size_t capacity, size_t heap_bytes)
{
	struct list_hdr *h = mem;
	size_t need = shmdev_list_bytes(type, capacity, heap_bytes);
	uint64_t doff = align_up(HDR_SIZE, SLOT_ALIGN);

	if (!mem || !need)
		return -EINVAL;
	if (need > size)
		return -ENOSPC;
	memset(mem, 0, need);
	h->version = LIST_VERSION;
	h->header_size = HDR_SIZE;
	h->type = type;
	h->capacity = capacity;
	h->data_offset = doff;
	if (type == SHMDEV_T_MIXED) {
		h->heap_offset = align_up(doff + capacity * MIXED_SLOT,
					  SLOT_ALIGN);
		h->heap_size = heap_bytes;
	}
	/* The magic last: a reader never sees a half-written header. */
	shm_store_release64(&h->magic, LIST_MAGIC);
	return 0;
}

int shmdev_list_create(enum shmdev_backend backend, const char *name,
		       enum shmdev_type type, size_t capacity,
		       size_t heap_bytes, unsigned int flags, unsigned int mode,
		       struct shmdev_list **out)
{
	struct shmdev_region *r;
	size_t need = shmdev_list_bytes(type, capacity, heap_bytes);
	void *addr;
	int ret;

	if (!out || !need)
		return -EINVAL;
	*out = NULL;
	ret = shmdev_region_create(backend, name, need,
				   flags | (name ? SHMDEV_REGION_EXCL : 0),
				   mode, &r);
	if (ret)
		return ret;
	ret = shmdev_region_map(r, &addr);
	if (!ret)
		ret = shmdev_list_format(addr, shmdev_region_size(r), type,
					 capacity, heap_bytes);
	if (!ret)
		ret = shmdev_list_attach(r, out);
	if (ret) {
		if (name && flags & SHMDEV_REGION_PERSIST)
			shmdev_region_unlink(shmdev_region_backend(r), name);
		shmdev_region_close(r);
		return ret;
	}
	(*out)->own_region = 1;
	return 0;
}

void shmdev_list_detach(struct shmdev_list *l)
{
	struct shmdev_region *r;
	int own;

	if (!l)
		return;
	r = l->region;
	own = l->own_region;
	list_free(l);
	if (own)
		shmdev_region_close(r);
}

struct shmdev_region *shmdev_list_region(const struct shmdev_list *l)
{
	return l ? l->region : NULL;
}

enum shmdev_type shmdev_list_type(const struct shmdev_list *l)
{
	return l ? l->type : 0;
}

/*
 * Map @l again when its region grew past the current mapping (another
 * process, or this one, grew the list).  Returns the newest mapping, or
 * NULL with *@err.
 */
static const struct list_map *list_refresh(struct shmdev_list *l, int *err)
{
	struct list_map *m, *n;
	size_t size;
	void *addr;
	int ret;

	pthread_mutex_lock(&l->lock);
	m = l->cur;
	ret = l->region && l->type != SHMDEV_T_MIXED ?
	      shmdev__region_cur_size(l->region, &size) : 0;
	if (ret || !l->region || l->type == SHMDEV_T_MIXED || size <= m->size)
		goto out_unlock;
	ret = shmdev__region_attach(l->region, size, &addr);
	if (ret)
		goto out_unlock;
	n = map_new(l, addr, size, 1);
	if (!n) {
		shmdev__region_detach(l->region, addr, size);
		ret = -ENOMEM;
		goto out_unlock;
	}
	l->region->size = size;
	n->older = m;
	__atomic_store_n(&l->cur, n, __ATOMIC_RELEASE);
	m = n;
out_unlock:
	pthread_mutex_unlock(&l->lock);
	*err = ret;
	return ret ? NULL : m;
}

int64_t shmdev__list_len(const struct shmdev_list *l,
			 const struct list_map **mp)
{
	const struct list_map *m = cur_map(l);
	uint64_t n = shm_load_acquire64(&l->hdr->length);
	int err;

	/* The capacity is published before any length that needs it. */
	if (n > shm_load_acquire64(&l->hdr->capacity))
		return -EBADMSG;
	if (n > m->max_cap) {
		m = list_refresh((struct shmdev_list *)l, &err);
		if (!m)
			return err;
		if (n > m->max_cap)
			return -EBADMSG;
	}
	*mp = m;
	return (int64_t)n;
}

size_t shmdev_list_capacity(const struct shmdev_list *l)
{
	const struct list_map *m;
	uint64_t cap;

	if (!l)
		return 0;
	if (shmdev__list_len(l, &m) < 0)
		m = cur_map(l);
	cap = shm_load_acquire64(&l->hdr->capacity);
	return (size_t)(cap < m->max_cap ? cap : m->max_cap);
}

int64_t shmdev_list_len(const struct shmdev_list *l)
{
	const struct list_map *m;

	if (!l)
		return -EINVAL;
	return shmdev__list_len(l, &m);
}

int shmdev_list_set_len(struct shmdev_list *l, size_t n)
{
	if (!l || n > shmdev_list_capacity(l))
		return -EINVAL;
	shm_store_release64(&l->hdr->length, n);
	return 0;
}

void *shmdev_list_data(const struct shmdev_list *l)
{
	const struct list_map *m;

	if (!l || l->type == SHMDEV_T_MIXED)
		return NULL;
	if (shmdev__list_len(l, &m) < 0)
		m = cur_map(l);
	return m->data;
}

/*
 * [first, first + count) within the current length, for typed lists;
 * *@data gets slot 0 in a mapping that holds them.
 */
static int typed_range(const struct shmdev_list *l, size_t first,
		       size_t count, unsigned char **data)
{
	const struct list_map *m;
	int64_t n;

	if (!l || l->type == SHMDEV_T_MIXED)
		return -EINVAL;
	n = shmdev__list_len(l, &m);
	if (n < 0)
		return (int)n;
	if (first > (uint64_t)n || count > (uint64_t)n - first)
		return -ERANGE;
	*data = m->data;
	return 0;
}

int shmdev_list_get(const struct shmdev_list *l, size_t i, void *elem)
{
	unsigned char *data = NULL;
	int ret = typed_range(l, i, 1, &data);

	if (ret)
		return ret;
	if (!elem)
		return -EINVAL;
	memcpy(elem, data + i * l->esize, l->esize);
	return 0;
}

int shmdev_list_set(struct shmdev_list *l, size_t i, const void *elem)
{
	unsigned char *data = NULL;
	int ret = typed_range(l, i, 1, &data);

	if (ret)
		return ret;
	if (!elem)
		return -EINVAL;
	memcpy(data + i * l->esize, elem, l->esize);
	return 0;
}

int shmdev_list_get_range(const struct shmdev_list *l, size_t first,
			  size_t count, void *out)
{
	unsigned char *data = NULL;
	int ret = typed_range(l, first, count, &data);

	if (ret)
		return ret;
	if (!out && count)
		return -EINVAL;
	if (count)
		memcpy(out, data + first * l->esize, count * l->esize);
	return 0;
}

int shmdev_list_set_range(struct shmdev_list *l, size_t first, size_t count,
			  const void *in)
{
	unsigned char *data = NULL;
	int ret = typed_range(l, first, count, &data);

	if (ret)
		return ret;
	if (!in && count)
		return -EINVAL;
	if (count)
		memcpy(data + first * l->esize, in, count * l->esize);
	return 0;
}

int shmdev_list_apply(struct shmdev_list *l, size_t first, size_t count,
		      shmdev_apply_fn fn, void *arg)
{
	unsigned char *data = NULL;
	int ret = typed_range(l, first, count, &data);

	if (ret)
		return ret;
	if (!fn)
		return -EINVAL;
	if (count)
		fn(data, first, count, arg);
	return 0;
}

/*
 * Make room for @need slots: the region grows to twice the capacity (or
 * @need, if more), the capacity is published, and a mapping of it made.
 * Called with l->lock held.  A list that cannot grow (over a buffer, or
 * a region whose backend has a fixed size) gives -ENOSPC.
 */
static int list_grow(struct shmdev_list *l, uint64_t need)
{
	struct shmdev_region *r = l->region;
	uint64_t cap = shm_load_acquire64(&l->hdr->capacity), new_cap;
	size_t bytes, size;
	int ret;

	if (need <= cap)
		return 0;
	if (!r)
		return -ENOSPC;
	new_cap = cap > need / 2 ? cap * 2 : need;
	if (new_cap < 8)
		new_cap = 8;
	bytes = shmdev_list_bytes(l->type, (size_t)new_cap, 0);
	if (!bytes || new_cap > SIZE_MAX / 2)
		return -EOVERFLOW;
	ret = shmdev__region_cur_size(r, &size);
	if (ret)
		return ret;
	if (size < bytes) {
		ret = shmdev__region_grow(r, bytes);
		if (ret)
			return ret == -EOPNOTSUPP ? -ENOSPC : ret;
		/* All the backend gave: it rounds up to its page size. */
		size = r->size;
		new_cap = (size - l->data_offset) / l->esize;
	}
	shm_store_release64(&l->hdr->capacity, new_cap);
	return 0;
}

int shmdev_list_extend(struct shmdev_list *l, const void *elems,
		       size_t count)
{
	const struct list_map *m;
	int64_t n;
	int ret;

	if (!l || (!elems && count) || l->type == SHMDEV_T_MIXED)
		return -EINVAL;
	n = shmdev__list_len(l, &m);
	if (n < 0)
		return (int)n;
	if (!count)
		return 0;
	if (count > UINT64_MAX / 2 - (uint64_t)n)
		return -EOVERFLOW;
	if ((uint64_t)n + count > m->max_cap ||
	    (uint64_t)n + count > shm_load_acquire64(&l->hdr->capacity)) {
		pthread_mutex_lock(&l->lock);
		ret = list_grow(l, (uint64_t)n + count);
		pthread_mutex_unlock(&l->lock);
		if (!ret && !list_refresh(l, &ret))
			return ret;
		if (ret)
			return ret;
		m = cur_map(l);
		if ((uint64_t)n + count > m->max_cap)
			return -EBADMSG;	/* the region shrank under us */
	}
	memcpy(m->data + (size_t)n * l->esize, elems, count * l->esize);
	shm_store_release64(&l->hdr->length, (uint64_t)n + count);
	return 0;
}

int shmdev_list_append(struct shmdev_list *l, const void *elem)
{
	if (!elem)
		return -EINVAL;
	return shmdev_list_extend(l, elem, 1);
}

int shmdev__list_mapping(const struct shmdev_list *l, unsigned char **base,
			 size_t *size, size_t *data_offset, size_t *max_len)
{
	const struct list_map *m;
	int64_t n = shmdev__list_len(l, &m);

	if (n < 0)
		return (int)n;
	*base = m->base;
	*size = m->size;
	*data_offset = l->data_offset;
	*max_len = m->max_cap;
	return 0;
}
