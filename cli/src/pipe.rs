//! `unstick frame` and `unstick unframe`: length frames in shell pipelines (`socat`, `nc`).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::process::ExitCode;

use unstick::FrameFormat;
use unstick_std::{FrameReader, FrameWriter};

use crate::inspect::FRAMING_FAILED;

#[derive(clap::Args, Debug)]
pub struct FrameArgs {
    /// Frame format (as for `inspect`; `unstick formats` lists the presets).
    #[arg(long, short, default_value = "u32be", value_parser = crate::parse_format)]
    format: FrameFormat,
    /// One frame per chunk of this many bytes (the last may be shorter), instead of per line.
    #[arg(long, value_parser = crate::tutorial::cli::parse_size)]
    chunk: Option<u64>,
    /// With lines: keep each line's newline in its frame.
    #[arg(long, conflicts_with = "chunk")]
    keep_newlines: bool,
    /// The head every frame gets, in hex (`00` for an uncompressed gRPC message), for formats
    /// with one; zeros when not given.
    #[arg(long, value_parser = parse_hex)]
    head: Option<Hex>,
}

/// Bytes given in hex on the command line.
#[derive(Debug, Clone)]
pub struct Hex(Vec<u8>);

#[derive(clap::Args, Debug)]
pub struct UnframeArgs {
    /// Frame format (as for `inspect`; `unstick formats` lists the presets).
    #[arg(long, short, default_value = "u32be", value_parser = crate::parse_format)]
    format: FrameFormat,
    /// Write a newline after each payload (for text frames).
    #[arg(long)]
    lines: bool,
    /// Write each frame's head before its payload.
    #[arg(long)]
    with_head: bool,
}

fn parse_hex(text: &str) -> Result<Hex, String> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return Err("an odd number of hex digits".into());
    }
    digits
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .ok_or_else(|| format!("{:?} is not a hex byte", String::from_utf8_lossy(pair)))
        })
        .collect::<Result<_, _>>()
        .map(Hex)
}

/// Wraps standard input into frames on standard output.
pub fn frame(args: FrameArgs) -> ExitCode {
    match frame_stdin(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("unstick frame: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn frame_stdin(args: &FrameArgs) -> Result<(), String> {
    let format = args.format;
    let head = match &args.head {
        Some(Hex(bytes)) => bytes.clone(),
        None => vec![0; format.head_len()],
    };
    if head.len() != format.head_len() {
        return Err(format!(
            "--head has {} bytes, the format's head {}",
            head.len(),
            format.head_len()
        ));
    }
    let out = io::stdout().lock();
    let mut writer = FrameWriter::with_capacity(out, format, 64 << 10);
    let mut input = BufReader::with_capacity(64 << 10, io::stdin().lock());
    let mut buf = Vec::new();
    let mut index = 0u64;
    // Never read more of a frame than the format can send: an endless line or a huge chunk is
    // refused after max + 1 bytes, not buffered.
    let max = format.max_payload_len();
    let what = if args.chunk.is_some() {
        "chunk"
    } else {
        "line"
    };
    let too_long = |index: u64| {
        format!(
            "{what} {} is longer than the format's maximum frame length of {max} bytes",
            index + 1
        )
    };
    let read_err = |e: io::Error| format!("cannot read standard input: {e}");
    let write_err = |e: io::Error| format!("cannot write standard output: {e}");
    loop {
        buf.clear();
        let n = match args.chunk {
            Some(0) => return Err("--chunk must be at least 1".into()),
            Some(size) => {
                let n = (&mut input)
                    .take(size.min(max.saturating_add(1)))
                    .read_to_end(&mut buf)
                    .map_err(read_err)?;
                if buf.len() as u64 > max {
                    return Err(too_long(index));
                }
                n
            }
            None => {
                let n = (&mut input)
                    .take(max.saturating_add(3))
                    .read_until(b'\n', &mut buf)
                    .map_err(read_err)?;
                let ended = buf.last() == Some(&b'\n');
                if !args.keep_newlines && ended {
                    buf.pop();
                    if buf.last() == Some(&b'\r') {
                        buf.pop();
                    }
                }
                if buf.len() as u64 > max || (!ended && n as u64 == max.saturating_add(3)) {
                    return Err(too_long(index));
                }
                n
            }
        };
        if n == 0 {
            break;
        }
        writer.write_frame_with_head(&head, &buf).map_err(|e| {
            if e.kind() == io::ErrorKind::InvalidInput {
                format!("{what} {} ({} bytes): {e}", index + 1, buf.len())
            } else {
                write_err(e)
            }
        })?;
        index += 1;
        // Frames that arrived together go out together; an interactive line goes at once.
        if input.buffer().is_empty() {
            writer.flush().map_err(write_err)?;
        }
    }
    writer.flush().map_err(write_err)
}

/// Unwraps frames from standard input, writing their payloads to standard output.
pub fn unframe(args: UnframeArgs) -> ExitCode {
    let mut out = io::BufWriter::with_capacity(64 << 10, io::stdout().lock());
    let mut reader = FrameReader::new(io::stdin().lock(), args.format);
    let result = loop {
        let frame = match reader.read_frame() {
            Ok(Some(frame)) => frame,
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        };
        let head: &[u8] = if args.with_head { frame.head } else { &[] };
        let newline: &[u8] = if args.lines { b"\n" } else { &[] };
        let mut written = out
            .write_all(head)
            .and_then(|()| out.write_all(frame.payload))
            .and_then(|()| out.write_all(newline));
        // Frames that arrived together go out together; flush before blocking on a read.
        if written.is_ok() && !reader.has_partial() {
            written = out.flush();
        }
        if let Err(e) = written {
            eprintln!("unstick unframe: error: cannot write: {e}");
            return ExitCode::FAILURE;
        }
    };
    let _ = out.flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
            ) =>
        {
            eprintln!("unstick unframe: error: {e}");
            ExitCode::from(FRAMING_FAILED)
        }
        Err(e) => {
            eprintln!("unstick unframe: error: cannot read standard input: {e}");
            ExitCode::FAILURE
        }
    }
}
