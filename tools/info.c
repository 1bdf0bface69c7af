// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev info: the module's state (through libkmod), its parameters, the
 * device, and what GET_INFO reports.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libkmod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shmdev.h"
#include "shmdev-tool.h"

static void help(FILE *out)
{
	fprintf(out, "Usage: shmdev info\n\n"
		"Show whether the shmdev module is installed and loaded, its\n"
		"version and parameters, whether %s is usable, and the ABI,\n"
		"features, limits and usage it reports.\n", SHMDEV_DEVICE_PATH);
}

static const char *const param_names[] = {
	"max_region_bytes", "max_total_bytes", "max_regions", "max_uid_bytes",
	"max_uid_regions",
};

static const struct {
	uint64_t bit;
	const char *name;
} features[] = {
	{ SHMDEV_FEAT_REGIONS, "regions" },
	{ SHMDEV_FEAT_PERSIST, "persist" },
	{ SHMDEV_FEAT_POPULATE, "populate" },
	{ SHMDEV_FEAT_HUGE, "huge" },
	{ SHMDEV_FEAT_LISTING, "listing" },
	{ SHMDEV_FEAT_ADMIN, "admin" },
	{ SHMDEV_FEAT_RESIZE, "resize" },
	{ SHMDEV_FEAT_SEAL, "seal" },
	{ SHMDEV_FEAT_NOTIFY, "notify" },
	{ SHMDEV_FEAT_PARK, "park" },
};

/* 1 loaded, 0 installed but not loaded, -1 not installed, -2 unknown. */
static int module_state(char *version, size_t vlen, char *path, size_t plen)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	struct kmod_list *list = NULL, *info = NULL, *e;
	struct kmod_module *mod;
	int state = -1;

	version[0] = path[0] = 0;
	if (!ctx)
		return -2;
	if (kmod_module_new_from_lookup(ctx, "shmdev", &list) == 0 && list) {
		mod = kmod_module_get_module(list);
		if (kmod_module_get_path(mod))
			snprintf(path, plen, "%s", kmod_module_get_path(mod));
		state = kmod_module_get_initstate(mod) == KMOD_MODULE_LIVE ? 1 :
			path[0] ? 0 : -1;
		if (kmod_module_get_info(mod, &info) > 0) {
			kmod_list_foreach(e, info)
				if (!strcmp(kmod_module_info_get_key(e), "version"))
					snprintf(version, vlen, "%s",
						 kmod_module_info_get_value(e));
			kmod_module_info_free_list(info);
		}
		kmod_module_unref(mod);
		kmod_module_unref_list(list);
	}
	kmod_unref(ctx);
	return state;
}

static void print_limit(const char *name, uint64_t v)
{
	if (v)
		printf("  %-18s %" PRIu64 "\n", name, v);
	else
		printf("  %-18s none\n", name);
}

static int do_info(int argc, char *argv[])
{
	char version[64], path[512], buf[64], file[128];
	struct shmdev_info info;
	unsigned int i;
	int fd, ret, c, state;
	FILE *f;

	c = tool_parse_help_only("info", argc, argv, help);
	if (c >= 0)
		return c;
	if (optind != argc)
		return tool_arg_error(help, "info: unexpected argument '%s'",
				      argv[optind]);

	printf("%-20s %s\n", "library", shmdev_version());
	state = module_state(version, sizeof(version), path, sizeof(path));
	switch (state) {
	case 1:
		printf("%-20s loaded%s%s\n", "module", path[0] ? ", " : "", path);
		break;
	case 0:
		printf("%-20s installed, not loaded (%s)\n", "module", path);
		printf("  load it with: modprobe shmdev\n");
		break;
	default:
		printf("%-20s not installed\n", "module");
		printf("  install it with DKMS: cp -r . /usr/src/shmdev-%s && dkms install shmdev/%s\n",
		       SHMDEV_VERSION_STRING, SHMDEV_VERSION_STRING);
		break;
	}
	if (version[0])
		printf("%-20s %s\n", "module version", version);
	for (i = 0; i < sizeof(param_names) / sizeof(param_names[0]); i++) {
		snprintf(file, sizeof(file), "/sys/module/shmdev/parameters/%s",
			 param_names[i]);
		f = fopen(file, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f)) {
			buf[strcspn(buf, "\n")] = 0;
			printf("%-20s %s\n", param_names[i], buf);
		}
		fclose(f);
	}

	fd = shmdev_kernel_open();
	if (fd < 0) {
		printf("%-20s %s\n", "device", strerror(-fd));
		tool_err(fd, "open %s", SHMDEV_DEVICE_PATH);
		return EXIT_FAILURE;
	}
	ret = shmdev_kernel_get_info(fd, &info);
	close(fd);
	if (ret < 0) {
		tool_err(ret, "query %s", SHMDEV_DEVICE_PATH);
		return EXIT_FAILURE;
	}
	printf("%-20s %s, usable\n", "device", SHMDEV_DEVICE_PATH);
	printf("%-20s %u.%u.%u\n", "module reports", info.version >> 16,
	       (info.version >> 8) & 0xff, info.version & 0xff);
	printf("%-20s %u\n", "abi", info.abi_version);
	printf("%-20s", "features");
	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (info.features & features[i].bit)
			printf(" %s", features[i].name);
	printf("\nlimits\n");
	print_limit("max_region_bytes", info.max_region_bytes);
	print_limit("max_total_bytes", info.max_total_bytes);
	print_limit("max_regions", info.max_regions);
	print_limit("max_uid_bytes", info.max_uid_bytes);
	print_limit("max_uid_regions", info.max_uid_regions);
	printf("  defaults: max_total_bytes half of RAM (as tmpfs), max_uid_bytes a\n"
	       "  quarter of RAM, max_regions 4096, max_uid_regions 1024; the last\n"
	       "  1/16 of max_regions and max_total_bytes is kept for root\n"
	       "  (CAP_SYS_ADMIN or CAP_IPC_OWNER)\n");
	printf("usage\n");
	printf("  %-18s %" PRIu64 "\n", "regions", (uint64_t)info.cur_regions);
	printf("  %-18s %" PRIu64 "\n", "bytes", (uint64_t)info.cur_bytes);
	printf("  %-18s %" PRIu64 "\n", "peak_bytes", (uint64_t)info.peak_bytes);
	printf("  %-18s %" PRIu64 "\n", "created", (uint64_t)info.created);
	printf("  %-18s %" PRIu64 "\n", "destroyed", (uint64_t)info.destroyed);
	return EXIT_SUCCESS;
}

const struct shmdev_cmd shmdev_cmd_info = {
	.name = "info",
	.fn = do_info,
	.help = "module state, version, parameters, ABI, limits and usage",
};
