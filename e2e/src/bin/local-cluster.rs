//! `local-cluster`: placeholder, the command is being written.

fn main() {}
