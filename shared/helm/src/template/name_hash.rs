//! A fast hash for small string-keyed tables (template names, function
//! names): eight bytes per multiply, cheaper than SipHash and than
//! byte-at-a-time FNV for the short keys these tables hold.

/// Multiply-xor hasher, a word at a time (the scheme of rustc's FxHasher).
/// Not collision-resistant against chosen keys, which is fine for names
/// from the chart itself and the fixed function table.
#[derive(Default)]
pub struct NameHasher(u64);

/// An odd constant with well-mixed bits (rustc-hash 2's).
const K: u64 = 0xf135_7aea_2e62_a9c5;

impl NameHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(K);
    }
}

impl std::hash::Hasher for NameHasher {
    fn finish(&self) -> u64 {
        // The product's high bits are the well-mixed ones; hash tables use
        // the low bits for buckets.
        self.0.rotate_left(26)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            self.add(u64::from_le_bytes(b));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
}

/// Builds [`NameHasher`]s.
pub type BuildNameHasher = std::hash::BuildHasherDefault<NameHasher>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    fn hash(s: &str) -> u64 {
        let mut h = BuildNameHasher::default().build_hasher();
        s.hash(&mut h);
        std::hash::Hasher::finish(&h)
    }

    #[test]
    fn names_that_differ_hash_apart() {
        let names = [
            "",
            "a",
            "b",
            "ab",
            "ba",
            "Values",
            "Release",
            "Chart",
            "fullname",
            "fullname1",
            "chart.fullname",
            "chart.fullnam",
            "x\0",
            "x",
            "12345678",
            "123456789",
        ];
        let hashes: std::collections::BTreeSet<u64> = names.iter().map(|n| hash(n)).collect();
        assert_eq!(hashes.len(), names.len());
        assert_eq!(hash("Values"), hash("Values"));
    }
}
