//! Writing many borrowed pieces of output with as few system calls as the
//! writer allows (the rendered manifests of a chart, without joining them).

/// Write every piece, in order, with as few (vectored) writes as the writer takes.
pub(super) fn write_all_pieces(
    w: &mut impl std::io::Write,
    pieces: &[&[u8]],
) -> std::io::Result<()> {
    // Below the usual IOV_MAX.
    const BATCH: usize = 1024;
    let (mut i, mut offset) = (0, 0);
    while i < pieces.len() {
        let end = (i + BATCH).min(pieces.len());
        let slices: Vec<std::io::IoSlice<'_>> = std::iter::once(&pieces[i][offset..])
            .chain(pieces[i + 1..end].iter().copied())
            .map(std::io::IoSlice::new)
            .collect();
        let mut n = match w.write_vectored(&slices) {
            Ok(0) if slices.iter().any(|s| !s.is_empty()) => {
                return Err(std::io::ErrorKind::WriteZero.into());
            }
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        // Skip what was written: the rest of the first piece, whole pieces,
        // then part of one.
        let first = pieces[i].len() - offset;
        if n < first {
            offset += n;
            continue;
        }
        n -= first;
        i += 1;
        while i < end && n >= pieces[i].len() {
            n -= pieces[i].len();
            i += 1;
        }
        offset = n;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes at most `step` bytes per call, vectored or not.
    struct Trickle {
        out: Vec<u8>,
        step: usize,
    }

    impl std::io::Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.step);
            self.out.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
            let mut left = self.step;
            let mut n = 0;
            for b in bufs {
                let take = b.len().min(left);
                self.out.extend_from_slice(&b[..take]);
                n += take;
                left -= take;
                if left == 0 {
                    break;
                }
            }
            Ok(n)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn pieces_survive_partial_writes() {
        let owned: Vec<Vec<u8>> = (0..3000)
            .map(|i| vec![b'a' + (i % 26) as u8; i % 7])
            .collect();
        let pieces: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        for step in [1, 3, 10, 4096, usize::MAX] {
            let mut w = Trickle {
                out: Vec::new(),
                step,
            };
            write_all_pieces(&mut w, &pieces).unwrap();
            assert_eq!(w.out, pieces.concat(), "step {step}");
        }
    }
}
