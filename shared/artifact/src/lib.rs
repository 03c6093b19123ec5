//! Artifact storage, reproducible tar.gz archives with ignore rules, digests, GC, the HTTP file server, and safe fetch and extract for consumers.
