/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef SHMDEV_UNIT_H
#define SHMDEV_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#endif
