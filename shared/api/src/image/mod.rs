//! `image.toolkit.fluxcd.io/v1`: ImageRepository, ImagePolicy (image-reflector-controller) and
//! ImageUpdateAutomation (image-automation-controller).

pub mod imagepolicy;
pub mod imagerepository;
pub mod imageupdateautomation;

pub use imagepolicy::{ImagePolicy, ImagePolicySpec, ImagePolicyStatus};
pub use imagerepository::{ImageRepository, ImageRepositorySpec, ImageRepositoryStatus};
pub use imageupdateautomation::{
    ImageUpdateAutomation, ImageUpdateAutomationSpec, ImageUpdateAutomationStatus,
};

/// The API version of the image kinds.
pub const API_VERSION: &str = "image.toolkit.fluxcd.io/v1";
