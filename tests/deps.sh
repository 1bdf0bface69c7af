#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages that building and testing shmdev need.
# As root, missing packages are installed with apt-get; otherwise they are
# named and the script fails.
set -u
pkgs=(
	build-essential pkg-config perl cpio gzip xz-utils kmod
	libcmocka-dev libkmod-dev sparse dkms clang libclang-rt-14-dev
	qemu-system-x86 busybox-static python3 python3-dev python3-venv python3-numpy trinity
	# The kernels of the matrix that make check boots: Debian 12's stock
	# 6.1 and its 6.12 (Debian 13's kernel), with headers for DKMS.
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	# libshmdev-mpi: Open MPI and mpi4py.
	libopenmpi-dev openmpi-bin python3-mpi4py
	# make deb and its check: the Debian packaging tools.
	debhelper dh-dkms dh-python lintian
	# Building guest kernels from source (make check-kernel, check-debug).
	flex bison bc libelf-dev libssl-dev
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { echo "deps: all ${#pkgs[@]} packages present"; exit 0; }
if [ "$(id -u)" -ne 0 ]; then
	echo "shmdev: could not install test dependencies: not root; missing: ${missing[*]}" >&2
	echo "run as root, or: apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq &&
	apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null ||
	{ echo "shmdev: could not install ${missing[*]} with apt-get" >&2; exit 1; }
