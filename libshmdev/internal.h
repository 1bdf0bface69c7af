/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libshmdev: what the library's own files share, never exported. */
#ifndef SHMDEV_INTERNAL_H
#define SHMDEV_INTERNAL_H

#include "shmdev.h"

/* The System V id of a sysv region, -1 for the other backends. */
int shmdev__region_shmid(const struct shmdev_region *r);

#endif /* SHMDEV_INTERNAL_H */
