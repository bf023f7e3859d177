//! Seed 004's file upload (`header_dic`): one JSON-header frame per file,
//! `{"filename": NAME, "total_size": N, "hash": SHA256_HEX}` then N body bytes, received in
//! constant memory into a temporary file that is renamed into place only if the hash matches.

use std::io::{self, IsTerminal, Read};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use unstick::{LengthField, json};
use unstick_std::transfer::{self, FileHeader, ReceivedFile};
use unstick_std::{JsonFrameReader, JsonFrameWriter};

use super::cli::serve_threads;

/// Transfer settings shared by sender and receiver.
#[derive(Clone, Copy, Debug)]
pub struct FileConfig {
    /// Length header in front of the JSON header.
    pub header: LengthField,
    /// Largest file the receiver accepts.
    pub max_size: u64,
    /// A connection that stalls this long fails.
    pub idle_timeout: Duration,
    /// Show progress bars on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
}

impl FileConfig {
    fn json(&self) -> json::Config {
        json::Config::new()
            .with_length(self.header)
            .with_max_body_len(self.max_size)
    }
}

/// A progress bar on stderr when it is a terminal and `wanted`, hidden otherwise.
fn progress_bar(wanted: bool, verb: &str, header: &FileHeader) -> ProgressBar {
    if !wanted || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(header.total_size);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(format!("{verb} {}", header.filename));
    bar
}

/// Sends each file to `addr`, then waits for the receiver to close the connection (it has then
/// handled every file). Returns the headers sent.
pub fn send(
    addr: SocketAddr,
    config: &FileConfig,
    paths: &[PathBuf],
) -> io::Result<Vec<FileHeader>> {
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| with_path(path, e))?;
        if !meta.is_file() {
            return Err(with_path(
                path,
                io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"),
            ));
        }
    }
    let stream = TcpStream::connect_timeout(&addr, config.idle_timeout)?;
    stream.set_write_timeout(Some(config.idle_timeout))?;
    stream.set_read_timeout(Some(config.idle_timeout))?;
    let mut writer = JsonFrameWriter::new(&stream, config.json());
    let mut sent = Vec::with_capacity(paths.len());
    for path in paths {
        let mut bar: Option<ProgressBar> = None;
        let header = transfer::send_file_with_progress(&mut writer, path, |header, done| {
            bar.get_or_insert_with(|| progress_bar(config.progress, "send", header))
                .set_position(done);
        })
        .map_err(|e| with_path(path, e))?;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        sent.push(header);
    }
    stream.shutdown(Shutdown::Write)?;
    // The protocol has no acknowledgement; the receiver's close is the closest thing to one.
    let mut sink = [0u8; 64];
    loop {
        match (&stream).read(&mut sink) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), io::ErrorKind::ConnectionReset) => break,
            Err(e) => return Err(e),
        }
    }
    Ok(sent)
}

fn with_path(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// Receives uploads into `dir` on a thread per connection until `max_connections` connections
/// are done (forever without it), calling `on_file` for each file stored. A failed transfer
/// (bad hash, unsafe name, truncated, over the size limit) is logged on stderr and drops that
/// connection only. Returns the number of files stored.
pub fn serve<F>(
    listener: TcpListener,
    dir: &Path,
    config: &FileConfig,
    max_connections: Option<u64>,
    on_file: F,
) -> io::Result<u64>
where
    F: Fn(SocketAddr, &ReceivedFile) + Send + Sync + 'static,
{
    let (dir, config) = (dir.to_path_buf(), *config);
    serve_threads(
        "file",
        &listener,
        64,
        max_connections,
        move |stream, peer| receive_connection(stream, peer, &dir, &config, &on_file),
    )
}

fn receive_connection(
    stream: &TcpStream,
    peer: SocketAddr,
    dir: &Path,
    config: &FileConfig,
    on_file: &(dyn Fn(SocketAddr, &ReceivedFile) + Send + Sync),
) -> u64 {
    if let Err(e) = stream.set_read_timeout(Some(config.idle_timeout)) {
        eprintln!("file: {peer}: {e}");
        return 0;
    }
    let mut reader = JsonFrameReader::new(stream, config.json());
    let mut stored = 0;
    loop {
        let mut bar: Option<ProgressBar> = None;
        let got = transfer::receive_file_with_progress(&mut reader, dir, |header, done| {
            bar.get_or_insert_with(|| progress_bar(config.progress, "recv", header))
                .set_position(done);
        });
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        match got {
            Ok(Some(file)) => {
                stored += 1;
                on_file(peer, &file);
            }
            Ok(None) => return stored,
            Err(e) => {
                eprintln!("file: dropped {peer} after {stored} files: {e}");
                return stored;
            }
        }
    }
}
