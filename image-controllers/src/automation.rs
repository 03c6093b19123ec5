//! The `image-automation-controller` binary's flags and entry point.

flux_runtime::idle_controller!("image-automation-controller");
