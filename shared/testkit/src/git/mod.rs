//! Git fixtures: bare repositories served over smart HTTP(S) by `git http-backend`
//! ([`GitServer`]) and over SSH by a private `sshd` ([`SshGitServer`]), plus [`TestRepo`] to
//! commit, tag and branch through the real git CLI.
//!
//! The HTTP server runs on its own thread and runtime, so tests may clone from it with blocking
//! code without starving it.

mod http;
mod repo;
mod ssh;
pub(crate) mod tls;

pub use http::{GitServer, GitServerBuilder};
pub use repo::TestRepo;
pub use ssh::SshGitServer;
