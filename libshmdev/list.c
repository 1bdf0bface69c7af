// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libshmdev: the shareable list (format: docs/list-format.md).
 *
 * Attaching validates the header against the region's size and keeps a
 * private copy of everything fixed; the two fields that move (length and
 * heap_used) and every mixed slot are re-checked at each access, so a
 * peer that scribbles over the list causes errors, never an access
 * outside the region.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "shmdev.h"

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

struct shmdev_list {
	struct shmdev_region *region;	/* owned when @own_region */
	int own_region;
	unsigned char *base;
	size_t size;
	struct list_hdr *hdr;		/* in shared memory */
	/* Private copies, validated at attach. */
	enum shmdev_type type;
	size_t esize;
	uint64_t capacity;
	unsigned char *data;
	unsigned char *heap;
	uint64_t heap_size;
};

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
	cap = shm_load_relaxed64(&h->capacity);
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
	l->base = base;
	l->size = size;
	l->hdr = h;
	l->esize = esize;
	l->capacity = cap;
	l->data = base + doff;
	l->heap = l->type == SHMDEV_T_MIXED ? base + hoff : NULL;
	l->heap_size = hsize;
	return 0;
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
	ret = list_validate(l, mem, size);
	if (ret) {
		free(l);
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
	ret = shmdev_list_attach_buffer(addr, shmdev_region_size(r), out);
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
	if (!l)
		return;
	if (l->own_region)
		shmdev_region_close(l->region);
	free(l);
}

struct shmdev_region *shmdev_list_region(const struct shmdev_list *l)
{
	return l ? l->region : NULL;
}

enum shmdev_type shmdev_list_type(const struct shmdev_list *l)
{
	return l ? l->type : 0;
}

size_t shmdev_list_capacity(const struct shmdev_list *l)
{
	return l ? (size_t)l->capacity : 0;
}

/* The current length, checked; negative errno when corrupted. */
static int64_t list_len(const struct shmdev_list *l)
{
	uint64_t n = shm_load_acquire64(&l->hdr->length);

	return n > l->capacity ? -EBADMSG : (int64_t)n;
}

int64_t shmdev_list_len(const struct shmdev_list *l)
{
	if (!l)
		return -EINVAL;
	return list_len(l);
}

int shmdev_list_set_len(struct shmdev_list *l, size_t n)
{
	if (!l || n > l->capacity)
		return -EINVAL;
	shm_store_release64(&l->hdr->length, n);
	return 0;
}

void *shmdev_list_data(const struct shmdev_list *l)
{
	if (!l || l->type == SHMDEV_T_MIXED)
		return NULL;
	return l->data;
}

/* [first, first + count) within the current length, for typed lists. */
static int typed_range(const struct shmdev_list *l, size_t first,
		       size_t count)
{
	int64_t n;

	if (!l || l->type == SHMDEV_T_MIXED)
		return -EINVAL;
	n = list_len(l);
	if (n < 0)
		return (int)n;
	if (first > (uint64_t)n || count > (uint64_t)n - first)
		return -ERANGE;
	return 0;
}

int shmdev_list_get(const struct shmdev_list *l, size_t i, void *elem)
{
	int ret = typed_range(l, i, 1);

	if (ret)
		return ret;
	if (!elem)
		return -EINVAL;
	memcpy(elem, l->data + i * l->esize, l->esize);
	return 0;
}

int shmdev_list_set(struct shmdev_list *l, size_t i, const void *elem)
{
	int ret = typed_range(l, i, 1);

	if (ret)
		return ret;
	if (!elem)
		return -EINVAL;
	memcpy(l->data + i * l->esize, elem, l->esize);
	return 0;
}

int shmdev_list_get_range(const struct shmdev_list *l, size_t first,
			  size_t count, void *out)
{
	int ret = typed_range(l, first, count);

	if (ret)
		return ret;
	if (!out && count)
		return -EINVAL;
	if (count)
		memcpy(out, l->data + first * l->esize, count * l->esize);
	return 0;
}

int shmdev_list_set_range(struct shmdev_list *l, size_t first, size_t count,
			  const void *in)
{
	int ret = typed_range(l, first, count);

	if (ret)
		return ret;
	if (!in && count)
		return -EINVAL;
	if (count)
		memcpy(l->data + first * l->esize, in, count * l->esize);
	return 0;
}

int shmdev_list_apply(struct shmdev_list *l, size_t first, size_t count,
		      shmdev_apply_fn fn, void *arg)
{
	int ret = typed_range(l, first, count);

	if (ret)
		return ret;
	if (!fn)
		return -EINVAL;
	if (count)
		fn(l->data, first, count, arg);
	return 0;
}

int shmdev_list_append(struct shmdev_list *l, const void *elem)
{
	int64_t n;

	if (!l || !elem || l->type == SHMDEV_T_MIXED)
		return -EINVAL;
	n = list_len(l);
	if (n < 0)
		return (int)n;
	if ((uint64_t)n >= l->capacity)
		return -ENOSPC;
	memcpy(l->data + (size_t)n * l->esize, elem, l->esize);
	shm_store_release64(&l->hdr->length, (uint64_t)n + 1);
	return 0;
}

/* Mixed lists. */

static struct mixed_slot *mixed_slot(const struct shmdev_list *l, size_t i,
				     int *err)
{
	int64_t n;

	if (!l || l->type != SHMDEV_T_MIXED) {
		*err = -EINVAL;
		return NULL;
	}
	n = list_len(l);
	if (n < 0) {
		*err = (int)n;
		return NULL;
	}
	if (i >= (uint64_t)n) {
		*err = -ERANGE;
		return NULL;
	}
	return (struct mixed_slot *)(l->data + i * MIXED_SLOT);
}

int shmdev_list_get_value(const struct shmdev_list *l, size_t i,
			  struct shmdev_value *v)
{
	struct mixed_slot *s;
	uint64_t value, len;
	int err = 0;
	uint8_t kind;

	if (!v)
		return -EINVAL;
	s = mixed_slot(l, i, &err);
	if (!s)
		return err;
	/* One read of each field: a peer may be rewriting them. */
	kind = shm_load_acquire8(&s->kind);
	len = shm_load_relaxed32(&s->len);
	value = shm_load_relaxed64(&s->value);
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	switch (kind) {
	case SHMDEV_KIND_NONE:
		return 0;
	case SHMDEV_KIND_INT:
		v->i = (int64_t)value;
		return 0;
	case SHMDEV_KIND_FLOAT:
		memcpy(&v->f, &value, sizeof(v->f));
		return 0;
	case SHMDEV_KIND_BOOL:
		if (value > 1)
			return -EBADMSG;
		v->b = (int)value;
		return 0;
	case SHMDEV_KIND_STR:
	case SHMDEV_KIND_BYTES:
		if (value > l->heap_size || len > l->heap_size - value)
			return -EBADMSG;
		v->ptr = l->heap + value;
		v->len = (size_t)len;
		return 0;
	}
	return -EBADMSG;
}

/* Strict UTF-8: no overlongs, surrogates or code points past U+10FFFF. */
static int utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t k;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i <= k)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}

/* Take @len heap bytes; returns the offset or a negative errno. */
static int64_t heap_alloc(struct shmdev_list *l, size_t len)
{
	uint64_t used;

	do {
		used = shm_load_acquire64(&l->hdr->heap_used);
		if (used > l->heap_size)
			return -EBADMSG;
		if (len > l->heap_size - used)
			return -ENOSPC;
	} while (!shm_cas64(&l->hdr->heap_used, used, used + len));
	return (int64_t)used;
}

int shmdev_list_set_value(struct shmdev_list *l, size_t i,
			  const struct shmdev_value *v)
{
	struct mixed_slot *s;
	uint64_t value = 0, old_value, old_len;
	uint32_t len = 0;
	uint8_t old_kind;
	int err = 0;

	if (!v)
		return -EINVAL;
	s = mixed_slot(l, i, &err);
	if (!s)
		return err;
	switch (v->kind) {
	case SHMDEV_KIND_NONE:
		break;
	case SHMDEV_KIND_INT:
		value = (uint64_t)v->i;
		break;
	case SHMDEV_KIND_FLOAT:
		memcpy(&value, &v->f, sizeof(value));
		break;
	case SHMDEV_KIND_BOOL:
		value = !!v->b;
		break;
	case SHMDEV_KIND_STR:
	case SHMDEV_KIND_BYTES:
		if ((!v->ptr && v->len) || v->len > UINT32_MAX)
			return -EINVAL;
		if (v->kind == SHMDEV_KIND_STR && !utf8_valid(v->ptr, v->len))
			return -EILSEQ;
		len = (uint32_t)v->len;
		old_kind = shm_load_acquire8(&s->kind);
		old_len = shm_load_relaxed32(&s->len);
		old_value = shm_load_relaxed64(&s->value);
		if ((old_kind == SHMDEV_KIND_STR || old_kind == SHMDEV_KIND_BYTES) &&
		    old_value <= l->heap_size && old_len <= l->heap_size - old_value &&
		    len <= old_len) {
			value = old_value;	/* fits where the old value was */
		} else {
			int64_t off = heap_alloc(l, len);

			if (off < 0)
				return (int)off;
			value = (uint64_t)off;
		}
		if (len)
			memcpy(l->heap + value, v->ptr, len);
		break;
	default:
		return -EINVAL;
	}
	/* kind is published last: a reader that sees it sees len and value. */
	shm_store_relaxed32(&s->len, len);
	shm_store_relaxed64(&s->value, value);
	shm_store_release8(&s->kind, (uint8_t)v->kind);
	return 0;
}
