#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs PROGRAM with VAR set to this rank's field of a comma-separated
# list (unset where the field is empty), to give ranks different settings.
#
# usage: mpirun ... rank-env.sh VAR V0,V1,... PROGRAM [ARGS...]
var=$1
vals=$2
shift 2
rank=${OMPI_COMM_WORLD_RANK:?rank-env.sh: not under Open MPI: OMPI_COMM_WORLD_RANK is unset}
v=$(printf '%s\n' "$vals" | cut -d, -f$((rank + 1)))
if [ -n "$v" ]; then
	export "$var=$v"
else
	unset "$var"
fi
exec "$@"
