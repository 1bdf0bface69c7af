# SPDX-License-Identifier: LGPL-2.1-or-later
"""The PEP 517 backend of pyproject.toml: a wheel of the shmdev package with
its C extension built against the installed libshmdev (pkg-config), using
only the standard library, so that pip install works without a network."""

import base64
import glob
import hashlib
import io
import os
import shlex
import subprocess
import sys
import sysconfig
import tempfile
import zipfile

try:
    import tomllib
except ImportError:     # Python < 3.11: the two fields, by hand
    tomllib = None

HERE = os.path.dirname(os.path.abspath(__file__))


def _project():
    with open(os.path.join(HERE, "pyproject.toml"), "rb") as f:
        data = f.read()
    if tomllib:
        return tomllib.loads(data.decode())["project"]
    proj = {}
    for line in data.decode().splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("name", "version", "description"):
            proj[key.strip()] = value.strip().strip('"')
    return proj


def _pkg_config(*args):
    try:
        out = subprocess.run(["pkg-config", *args, "libshmdev"], check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise RuntimeError(
            "shmdev: could not find libshmdev with pkg-config (%s): install "
            "libshmdev-dev, or make install and set PKG_CONFIG_PATH; "
            "SHMDEV_NO_EXTENSION=1 builds without the C extension" % e) from None
    return out.strip()


def _extension(tmp):
    """Compile shmdev._speedups; returns (wheel path, file) and the libdir."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    libdir = _pkg_config("--variable=libdir")
    out = os.path.join(tmp, "_speedups" + suffix)
    cmd = [os.environ.get("CC", "cc"), "-shared", "-fPIC", "-O2", "-g",
           "-Wall", "-Wextra", "-I" + sysconfig.get_paths()["include"],
           *shlex.split(_pkg_config("--cflags")),
           *sorted(glob.glob(os.path.join(HERE, "src", "*.c"))), "-o", out,
           *shlex.split(_pkg_config("--libs"))]
    if libdir not in ("/usr/lib", "/lib") and not libdir.startswith("/usr/lib/"):
        cmd.append("-Wl,-rpath," + libdir)
    subprocess.run(cmd, check=True)
    return ("shmdev/_speedups" + suffix, out), libdir


def _tag(pure):
    if pure:
        return "py3-none-any"
    impl = "cp%d%d" % sys.version_info[:2]
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return "%s-%s-%s" % (impl, impl + getattr(sys, "abiflags", ""), plat)


def _metadata(proj):
    return ("Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: %s\n"
            "License: %s\nRequires-Python: %s\n" %
            (proj["name"], proj["version"], proj.get("description", ""),
             proj.get("license", {}).get("text", ""),
             proj.get("requires-python", ">=3.9")))


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
    return "%s,sha256=%s,%d\n" % (path, digest.rstrip(b"=").decode(), len(data))


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    proj = _project()
    pure = bool(os.environ.get("SHMDEV_NO_EXTENSION"))
    files = []
    pkg = os.path.join(HERE, "shmdev")
    for name in sorted(os.listdir(pkg)):
        if name.endswith(".py"):
            with open(os.path.join(pkg, name), "rb") as f:
                files.append(("shmdev/" + name, f.read()))
    with tempfile.TemporaryDirectory() as tmp:
        libdir = None
        if not pure:
            (path, built), libdir = _extension(tmp)
            with open(built, "rb") as f:
                files.append((path, f.read()))
        # Where the library the extension was built against lives: the
        # ctypes side loads the same one.
        files.append(("shmdev/_build_config.py",
                      ("# Written by build_backend.py.\nLIBDIR = %r\n" %
                       libdir).encode()))
    tag = _tag(pure)
    dist = "%s-%s" % (proj["name"], proj["version"])
    info = dist + ".dist-info/"
    files.append((info + "METADATA", _metadata(proj).encode()))
    files.append((info + "WHEEL", (
        "Wheel-Version: 1.0\nGenerator: shmdev build_backend\n"
        "Root-Is-Purelib: %s\nTag: %s\n" % ("true" if pure else "false", tag)).encode()))
    record = io.StringIO()
    for path, data in files:
        record.write(_record_line(path, data))
    record.write(info + "RECORD,,\n")
    files.append((info + "RECORD", record.getvalue().encode()))
    name = "%s-%s.whl" % (dist, tag)
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w",
                         zipfile.ZIP_DEFLATED) as z:
        for path, data in files:
            z.writestr(path, data)
    return name
