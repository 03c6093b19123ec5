# The two commands a newcomer needs; see README.md.
.PHONY: demo test crds

# Local control plane + controllers reconciling a sample Git repository.
demo:
	e2e/scripts/demo.sh

# Formatting, lints, unit tests and e2e tests against a real control plane.
test:
	e2e/scripts/test.sh

# Regenerate deploy/crds from the Rust API types.
crds:
	cargo run -q -p flux-api --bin crdgen -- deploy/crds
