#!/usr/bin/env bash
# Installs the system packages and toolchain parts the tests need, when missing.
set -euo pipefail
missing=()
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh >/dev/null || missing+=(openssh-client)
command -v git >/dev/null || missing+=(git)
command -v make >/dev/null || missing+=(make)
command -v gpg >/dev/null || missing+=(gnupg)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
mkdir -p /run/sshd
if command -v rustup >/dev/null; then
  for component in rustfmt clippy; do
    rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component"
  done
fi
command -v go >/dev/null || { echo "Go is required to build the test control plane" >&2; exit 1; }
command -v kubectl >/dev/null || echo "note: kubectl not found; tests that use it as a client will fail" >&2
