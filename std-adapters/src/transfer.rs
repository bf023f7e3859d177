//! File transfer over JSON-header frames, as the tutorials' `header_dic` upload does, with the
//! hash checked: `{"filename": NAME, "total_size": N, "hash": SHA256_HEX}` and N body bytes.
//!
//! The receiver streams the body into a temporary file in the target directory while hashing
//! it, and renames it into place only when size and hash match. A failed, truncated or
//! malicious transfer never leaves a partial or wrong file behind.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::json::{JsonFrameReader, JsonFrameWriter};

/// The header of a file transfer frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHeader {
    /// The file's base name; the receiver refuses anything that is not a plain name.
    pub filename: String,
    /// Body length in bytes.
    pub total_size: u64,
    /// SHA-256 of the body, lowercase hex.
    pub hash: String,
}

/// A file received and renamed into place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedFile {
    /// Where it now is.
    pub path: PathBuf,
    /// Its header.
    pub header: FileHeader,
}

/// Why a file transfer failed. No file was created or replaced.
#[derive(Debug)]
#[non_exhaustive]
pub enum TransferError {
    /// Reading the stream or writing the file failed; a truncated or malformed frame is an
    /// `io::Error` whose source is the [`unstick::json::DecodeError`].
    Io(io::Error),
    /// The header is not a file header (`filename`, `total_size`, `hash`).
    BadHeader(serde_json::Error),
    /// The filename is not a plain name (see [`is_safe_filename`]): refused before the body.
    UnsafeFilename(String),
    /// The `hash` is not 64 hex digits.
    BadHash(String),
    /// The body's SHA-256 differs from the header's.
    HashMismatch {
        /// The file name.
        filename: String,
        /// The header's hash.
        expected: String,
        /// The body's hash.
        actual: String,
    },
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "transfer failed: {e}"),
            Self::BadHeader(e) => write!(f, "not a file header: {e}"),
            Self::UnsafeFilename(name) => write!(f, "refusing unsafe file name {name:?}"),
            Self::BadHash(hash) => write!(f, "not a SHA-256 hex digest: {hash:?}"),
            Self::HashMismatch {
                filename,
                expected,
                actual,
            } => write!(
                f,
                "{filename}: SHA-256 mismatch (header says {expected}, body is {actual})"
            ),
        }
    }
}

impl std::error::Error for TransferError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::BadHeader(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for TransferError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

/// The longest file name accepted, in bytes: `NAME_MAX` of Linux and macOS file systems.
/// Longer names are refused before the body is read, not after it arrived.
pub const MAX_FILENAME_LEN: usize = 255;

/// Whether `name` is a plain file name (checked after lone surrogate escapes became U+FFFD, so
/// two names that differ only there arrive as the same name): one normal path component of at most
/// [`MAX_FILENAME_LEN`] bytes, with no separators and no control characters (C0, DEL, C1) or
/// bidirectional formatting characters, which could rewrite a log line or a terminal
/// (`"a\nb"`) or disguise an extension (`"\u{202e}txt.exe"` shows as `exe.txt`).
pub fn is_safe_filename(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_FILENAME_LEN
        && !name.contains(['/', '\\'])
        && !name.chars().any(|c| c.is_control() || is_bidi_control(c))
        && matches!(
            Path::new(name).components().collect::<Vec<_>>()[..],
            [Component::Normal(c)] if c == name
        )
}

/// Unicode's bidirectional formatting characters (marks, embeddings, overrides, isolates).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of everything `r` yields, lowercase hex, and the byte count.
pub fn sha256_hex<R: Read>(mut r: R) -> io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((hex(&hasher.finalize()), total))
}

/// Sends the file at `path` as one frame named by its base name, with its SHA-256.
///
/// The file is read twice (hash first, since the header precedes the body) in constant memory.
pub fn send_file<W: Write>(writer: &mut JsonFrameWriter<W>, path: &Path) -> io::Result<FileHeader> {
    send_file_with_progress(writer, path, |_, _| {})
}

/// [`send_file`], calling `on_progress(header, body_bytes_sent)` as the body goes out (for a
/// progress bar).
pub fn send_file_with_progress<W, P>(
    writer: &mut JsonFrameWriter<W>,
    path: &Path,
    mut on_progress: P,
) -> io::Result<FileHeader>
where
    W: Write,
    P: FnMut(&FileHeader, u64),
{
    let filename = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{}: no UTF-8 file name", path.display()),
            )
        })?
        .to_owned();
    let mut file = File::open(path)?;
    let (hash, total_size) = sha256_hex(&mut file)?;
    file.seek(SeekFrom::Start(0))?;
    let header = FileHeader {
        filename,
        total_size,
        hash,
    };
    on_progress(&header, 0);
    let body = Progress {
        inner: file.take(total_size),
        done: 0,
        report: |done| on_progress(&header, done),
    };
    writer.send(&header, body)?;
    writer.flush()?;
    Ok(header)
}

/// Receives the next file into `dir`, or `None` at a clean end of stream.
///
/// The body goes to a temporary file in `dir` (so the final rename stays on one file system),
/// hashed as it streams; it is synced and renamed to `dir/filename` only if its SHA-256 matches.
/// On any error the temporary file is removed and nothing in `dir` changes. An existing file of
/// the same name is replaced atomically.
pub fn receive_file<R: Read>(
    reader: &mut JsonFrameReader<R>,
    dir: &Path,
) -> Result<Option<ReceivedFile>, TransferError> {
    receive_file_with_progress(reader, dir, |_, _| {})
}

/// [`receive_file`], calling `on_progress(header, body_bytes_received)` once the header is
/// checked and as the body arrives (for a progress bar).
pub fn receive_file_with_progress<R, P>(
    reader: &mut JsonFrameReader<R>,
    dir: &Path,
    mut on_progress: P,
) -> Result<Option<ReceivedFile>, TransferError>
where
    R: Read,
    P: FnMut(&FileHeader, u64),
{
    let Some(mut frame) = reader.next_frame()? else {
        return Ok(None);
    };
    // Lone surrogates (a sender's name that is not UTF-8) become U+FFFD here.
    let header: FileHeader =
        crate::json::parse_header(frame.header_json()).map_err(TransferError::BadHeader)?;
    if !is_safe_filename(&header.filename) {
        return Err(TransferError::UnsafeFilename(header.filename));
    }
    if header.hash.len() != 64 || !header.hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(TransferError::BadHash(header.hash));
    }
    // The decoder's `total_size` is what the body reader yields; the serde copy must agree.
    if header.total_size != frame.total_size() {
        return Err(TransferError::BadHeader(serde::de::Error::custom(
            "total_size differs from the frame's",
        )));
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(".unstick-").suffix(".part");
    // A received file is an ordinary file, not a private temporary one (tempfile's 0600).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut temp = builder.tempfile_in(dir)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut received = 0u64;
    on_progress(&header, 0);
    loop {
        let n = match frame.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        hasher.update(&buf[..n]);
        temp.write_all(&buf[..n])?;
        received += n as u64;
        on_progress(&header, received);
    }
    let actual = hex(&hasher.finalize());
    if !actual.eq_ignore_ascii_case(&header.hash) {
        return Err(TransferError::HashMismatch {
            filename: header.filename,
            expected: header.hash,
            actual,
        });
    }
    temp.as_file().sync_all()?;
    let path = dir.join(&header.filename);
    temp.persist(&path)
        .map_err(|e| TransferError::Io(e.error))?;
    // The rename is durable only once the directory is: else a crash could lose a file
    // reported as received.
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    Ok(Some(ReceivedFile { path, header }))
}

/// A reader that reports how many bytes passed through it.
struct Progress<R, F> {
    inner: R,
    done: u64,
    report: F,
}

impl<R: Read, F: FnMut(u64)> Read for Progress<R, F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.done += n as u64;
        (self.report)(self.done);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filename_safety() {
        let longest = "é".repeat(127) + "x";
        for ok in [
            "a.txt",
            "..a",
            "a..b",
            "名字.bin",
            ".hidden",
            "😀.txt",
            &longest,
        ] {
            assert!(is_safe_filename(ok), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "/etc/passwd",
            "a/b",
            "../x",
            "a\\b",
            "x\0y",
            "./a",
            "a\nb",
            "bell\u{7}",
            "del\u{7f}",
            "c1\u{85}",
            "\u{202e}txt.exe",
            "\u{2066}a",
            "\u{200f}",
            &"x".repeat(256),
        ] {
            assert!(!is_safe_filename(bad), "{bad:?}");
        }
    }
}
