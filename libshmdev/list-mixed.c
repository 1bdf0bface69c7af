// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libshmdev: mixed lists (the kinds of Python's ShareableList), in
 * 16-byte slots with a heap for str and bytes; list.c has the rest.  A
 * mixed list never grows: its heap follows its slots.
 */
#include <errno.h>
#include <string.h>

#include "atomic.h"
#include "list.h"

static struct mixed_slot *mixed_slot(const struct shmdev_list *l, size_t i,
				     int *err)
{
	const struct list_map *m;
	int64_t n;

	if (!l || l->type != SHMDEV_T_MIXED) {
		*err = -EINVAL;
		return NULL;
	}
	n = shmdev__list_len(l, &m);
	if (n < 0) {
		*err = (int)n;
		return NULL;
	}
	if (i >= (uint64_t)n) {
		*err = -ERANGE;
		return NULL;
	}
	return (struct mixed_slot *)(m->data + i * MIXED_SLOT);
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
