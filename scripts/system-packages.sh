#!/usr/bin/env bash
# Debian packages the app and tests read, installed only when missing (`make test` / `make run` call this):
#   chromium               the browser tests drive /usr/bin/chromium (a browser is never downloaded)
#   dataset-fashion-mnist  the files the fashion-mnist dataset reads
# --dry-run prints what would be installed and installs nothing. CHROMIUM and FASHION_MNIST_DIR override
# the paths checked (tests use them to pretend a package is missing).
set -euo pipefail
dry_run=0
[ "${1:-}" = "--dry-run" ] && dry_run=1
chromium_path=${CHROMIUM:-/usr/bin/chromium}
fashion_dir=${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}

missing=()
[ -x "$chromium_path" ] || missing+=(chromium)
[ -d "$fashion_dir" ] || missing+=(dataset-fashion-mnist)
if [ ${#missing[@]} -eq 0 ]; then
    echo "system packages: all present (chromium, dataset-fashion-mnist)"
    exit 0
fi
if [ "$dry_run" -eq 1 ]; then
    echo "system packages: would install ${missing[*]}"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "system packages: missing ${missing[*]}, and this is not a Debian system (no apt-get)." >&2
    echo "Install them by hand: Chromium at $chromium_path and the Fashion-MNIST files in $fashion_dir." >&2
    exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo=sudo
fi
echo "system packages: installing ${missing[*]}"
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
