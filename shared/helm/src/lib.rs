//! Pure Helm chart engine: chart loading, values coalescing and Go template rendering.
//!
//! [`render`] is the equivalent of `helm template`: it loads a chart directory,
//! coalesces values, renders every template with a Go text/template engine
//! and the Sprig/Helm function library, and sorts the manifests in Helm's
//! install order. Nothing here talks to a cluster: `lookup` returns empty maps
//! and `.Capabilities` comes from [`RenderOptions`].

pub mod chart;
pub mod error;
pub mod files;
pub mod funcs;
pub mod render;
pub mod strvals;
pub mod template;
pub mod values;
pub mod yaml;

pub use error::HelmError;
pub use render::{Manifest, RenderOptions, Rendered, Retained, render, render_retained};
pub use strvals::SetArg;
