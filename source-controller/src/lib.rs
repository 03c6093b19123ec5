//! source-controller: GitRepository, OCIRepository, HelmRepository, HelmChart and Bucket to artifacts served over HTTP.
