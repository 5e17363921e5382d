#!/usr/bin/env bash
# Installs the system packages shopperd builds and runs with, if they are missing (Debian):
#   libsystemd-dev  sd_notify and sd_journal_sendv (the CSystemd target)
#   libsqlite3-dev  SQLite, which GRDB links
#   systemd         journald, journalctl, systemd-analyze (journal and unit tests)
#   strace          the unit's system-call filter test
#   libcurl4-openssl-dev  libcurl.so, which a static-stdlib build (--static-swift-stdlib, the
#                   installed daemon, docs/systemd.md) links for FoundationNetworking
#   libssl-dev      libcrypto's SHA-256 (the CCrypto target)
#   msmtp           a real sendmail for the notification tests (relaying to a real SMTP server)
# and from PyPI:
#   aiosmtpd        that SMTP server, on loopback (Tests/Notify/smtp_sink.py)
# Safe to run again; needs root (or sudo) only when something is missing.
set -euo pipefail

missing=()
pkg-config --exists libsystemd 2>/dev/null || missing+=(libsystemd-dev)
pkg-config --exists sqlite3 2>/dev/null || missing+=(libsqlite3-dev)
command -v systemd-analyze >/dev/null 2>&1 && command -v journalctl >/dev/null 2>&1 || missing+=(systemd)
command -v strace >/dev/null 2>&1 || missing+=(strace)
pkg-config --exists libcurl 2>/dev/null || missing+=(libcurl4-openssl-dev)
pkg-config --exists libcrypto 2>/dev/null || missing+=(libssl-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v msmtp >/dev/null 2>&1 || missing+=(msmtp)

if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    echo "setup: installed ${missing[*]}"
fi

if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
    python3 -m pip install --quiet --disable-pip-version-check aiosmtpd
    echo "setup: installed aiosmtpd (PyPI)"
fi
