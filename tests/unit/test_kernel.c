// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the library's kernel-device calls that need no module.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "shmdev.h"

static void test_version_matches_header(void **state)
{
	(void)state;
	assert_string_equal(shmdev_version(), SHMDEV_VERSION_STRING);
}

static void test_get_info_null(void **state)
{
	(void)state;
	assert_int_equal(shmdev_kernel_get_info(0, NULL), -EINVAL);
}

static void test_get_info_bad_fd(void **state)
{
	struct shmdev_info info;

	(void)state;
	assert_int_equal(shmdev_kernel_get_info(-1, &info), -EBADF);
}

static void test_get_info_not_device(void **state)
{
	struct shmdev_info info;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(shmdev_kernel_get_info(fd, &info), -ENOTTY);
	close(fd);
}

static void test_open_reports_errno(void **state)
{
	int fd = shmdev_kernel_open();

	(void)state;
	/* Either the module is here, or the error is a negative errno. */
	if (fd >= 0) {
		struct shmdev_info info;

		assert_int_equal(shmdev_kernel_get_info(fd, &info), 0);
		assert_int_equal(info.abi_version, SHMDEV_ABI_VERSION);
		close(fd);
	} else {
		assert_true(fd == -ENOENT || fd == -EACCES || fd == -ENXIO);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_matches_header),
		cmocka_unit_test(test_get_info_null),
		cmocka_unit_test(test_get_info_bad_fd),
		cmocka_unit_test(test_get_info_not_device),
		cmocka_unit_test(test_open_reports_errno),
	};

	return cmocka_run_group_tests_name("kernel", tests, NULL, NULL);
}
