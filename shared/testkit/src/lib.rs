//! Test fixtures: a real local Kubernetes control plane, Git servers over HTTP(S) and SSH.
