//! The `image-reflector-controller` binary's flags and entry point.

flux_runtime::idle_controller!("image-reflector-controller");
