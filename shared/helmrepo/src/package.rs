//! Packaging a chart into a reproducible `.tgz` (`helm package` layout: every file under
//! `<name>/`), with optional merged values and version override.
//!
//! Headers are normalised (mode 0644, uid/gid 0, mtime 0) and files are written in a
//! fixed order (`Chart.yaml`, `values.yaml`, then by path), so the same input always
//! gives the same bytes and the same digest.

use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Map, Value};

use crate::Error;
use crate::chart::LoadedChart;

/// Changes applied while packaging.
#[derive(Clone, Debug, Default)]
pub struct PackageOptions {
    /// Replaces `version` in `Chart.yaml`.
    pub version: Option<String>,
    /// Replaces `values.yaml` with these values.
    pub values: Option<Map<String, Value>>,
}

/// Applies `options` to `chart` in memory.
pub fn apply(chart: &mut LoadedChart, options: &PackageOptions) -> Result<(), Error> {
    if let Some(version) = &options.version {
        chart.metadata.set_version(version);
        let yaml = chart.metadata.to_yaml()?;
        chart.files.insert("Chart.yaml".into(), yaml.into_bytes());
    }
    if let Some(values) = &options.values {
        let yaml = serde_saphyr::to_string(values).map_err(|e| Error::InvalidChart {
            chart: chart.metadata.name().to_string(),
            reason: format!("serializing merged values: {e}"),
        })?;
        chart.files.insert("values.yaml".into(), yaml.into_bytes());
    }
    Ok(())
}

/// Writes `chart` as `<dest>` (a `.tgz`); returns the archive bytes' length.
pub fn write_archive(chart: &LoadedChart, dest: &Path) -> Result<u64, Error> {
    let file = std::fs::File::create(dest).map_err(Error::io("failed to create", dest))?;
    let mut gz = GzEncoder::new(std::io::BufWriter::new(file), Compression::default());
    {
        let mut builder = tar::Builder::new(&mut gz);
        let name = chart.metadata.name();
        let first = ["Chart.yaml", "values.yaml"];
        let ordered = first
            .iter()
            .filter_map(|f| chart.files.get_key_value(*f))
            .chain(
                chart
                    .files
                    .iter()
                    .filter(|(k, _)| !first.contains(&k.as_str())),
            );
        for (path, bytes) in ordered {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_uid(0);
            header.set_gid(0);
            header.set_mtime(0);
            header.set_entry_type(tar::EntryType::Regular);
            builder
                .append_data(&mut header, format!("{name}/{path}"), bytes.as_slice())
                .map_err(Error::io("failed to write", dest))?;
        }
        builder
            .finish()
            .map_err(Error::io("failed to write", dest))?;
    }
    let mut buffered = gz.finish().map_err(Error::io("failed to write", dest))?;
    buffered
        .flush()
        .map_err(Error::io("failed to write", dest))?;
    std::fs::metadata(dest)
        .map(|m| m.len())
        .map_err(Error::io("failed to stat", dest))
}

/// Drops the files `.helmignore` excludes (gitignore syntax) from a chart read from a
/// directory; `.helmignore` itself is kept out too.
pub fn apply_helmignore(chart: &mut LoadedChart) {
    let Some(ignore) = chart.files.remove(".helmignore") else {
        return;
    };
    let text = String::from_utf8_lossy(&ignore);
    let patterns = flux_artifact::ignore::read_patterns(&text, &[]);
    if patterns.is_empty() {
        return;
    }
    let filter = flux_artifact::SourceIgnoreFilter::new(patterns);
    chart.files.retain(|path, _| {
        if path == "Chart.yaml" {
            return true;
        }
        // A file is excluded when it or any directory above it is.
        let parts: Vec<&str> = path.split('/').collect();
        !(1..=parts.len()).any(|n| {
            let sub: std::path::PathBuf = parts[..n].iter().collect();
            filter.is_excluded(&sub, n < parts.len())
        })
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::{Limits, load_archive_file, load_dir};

    fn write(dir: &Path, rel: &str, content: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    #[test]
    fn packaging_is_reproducible_and_round_trips() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("mychart");
        write(
            &src,
            "Chart.yaml",
            "apiVersion: v2\nname: mychart\nversion: 0.1.0\n",
        );
        write(&src, "values.yaml", "replicas: 1\n");
        write(&src, "templates/cm.yaml", "kind: ConfigMap\n");
        write(&src, "ci/test.yaml", "x: 1\n");
        write(&src, ".helmignore", "ci/\n");
        let mut chart = load_dir(&src, &Limits::default()).unwrap();
        apply_helmignore(&mut chart);
        assert!(!chart.files.contains_key("ci/test.yaml"));
        let mut values = Map::new();
        values.insert("replicas".into(), Value::from(3));
        apply(
            &mut chart,
            &PackageOptions {
                version: Some("0.1.0+abc".into()),
                values: Some(values),
            },
        )
        .unwrap();
        let a = tmp.path().join("a.tgz");
        let b = tmp.path().join("b.tgz");
        write_archive(&chart, &a).unwrap();
        write_archive(&chart, &b).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        let back = load_archive_file(&a, &Limits::default()).unwrap();
        assert_eq!(back.metadata.name(), "mychart");
        assert_eq!(back.metadata.version(), "0.1.0+abc");
        assert_eq!(back.files["values.yaml"], b"replicas: 3\n");
        assert!(back.files.contains_key("templates/cm.yaml"));
    }
}
