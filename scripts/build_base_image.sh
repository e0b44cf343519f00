#!/usr/bin/env bash
# Build a local base image (Debian bookworm + Python 3.11) with debootstrap and `docker import`,
# for machines that reach Debian's package mirror but not a container registry.
#
#   scripts/build_base_image.sh [TAG]         # default TAG: happy-path-base:bookworm-py311
#   docker build --network host --build-arg BASE_IMAGE=happy-path-base:bookworm-py311 -t happy-path .
#
# The image stands in for the public python:3.11-slim-bookworm the Dockerfile uses by default:
# Debian's python3 is 3.11 on bookworm, which is what pyproject.toml asks for. Nothing else is
# installed; the Dockerfile's build stage brings the project's own dependencies from PyPI.
set -euo pipefail

TAG="${1:-happy-path-base:bookworm-py311}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm

if docker image inspect "$TAG" >/dev/null 2>&1 && [ -z "${REBUILD:-}" ]; then
  echo "$TAG already exists (REBUILD=1 to rebuild)"
  exit 0
fi
command -v debootstrap >/dev/null || apt-get install -y -q debootstrap >/dev/null

ROOTFS="$(mktemp -d /var/tmp/hp-base.XXXXXX)"
trap 'rm -rf "$ROOTFS"' EXIT

# minbase: essential packages and apt only. python3-venv brings ensurepip (the Dockerfile makes a
# virtualenv); ca-certificates lets pip reach PyPI over TLS.
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
  "$SUITE" "$ROOTFS" "$MIRROR"

# What a slim image leaves out: package lists and caches, documentation, man pages, locales.
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb \
  "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/*
find "$ROOTFS"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} +
# `python` as in the official images (the Dockerfile calls python3, but operators type python).
ln -sf python3 "$ROOTFS"/usr/bin/python
# Trust what this machine trusts: where egress goes through a TLS-inspecting proxy, its CA is in
# /usr/local/share/ca-certificates, and pip in the build stage must accept it to reach PyPI.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$ROOTFS"/usr/local/share/ca-certificates/
  chroot "$ROOTFS" update-ca-certificates >/dev/null
fi

tar --numeric-owner -C "$ROOTFS" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["python3"]' \
  - "$TAG"
docker image inspect "$TAG" --format '{{.Id}} {{.Size}}'
