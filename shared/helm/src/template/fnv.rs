//! FNV-1a hashing for small string-keyed tables (template names, function
//! names): cheaper than SipHash for short keys.

/// FNV-1a hasher. Not collision-resistant against chosen keys, which is fine
/// for names from the chart itself and the fixed function table.
#[derive(Default)]
pub struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}
