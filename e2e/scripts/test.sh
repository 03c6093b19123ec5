#!/usr/bin/env bash
# The whole test suite: formatting, lints, dependency rules, unit and e2e tests.
# e2e tests start a real control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kwok) built by e2e/scripts/build-testbins.sh into ~/.cache/flux-rs.
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== engines do not depend on the Kubernetes client"
e2e/scripts/check-engine-deps.sh
echo "== cargo build --bins (e2e tests run the controller binaries)"
cargo build --workspace --bins --locked
echo "== cargo test"
if [ -z "${FLUX_RS_TESTBINS:-}" ]; then
  FLUX_RS_TESTBINS=$(e2e/scripts/build-testbins.sh | tail -n 1)
  export FLUX_RS_TESTBINS
fi
cargo test --workspace --locked --no-fail-fast
