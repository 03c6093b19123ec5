//! image-reflector-controller and image-automation-controller.
