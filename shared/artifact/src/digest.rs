//! `<algorithm>:<hex>` digests, as Flux writes them in `status.artifact.digest`.
//!
//! Flux uses the OCI go-digest format with SHA-256 as the canonical algorithm
//! (`--artifact-digest-algo`). SHA-384 and SHA-512 are supported too; BLAKE3 is not.

use std::fmt;
use std::io::{self, Read, Write};
use std::str::FromStr;

use sha2::Digest as _;

use crate::error::{Error, Result};

/// A supported digest algorithm.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// SHA-256, Flux's canonical algorithm.
    #[default]
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Algorithm {
    /// The algorithm's name as used in digest strings and `--artifact-digest-algo`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha384 => "sha384",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// Length of the lower-case hex encoding.
    pub fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha384 => 96,
            Algorithm::Sha512 => 128,
        }
    }

    /// A fresh hasher for this algorithm.
    pub fn hasher(self) -> Hasher {
        Hasher(match self {
            Algorithm::Sha256 => HasherState::Sha256(sha2::Sha256::new()),
            Algorithm::Sha384 => HasherState::Sha384(sha2::Sha384::new()),
            Algorithm::Sha512 => HasherState::Sha512(sha2::Sha512::new()),
        })
    }
}

impl FromStr for Algorithm {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "sha256" => Ok(Algorithm::Sha256),
            "sha384" => Ok(Algorithm::Sha384),
            "sha512" => Ok(Algorithm::Sha512),
            _ => Err(Error::InvalidDigest {
                digest: s.to_string(),
                reason: "unsupported digest algorithm",
            }),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A parsed `<algorithm>:<hex>` digest.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Digest {
    algorithm: Algorithm,
    hex: String,
}

impl Digest {
    /// The algorithm part.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The lower-case hex part.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// Parses a digest, assuming SHA-256 when there is no `<algorithm>:` prefix, as
    /// Flux's artifact fetcher does.
    pub fn parse_lenient(s: &str) -> Result<Self> {
        if s.contains(':') {
            s.parse()
        } else {
            format!("sha256:{s}").parse()
        }
    }

    /// Hashes everything `reader` yields with `algorithm`, returning the digest and byte count.
    pub fn from_reader(algorithm: Algorithm, mut reader: impl Read) -> io::Result<(Digest, u64)> {
        let mut writer = DigestWriter::new(io::sink(), algorithm);
        io::copy(&mut reader, &mut writer)?;
        let (_, digest, size) = writer.finish();
        Ok((digest, size))
    }

    /// Hashes `bytes` with SHA-256.
    pub fn sha256(bytes: &[u8]) -> Digest {
        let mut hasher = Algorithm::Sha256.hasher();
        hasher.update(bytes);
        hasher.finalize()
    }
}

impl FromStr for Digest {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let invalid = |reason| Error::InvalidDigest {
            digest: s.to_string(),
            reason,
        };
        let (algo, hex) = s
            .split_once(':')
            .ok_or(invalid("missing '<algorithm>:' prefix"))?;
        let algorithm: Algorithm = algo.parse().map_err(|_| invalid("unsupported algorithm"))?;
        if hex.len() != algorithm.hex_len() {
            return Err(invalid("wrong length for the algorithm"));
        }
        if !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(invalid("not lower-case hex"));
        }
        Ok(Digest {
            algorithm,
            hex: hex.to_string(),
        })
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.hex)
    }
}

#[derive(Clone)]
enum HasherState {
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

/// An incremental hasher for one [`Algorithm`].
#[derive(Clone)]
pub struct Hasher(HasherState);

impl Hasher {
    /// Feeds bytes into the hash.
    pub fn update(&mut self, bytes: &[u8]) {
        match &mut self.0 {
            HasherState::Sha256(h) => h.update(bytes),
            HasherState::Sha384(h) => h.update(bytes),
            HasherState::Sha512(h) => h.update(bytes),
        }
    }

    /// Finishes the hash.
    pub fn finalize(self) -> Digest {
        let (algorithm, hex) = match self.0 {
            HasherState::Sha256(h) => (Algorithm::Sha256, hex::encode(h.finalize())),
            HasherState::Sha384(h) => (Algorithm::Sha384, hex::encode(h.finalize())),
            HasherState::Sha512(h) => (Algorithm::Sha512, hex::encode(h.finalize())),
        };
        Digest { algorithm, hex }
    }
}

/// A writer that hashes and counts everything written through it.
pub struct DigestWriter<W> {
    inner: W,
    hasher: Hasher,
    written: u64,
}

impl<W: Write> DigestWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W, algorithm: Algorithm) -> Self {
        DigestWriter {
            inner,
            hasher: algorithm.hasher(),
            written: 0,
        }
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Returns the inner writer, the digest and the byte count.
    pub fn finish(self) -> (W, Digest, u64) {
        (self.inner, self.hasher.finalize(), self.written)
    }
}

impl<W: Write> Write for DigestWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        let accepted = buf.get(..n).unwrap_or(buf);
        self.hasher.update(accepted);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn sha256_of_known_input() {
        assert_eq!(
            Digest::sha256(b"").to_string(),
            format!("sha256:{EMPTY_SHA256}")
        );
        assert_eq!(
            Digest::sha256(b"abc").hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn writer_hashes_and_counts_what_passes_through() {
        let mut w = DigestWriter::new(Vec::new(), Algorithm::Sha256);
        w.write_all(b"ab").unwrap();
        w.write_all(b"c").unwrap();
        let (inner, digest, size) = w.finish();
        assert_eq!(inner, b"abc");
        assert_eq!(size, 3);
        assert_eq!(digest, Digest::sha256(b"abc"));
    }

    #[test]
    fn sha512_from_reader() {
        let (d, n) = Digest::from_reader(Algorithm::Sha512, &b"abc"[..]).unwrap();
        assert_eq!(n, 3);
        assert_eq!(d.algorithm(), Algorithm::Sha512);
        assert!(d.hex().starts_with("ddaf35a193617aba"));
        assert_eq!(d.hex().len(), 128);
    }

    #[test]
    fn parse_round_trips_and_rejects_garbage() {
        let s = format!("sha256:{EMPTY_SHA256}");
        assert_eq!(s.parse::<Digest>().unwrap().to_string(), s);
        assert!("sha256:abc".parse::<Digest>().is_err());
        assert!(format!("md5:{EMPTY_SHA256}").parse::<Digest>().is_err());
        assert!(EMPTY_SHA256.parse::<Digest>().is_err());
        assert!(
            format!("sha256:{}", EMPTY_SHA256.to_uppercase())
                .parse::<Digest>()
                .is_err()
        );
        assert_eq!(Digest::parse_lenient(EMPTY_SHA256).unwrap().to_string(), s);
    }
}
