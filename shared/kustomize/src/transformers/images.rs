//! The images transformer: new names, tags and digests for container images.

use crate::error::{Result, build_err};
use crate::fieldspec::{self, FieldSpec};
use crate::resource::Resource;
use regex::Regex;
use serde_json::Value;

/// One `images:` entry.
#[derive(Debug, Clone, Default)]
pub struct ImageTag {
    /// Image name to match (without tag or digest).
    pub name: String,
    /// Replacement name.
    pub new_name: String,
    /// Replacement tag.
    pub new_tag: String,
    /// Replacement digest.
    pub digest: String,
    /// Suffix appended to the current tag.
    pub tag_suffix: String,
}

impl ImageTag {
    /// Reads an `images:` entry.
    pub fn from_value(v: &Value) -> ImageTag {
        let s = |k: &str| match v.get(k) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        ImageTag {
            name: s("name"),
            new_name: s("newName"),
            new_tag: s("newTag"),
            digest: s("digest"),
            tag_suffix: s("tagSuffix"),
        }
    }
}

/// kustomize matches an image by this regex built from the entry's name.
fn image_regex(name: &str) -> Result<Regex> {
    Regex::new(&format!(
        "^{name}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$"
    ))
    .map_err(|e| build_err!("images: invalid image name '{name}': {e}"))
}

/// Splits an image reference into name, tag and digest (kustomize's `image.Split`).
pub fn split(image: &str) -> (String, String, String) {
    let slash = match image.find('/') {
        Some(i) if i > 0 => i,
        _ => 0,
    };
    let search = &image[slash..];
    let at = search.find('@').map(|i| i + slash);
    let colon = search.find(':').map(|i| i + slash);
    match (colon, at) {
        (None, None) => (image.to_string(), String::new(), String::new()),
        (None, Some(a)) => (
            image[..a].to_string(),
            String::new(),
            image[a + 1..].to_string(),
        ),
        (Some(c), Some(a)) if a < c => (
            image[..a].to_string(),
            String::new(),
            image[a + 1..].to_string(),
        ),
        (Some(c), Some(a)) => (
            image[..c].to_string(),
            image[c + 1..a].to_string(),
            image[a + 1..].to_string(),
        ),
        (Some(c), None) => (
            image[..c].to_string(),
            image[c + 1..].to_string(),
            String::new(),
        ),
    }
}

fn update(value: &mut Value, it: &ImageTag, re: &Regex) {
    let Some(s) = value.as_str() else { return };
    if !re.is_match(s) {
        return;
    }
    let (mut name, mut tag, mut digest) = split(s);
    if !it.new_name.is_empty() {
        name = it.new_name.clone();
    }
    if !it.new_tag.is_empty() && !it.digest.is_empty() {
        tag = it.new_tag.clone();
        digest = it.digest.clone();
    } else if !it.new_tag.is_empty() {
        tag = it.new_tag.clone();
        digest.clear();
    } else if !it.digest.is_empty() {
        tag.clear();
        digest = it.digest.clone();
    } else if !it.tag_suffix.is_empty() {
        tag.push_str(&it.tag_suffix);
        digest.clear();
    }
    if !tag.is_empty() {
        name = format!("{name}:{tag}");
    }
    if !digest.is_empty() {
        name = format!("{name}@{digest}");
    }
    *value = Value::String(name);
}

fn walk_containers(v: &mut Value, it: &ImageTag, re: &Regex) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if (k == "containers" || k == "initContainers") && child.is_array() {
                    if let Some(items) = child.as_array_mut() {
                        for c in items {
                            if let Some(img) = c.get_mut("image") {
                                update(img, it, re);
                            }
                        }
                    }
                } else {
                    walk_containers(child, it, re);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|c| walk_containers(c, it, re)),
        _ => {}
    }
}

/// Applies one image entry to all resources.
pub fn apply(resources: &mut [Resource], it: &ImageTag, specs: &[FieldSpec]) -> Result<()> {
    let re = image_regex(&it.name)?;
    let re = &re;
    for r in resources.iter_mut() {
        walk_containers(&mut r.obj, it, re);
        let gvk = r.gvk();
        for fs in specs {
            let fs = FieldSpec {
                create: false,
                ..fs.clone()
            };
            fieldspec::apply(&mut r.obj, &fs, &gvk, &mut |v| {
                update(v, it, re);
                Ok(())
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_registry_ports_tags_and_digests() {
        assert_eq!(split("nginx"), ("nginx".into(), "".into(), "".into()));
        assert_eq!(
            split("reg:5000/app:1.0"),
            ("reg:5000/app".into(), "1.0".into(), "".into())
        );
        assert_eq!(
            split("app@sha256:abc"),
            ("app".into(), "".into(), "sha256:abc".into())
        );
        let mut v = Value::String("nginx:1.0".into());
        let it = ImageTag {
            name: "nginx".into(),
            new_tag: "2.0".into(),
            ..Default::default()
        };
        update(&mut v, &it, &image_regex("nginx").unwrap());
        assert_eq!(v, "nginx:2.0");
    }
}
