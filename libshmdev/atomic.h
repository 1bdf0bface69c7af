/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libshmdev: the cross-process memory ordering helpers, in one place.
 * Shared memory is written by one process and read by another: every
 * such field goes through these (the C11 memory model through the
 * compiler's __atomic builtins, which work on the plain fixed-width fields
 * of the shared layouts), never plain or volatile accesses.
 */
#ifndef SHMDEV_ATOMIC_H
#define SHMDEV_ATOMIC_H

#include <stdint.h>

/* Read a 64-bit field another process may be writing; later reads see
 * what that process wrote before its release store. */
static inline uint64_t shm_load_acquire64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Publish a 64-bit field after everything written before it. */
static inline void shm_store_release64(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* A field only checked, never used to order other accesses. */
static inline uint64_t shm_load_relaxed64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline uint32_t shm_load_relaxed32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline uint32_t shm_load_acquire32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void shm_store_release32(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline uint64_t shm_fetch_add64(uint64_t *p, uint64_t v)
{
	return __atomic_fetch_add(p, v, __ATOMIC_ACQ_REL);
}

static inline uint32_t shm_fetch_add32(uint32_t *p, uint32_t v)
{
	return __atomic_fetch_add(p, v, __ATOMIC_ACQ_REL);
}

static inline uint16_t shm_load_relaxed16(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline uint8_t shm_load_acquire8(const uint8_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void shm_store_release8(uint8_t *p, uint8_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Fields published by a later release store of another field. */
static inline void shm_store_relaxed32(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline void shm_store_relaxed64(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

/*
 * Sequentially consistent accesses, for the futex wait and wake protocol
 * (pool.c): a waiter counts itself then rereads the value, the waker
 * writes the value then reads the count, and one of them must see the
 * other's store, which acquire and release alone do not promise.
 */
static inline uint32_t shm_load_seqcst32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static inline void shm_store_seqcst32(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

/* Add @v (wrapping: (uint32_t)-1 subtracts one); returns the new value. */
static inline uint32_t shm_add_fetch_seqcst32(uint32_t *p, uint32_t v)
{
	return __atomic_add_fetch(p, v, __ATOMIC_SEQ_CST);
}

static inline void shm_fence_seqcst(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Compare-and-swap; true when *@p was @old and is now @new. */
static inline int shm_cas64(uint64_t *p, uint64_t old, uint64_t new_value)
{
	return __atomic_compare_exchange_n(p, &old, new_value, 0,
					   __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

#endif /* SHMDEV_ATOMIC_H */
