//! Sprig's `b32enc`/`b32dec`: RFC 4648 base32 with padding, as Go's `base32.StdEncoding`.

/// Go's `base32.StdEncoding.DecodeString`, with its error text.
pub fn decode(s: &str) -> Result<Vec<u8>, String> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let b = s.as_bytes();
    if !b.len().is_multiple_of(8) {
        return Err(format!(
            "illegal base32 data at input byte {}",
            b.len() / 8 * 8
        ));
    }
    let mut out = Vec::new();
    for (ci, chunk) in b.chunks(8).enumerate() {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        let chars = 8 - pad;
        if ![8, 7, 5, 4, 2].contains(&chars) || (pad > 0 && ci + 1 != b.len() / 8) {
            return Err(format!(
                "illegal base32 data at input byte {}",
                ci * 8 + chars
            ));
        }
        let mut n = 0u64;
        for (i, c) in chunk.iter().enumerate() {
            let v = if i < chars {
                A.iter()
                    .position(|x| x == c)
                    .ok_or_else(|| format!("illegal base32 data at input byte {}", ci * 8 + i))?
            } else {
                0
            };
            n = (n << 5) | v as u64;
        }
        let bytes = chars * 5 / 8;
        out.extend((0..bytes).map(|i| (n >> (32 - i * 8)) as u8));
    }
    Ok(out)
}

/// Go's `base32.StdEncoding.EncodeToString`.
pub fn encode(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = buf.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < chars {
                out.push(A[((n >> (35 - i * 5)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_like_go() {
        for s in ["", "h", "hi", "hel", "hell", "hello", "hello world"] {
            assert_eq!(decode(&encode(s.as_bytes())).unwrap(), s.as_bytes());
        }
        assert_eq!(encode(b"hi"), "NBUQ====");
        assert_eq!(decode("NBUQ====").unwrap(), b"hi");
        assert!(decode("NBUQ===").is_err());
        assert!(decode("nbuq====").is_err());
        assert!(decode("NB======").is_ok());
        assert!(decode("N=======").is_err());
    }
}
