# SPDX-License-Identifier: GPL-2.0
#
# shmdev: the entry point for people and for DKMS.  Kbuild reads ./Kbuild,
# never this file, so userspace rules stay out of its sight.
#
#   make            module, library and tool
#   make shmdev     only shmdev.ko (what dkms.conf calls)
#   make check      everything tested: host, lints, DKMS, QEMU guest
#   make check-host the kernel tests against the module loaded on this machine
#   make deb        the Debian packages, in build/deb/
#   make mpi        libshmdev-mpi, its tests and shmdev-mpi-bench (Open MPI)
#   make install    library, headers, pkg-config, tool, udev rule (DESTDIR, PREFIX)

VERSION := $(shell sed -n 's/^\#define SHMDEV_VERSION_STRING[[:space:]]*"\(.*\)"/\1/p' include/uapi/linux/shmdev.h)
SOMAJOR := $(firstword $(subst ., ,$(VERSION)))

# The kernel to build against: KDIR, else KERNELRELEASE's build tree, else
# the running kernel's, else the newest installed Debian amd64 headers.
ifneq ($(KERNELRELEASE),)
KDIR ?= /lib/modules/$(KERNELRELEASE)/build
else
KDIR ?= $(or $(wildcard /lib/modules/$(shell uname -r)/build),$(lastword $(shell ls -d /lib/modules/*-amd64/build 2>/dev/null | sort -V)))
endif
# Kbuild computes its own KERNELRELEASE: do not pass DKMS's down to it.
MAKEOVERRIDES := $(filter-out KERNELRELEASE=%,$(MAKEOVERRIDES))

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
UDEVDIR ?= /lib/udev/rules.d
MODLOADDIR ?= /usr/lib/modules-load.d
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
# Every function named in a page's NAME section gets a .so link to it.
man_names = $(shell sed -n '/^\.SH NAME/,/\\-/p' $(1) | sed '1d; s/\\-.*//' | tr ',' ' ')

CC ?= cc
CFLAGS ?= -O2 -g
WARNFLAGS := -Wall -Wextra -Werror
override CPPFLAGS += -D_GNU_SOURCE -Iinclude/uapi -Ilibshmdev
ALL_CFLAGS = -std=gnu11 $(WARNFLAGS) $(CFLAGS)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

B := build
LIB_SRCS := $(wildcard libshmdev/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
TOOL_SRCS := $(wildcard tools/*.c)
TOOL_OBJS := $(TOOL_SRCS:%.c=$(B)/%.o)
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/unit/%)
UNIT_SAN_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/unit-san/%)
GUEST_SRCS := $(wildcard tests/vm/guest/t_*.c)
GUEST_SCRIPTS := $(wildcard tests/vm/guest/t_*.sh)
GUEST_BINS := $(GUEST_SRCS:tests/vm/guest/%.c=$(B)/tests/vm/%) \
	$(GUEST_SCRIPTS:tests/vm/guest/%.sh=$(B)/tests/vm/%)
SONAME := libshmdev.so.$(SOMAJOR)

.PHONY: all shmdev lib tool tests python mpi install-mpi check check-host bench install uninstall fuzz \
	reliability check-debug check-kernel mutants deb \
	clean sparse FORCE

all: shmdev lib tool

KREL = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)

shmdev:
	@test -f "$(KDIR)/Makefile" || { echo "shmdev: could not find kernel headers in '$(KDIR)':" \
		"install linux-headers-$$(uname -r), or set KDIR" >&2; exit 1; }
	@echo "shmdev: building the module for $(KREL) ($(KDIR))"
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 CHECK=sparse modules

lib: $(B)/$(SONAME) $(B)/libshmdev.a $(B)/libshmdev.pc

# libshmdev-mpi and its tests and bench, over Debian's Open MPI
# (libopenmpi-dev): a separate library, so that libshmdev needs no MPI.
MPI_CFLAGS = $(shell pkg-config --cflags ompi-c 2>/dev/null)
MPI_LIBS = $(shell pkg-config --libs ompi-c 2>/dev/null)
MPI_SONAME := libshmdev-mpi.so.$(SOMAJOR)
mpi: $(B)/$(MPI_SONAME) $(B)/libshmdev-mpi.pc $(B)/tests/mpi/t_mpi_list \
	$(B)/shmdev-mpi-bench
$(B)/mpi/%.o: mpi/%.c mpi/shmdev-mpi.h libshmdev/shmdev.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Impi $(MPI_CFLAGS) $(ALL_CFLAGS) -fPIC \
		-fvisibility=hidden -DSHMDEV_MPI_BUILDING_LIB -c -o $@ $<
$(B)/$(MPI_SONAME): $(B)/mpi/list.o mpi/libshmdev-mpi.sym $(B)/$(SONAME)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(MPI_SONAME) \
		-Wl,--version-script=mpi/libshmdev-mpi.sym -Wl,-z,defs \
		-o $@ $(B)/mpi/list.o -L$(B) -lshmdev $(MPI_LIBS)
	ln -sf $(MPI_SONAME) $(B)/libshmdev-mpi.so
$(B)/libshmdev-mpi.pc: mpi/libshmdev-mpi.pc.in FORCE
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@
$(B)/tests/mpi/%: tests/mpi/%.c $(B)/$(MPI_SONAME)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Impi $(MPI_CFLAGS) $(ALL_CFLAGS) -o $@ $< -L$(B) \
		-lshmdev-mpi -lshmdev $(MPI_LIBS) -Wl,--disable-new-dtags,-rpath,$(CURDIR)/$(B)
$(B)/shmdev-mpi-bench: mpi/bench.c $(B)/$(MPI_SONAME)
	$(CC) $(CPPFLAGS) -Impi $(MPI_CFLAGS) $(ALL_CFLAGS) -o $@ $< -L$(B) \
		-lshmdev-mpi -lshmdev $(MPI_LIBS) -Wl,--disable-new-dtags,-rpath,$(CURDIR)/$(B)

# The Python binding's C extension, built in place next to the package
# (python3-dev): item access of ShareableList and TypedList in C.
PYTHON ?= /usr/bin/python3
PY_EXT = python/shmdev/_speedups$(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
PY_INC = $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
python: $(PY_EXT)
$(PY_EXT): $(wildcard python/src/*.c python/src/*.h) libshmdev/shmdev.h $(B)/$(SONAME)
	$(CC) $(CPPFLAGS) -I$(PY_INC) $(ALL_CFLAGS) -fPIC -shared $(LDFLAGS) \
		-o $@ $(wildcard python/src/*.c) -L$(B) -lshmdev
tool: $(B)/shmdev
tests: $(UNIT_BINS) $(UNIT_SAN_BINS) $(GUEST_BINS)

$(B)/libshmdev/%.o: libshmdev/%.c libshmdev/*.h include/uapi/linux/shmdev.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -fPIC -fvisibility=hidden \
		-DSHMDEV_BUILDING_LIB -c -o $@ $<

$(B)/$(SONAME): $(LIB_OBJS) libshmdev/libshmdev.sym
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) \
		-Wl,--version-script=libshmdev/libshmdev.sym -Wl,-z,defs \
		-o $@ $(LIB_OBJS)
	ln -sf $(SONAME) $(B)/libshmdev.so

$(B)/libshmdev.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

# Rebuilt every time: it depends on PREFIX and LIBDIR of this invocation.
$(B)/libshmdev.pc: libshmdev/libshmdev.pc.in FORCE
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

$(B)/tools/%.o: tools/%.c tools/*.h libshmdev/shmdev.h include/uapi/linux/shmdev.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# The tool links the library statically, as kmod's tools do.
$(B)/shmdev: $(TOOL_OBJS) $(B)/libshmdev.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(TOOL_OBJS) $(B)/libshmdev.a -lkmod -lpthread -lm

# Unit tests link the shared library, so they see only exported symbols.
$(B)/tests/unit/%: tests/unit/%.c $(B)/$(SONAME) tests/unit/*.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< -L$(B) -lshmdev \
		-Wl,-rpath,$(CURDIR)/$(B) -lcmocka

# Tests of internals (test_i_*) link the static library, whose hidden
# symbols (test hooks) they reach.
$(B)/tests/unit/test_i_%: tests/unit/test_i_%.c $(B)/libshmdev.a tests/unit/*.h libshmdev/*.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(B)/libshmdev.a -lcmocka

# The same tests with the library compiled in, under ASan and UBSan.
$(B)/tests/unit-san/%: tests/unit/%.c $(LIB_SRCS) tests/unit/*.h libshmdev/*.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(SANFLAGS) -o $@ $< $(LIB_SRCS) -lcmocka

# In-guest kernel tests: plain programs, exit 0 pass, 1 fail, 77 skip.
$(B)/tests/vm/%: tests/vm/guest/%.c tests/vm/guest/*.h $(B)/$(SONAME) include/uapi/linux/shmdev.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< -L$(B) -lshmdev \
		-Wl,-rpath,$(CURDIR)/$(B)

# libFuzzer target over list attach and access (clang).
FUZZ_SECONDS ?= 600
$(B)/fuzz_list: tests/fuzz/fuzz_list.c $(LIB_SRCS) libshmdev/*.h
	@mkdir -p $(@D)
	clang $(CPPFLAGS) -std=gnu11 $(WARNFLAGS) -g -O1 \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_SRCS)

$(B)/make_seeds: tests/fuzz/make_seeds.c $(B)/libshmdev.a
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(B)/libshmdev.a

fuzz:
	tests/fuzz.sh $(FUZZ_SECONDS)

$(B)/tests/vm/%: tests/vm/guest/%.sh
	@mkdir -p $(@D)
	install -m 0755 $< $@

check:
	@tests/check.sh

# The in-guest suite on a debug kernel (KASAN, lockdep, kmemleak, fault
# injection, NUMA), built once from linux-source-6.12 and cached: a
# check-kernel with KFRAG=debug.
check-debug:
	@tests/check-debug.sh

# The in-guest suite on a kernel built from any source tree (a directory
# or a tarball), with the guest config plus NUMA, and KFRAG's fragments
# (e.g. KFRAG=debug) from tests/kernel/.
check-kernel:
	@test -n "$(KSRC)" || { echo "usage: make check-kernel KSRC=DIR|TARBALL [KFRAG=debug]" >&2; exit 1; }
	@tests/check-kernel.sh $(KSRC) $(KFRAG)

# Each reliability suite against a build with the bug it must catch.
mutants:
	@kver=$$(tests/guest-kver.sh) && $(MAKE) -s KDIR=/lib/modules/$$kver/build all tests && \
		rm -rf $(B)/mutants && mkdir -p $(B)/mutants && \
		tests/mutants.sh $$kver $(CURDIR)/$(B)/mutants $(B)/mutants/results.txt

# The reliability suites at full length (about 9 minutes).
reliability:
	@tests/reliability.sh

check-host: lib $(GUEST_BINS) $(UNIT_BINS)
	@: > $(B)/check-host.txt
	@tests/vm/runner.sh $(B)/tests/vm $(B)/check-host.txt; rc=$$?; \
	echo "$$(grep -c ^PASS $(B)/check-host.txt) passed, $$(grep -c ^FAIL $(B)/check-host.txt) failed, $$(grep -c ^SKIP $(B)/check-host.txt) skipped"; \
	exit $$rc

# Installs what it needs like make check, builds, and measures for real.
bench:
	@tests/deps.sh
	@$(MAKE) -s all
	@tools/run-bench.sh

# dpkg-buildpackage -us -uc -b on a copy of the tree, then lintian.
deb:
	@tools/make-deb.sh

install: lib tool $(B)/libshmdev.pc
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/linux \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(UDEVDIR) $(DESTDIR)$(MODLOADDIR)
	install -m 0755 $(B)/$(SONAME) $(DESTDIR)$(LIBDIR)/libshmdev.so.$(VERSION)
	ln -sf libshmdev.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libshmdev.so
	install -m 0644 $(B)/libshmdev.a $(DESTDIR)$(LIBDIR)/libshmdev.a
	install -m 0644 libshmdev/shmdev.h $(DESTDIR)$(INCLUDEDIR)/shmdev.h
	install -m 0644 include/uapi/linux/shmdev.h $(DESTDIR)$(INCLUDEDIR)/linux/shmdev.h
	install -m 0644 $(B)/libshmdev.pc $(DESTDIR)$(PKGCONFIGDIR)/libshmdev.pc
	install -m 0755 $(B)/shmdev $(DESTDIR)$(BINDIR)/shmdev
	install -m 0644 data/60-shmdev.rules $(DESTDIR)$(UDEVDIR)/60-shmdev.rules
	install -m 0644 data/shmdev.conf $(DESTDIR)$(MODLOADDIR)/shmdev.conf
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(COMPLETIONDIR)
	install -m 0644 man/shmdev.1 $(DESTDIR)$(MANDIR)/man1/shmdev.1
	install -m 0644 data/shmdev.bash-completion $(DESTDIR)$(COMPLETIONDIR)/shmdev
	install -m 0644 man/*.3 $(DESTDIR)$(MANDIR)/man3/
	install -m 0644 man/*.7 $(DESTDIR)$(MANDIR)/man7/
	$(foreach p,$(wildcard man/*.3),$(foreach n,$(call man_names,$(p)),\
		$(if $(filter $(n).3,$(notdir $(p))),,\
		echo ".so man3/$(notdir $(p))" > $(DESTDIR)$(MANDIR)/man3/$(n).3;)))

# libshmdev-mpi (make mpi first): library, header, pkg-config file.
install-mpi: mpi
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0755 $(B)/$(MPI_SONAME) $(DESTDIR)$(LIBDIR)/libshmdev-mpi.so.$(VERSION)
	ln -sf libshmdev-mpi.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(MPI_SONAME)
	ln -sf $(MPI_SONAME) $(DESTDIR)$(LIBDIR)/libshmdev-mpi.so
	install -m 0644 mpi/shmdev-mpi.h $(DESTDIR)$(INCLUDEDIR)/shmdev-mpi.h
	install -m 0644 $(B)/libshmdev-mpi.pc $(DESTDIR)$(PKGCONFIGDIR)/libshmdev-mpi.pc
	install -m 0755 $(B)/shmdev-mpi-bench $(DESTDIR)$(BINDIR)/shmdev-mpi-bench

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libshmdev-mpi.so.$(VERSION) \
		$(DESTDIR)$(LIBDIR)/$(MPI_SONAME) $(DESTDIR)$(LIBDIR)/libshmdev-mpi.so \
		$(DESTDIR)$(INCLUDEDIR)/shmdev-mpi.h \
		$(DESTDIR)$(PKGCONFIGDIR)/libshmdev-mpi.pc $(DESTDIR)$(BINDIR)/shmdev-mpi-bench
	rm -f $(DESTDIR)$(LIBDIR)/libshmdev.so.$(VERSION) \
		$(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libshmdev.so \
		$(DESTDIR)$(LIBDIR)/libshmdev.a $(DESTDIR)$(INCLUDEDIR)/shmdev.h \
		$(DESTDIR)$(INCLUDEDIR)/linux/shmdev.h \
		$(DESTDIR)$(PKGCONFIGDIR)/libshmdev.pc $(DESTDIR)$(BINDIR)/shmdev \
		$(DESTDIR)$(UDEVDIR)/60-shmdev.rules \
		$(DESTDIR)$(MODLOADDIR)/shmdev.conf \
		$(DESTDIR)$(MANDIR)/man1/shmdev.1 $(DESTDIR)$(COMPLETIONDIR)/shmdev \
		$(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(wildcard man/*.7))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man3/,$(notdir $(wildcard man/*.3))) \
		$(foreach p,$(wildcard man/*.3),$(foreach n,$(call man_names,$(p)),\
			$(DESTDIR)$(MANDIR)/man3/$(n).3))

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(B) python/shmdev/_speedups.*.so
