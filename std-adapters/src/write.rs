//! Writing length frames to `std::io::Write`.

use std::io::{self, IoSlice, Write};

use unstick::LengthEncoder;

/// Writes all of `parts` with vectored writes, completing partial writes and retrying
/// `Interrupted`. `WriteZero` if the writer accepts nothing.
pub(crate) fn write_all_vectored<W: Write + ?Sized>(
    writer: &mut W,
    mut parts: &mut [IoSlice<'_>],
) -> io::Result<()> {
    // Skip empty slices up front so an empty part does not look like a zero write.
    IoSlice::advance_slices(&mut parts, 0);
    while !parts.is_empty() {
        match writer.write_vectored(parts) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "the writer accepted no bytes of the frame",
                ));
            }
            Ok(n) => IoSlice::advance_slices(&mut parts, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Writes one frame of a format without a head (length field, then payload) to `writer`,
/// completing partial writes and retrying `Interrupted`.
///
/// Prefix and payload go out together in vectored writes, so the payload is never copied and a
/// socket with Nagle's algorithm does not send the prefix alone. A payload the format refuses
/// is an `InvalidInput` error with the [`unstick::EncodeError`] as its source; nothing is
/// written then.
pub fn write_frame<W: Write + ?Sized>(
    writer: &mut W,
    encoder: &LengthEncoder,
    payload: &[u8],
) -> io::Result<()> {
    write_frame_with_head(writer, encoder, &[], payload)
}

/// [`write_frame`] for a format with a head: head, length field, payload.
pub fn write_frame_with_head<W: Write + ?Sized>(
    writer: &mut W,
    encoder: &LengthEncoder,
    head: &[u8],
    payload: &[u8],
) -> io::Result<()> {
    let prefix = encoder
        .prefix_with_head(head, payload.len())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    write_all_vectored(writer, &mut [IoSlice::new(&prefix), IoSlice::new(payload)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use unstick::{FrameFormat, LengthField};

    /// A writer that takes at most `step` bytes per call and is interrupted every other call.
    pub(crate) struct Stingy {
        pub(crate) out: Vec<u8>,
        pub(crate) step: usize,
        pub(crate) calls: usize,
    }

    impl Write for Stingy {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.calls += 1;
            if self.calls.is_multiple_of(2) {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let n = buf.len().min(self.step);
            self.out.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn completes_partial_and_interrupted_writes() {
        let encoder = LengthEncoder::new(FrameFormat::new().with_length(LengthField::I32_LE));
        let mut w = Stingy {
            out: Vec::new(),
            step: 3,
            calls: 0,
        };
        write_frame(&mut w, &encoder, b"hello world").unwrap();
        write_frame(&mut w, &encoder, b"").unwrap();
        let mut expected = 11i32.to_le_bytes().to_vec();
        expected.extend_from_slice(b"hello world");
        expected.extend_from_slice(&0i32.to_le_bytes());
        assert_eq!(w.out, expected);
    }

    #[test]
    fn refuses_over_limit_without_writing() {
        let encoder = LengthEncoder::new(
            FrameFormat::new()
                .with_length(LengthField::U16_BE)
                .with_max_frame_len(4),
        );
        let mut out = Vec::new();
        let err = write_frame(&mut out, &encoder, b"12345").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(
            err.to_string().contains("maximum frame length of 4"),
            "{err}"
        );
        assert!(out.is_empty());
    }
}
