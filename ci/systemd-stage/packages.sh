#!/usr/bin/env bash
# Installs what ci/systemd-stage.sh needs on the host, if missing (Debian): systemd-container
# (systemd-nspawn), debootstrap (the container's root file system), jq (reading the journal's JSON).
set -euo pipefail
missing=()
command -v systemd-nspawn >/dev/null 2>&1 || missing+=(systemd-container)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v jq >/dev/null 2>&1 || missing+=(jq)
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    echo "systemd-stage: installed ${missing[*]}"
fi
