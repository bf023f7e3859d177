//! `unstick inspect`: decode a captured stream frame by frame, and when it fails, say where and
//! why in words a person can act on.

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use unstick::{DecodeError, Event, FrameFormat, LengthDecoder, LengthField, Oversize};

use crate::capture;
use crate::fields;
use crate::style::{ColorChoice, Paint};

/// Exit status when a stream does not decode (input errors are 1, usage errors 2).
pub const FRAMING_FAILED: u8 = 3;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Frame format: a preset (grpc, postgres, tls, mqtt, ...: `unstick formats` lists them), a
    /// length field (u32be, i32le, leb128, ...), or either followed by settings
    /// (`u16le,head=2,adjust=-2,max=1MiB`).
    #[arg(long, short, default_value = "u32be", value_parser = crate::parse_format)]
    format: FrameFormat,
    /// Print one JSON object per frame (and per failure) instead of a table.
    #[arg(long)]
    json: bool,
    /// List the formats under which each stream decodes completely, best first.
    #[arg(long)]
    guess: bool,
    /// Read the input as raw stream bytes even if it starts like a pcap or pcapng file.
    #[arg(long)]
    raw: bool,
    /// Show at most this many frames per stream (0: all); the rest are counted.
    #[arg(long, default_value_t = 0)]
    max_rows: u64,
    /// Colour: auto (only on a terminal, never with NO_COLOR set), always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// A pcap or pcapng capture (each TCP direction is one stream), or raw stream bytes; `-` or
    /// nothing reads standard input.
    input: Option<PathBuf>,
}

/// One stream to decode: a TCP direction of a capture, or the whole raw input.
struct Stream {
    name: Option<String>,
    bytes: Vec<u8>,
    /// Bytes missing after `bytes` (a hole in the capture).
    hole: Option<u64>,
}

/// Inputs from this size on get progress bars (on a terminal).
const PROGRESS_FROM: u64 = 16 << 20;

/// A bar on standard error for `total` bytes of work, hidden unless stderr is a terminal and
/// the work is large.
fn progress(total: u64, what: &str) -> ProgressBar {
    if total < PROGRESS_FROM || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// A frame found in a stream.
struct Found<'a> {
    index: u64,
    offset: u64,
    head: &'a [u8],
    payload: &'a [u8],
}

/// How decoding a stream ended.
enum End {
    /// On a frame boundary at the end of the bytes.
    Clean,
    Failed(DecodeError),
}

/// What decoding a whole stream found, besides the frames themselves.
struct Summary {
    frames: u64,
    skipped: u64,
    /// The longest payload.
    largest: u64,
    end: End,
}

/// Decodes the whole of `bytes` with `format`, handing each frame to `on_frame` (nothing is
/// kept per frame). One chunk: every frame is a slice of `bytes`.
fn decode(
    bytes: &[u8],
    format: FrameFormat,
    bar: &ProgressBar,
    mut on_frame: impl FnMut(Found<'_>) -> io::Result<()>,
) -> Result<Summary, String> {
    let format = format.with_streaming(false);
    let mut decoder =
        LengthDecoder::new(format, Vec::new()).map_err(|e| format!("unusable format: {e}"))?;
    let base = bytes.as_ptr() as usize;
    // An empty part may point anywhere; a non-empty one lies in `bytes` (one chunk).
    let range = |part: &[u8]| {
        let start = (part.as_ptr() as usize).wrapping_sub(base);
        match start.checked_add(part.len()) {
            Some(end) if !part.is_empty() && end <= bytes.len() => start..end,
            _ => 0..0,
        }
    };
    let write_err = |e: io::Error| format!("cannot write the report: {e}");
    let mut summary = Summary {
        frames: 0,
        skipped: 0,
        largest: 0,
        end: End::Clean,
    };
    let mut at = 0usize;
    loop {
        let offset = decoder.offset();
        let index = decoder.frames();
        let step = match decoder.decode(bytes.get(at..).unwrap_or(&[])) {
            Ok(step) => step,
            Err(e) => {
                summary.end = End::Failed(e);
                bar.finish_and_clear();
                return Ok(summary);
            }
        };
        at += step.consumed;
        let parts = match step.event {
            Some(Event::Frame(frame)) => Some((range(frame.head), range(frame.payload))),
            Some(Event::Skipped { .. }) => {
                summary.skipped += 1;
                None
            }
            Some(_) => None,
            None => break,
        };
        if let Some((head, payload)) = parts {
            summary.frames += 1;
            summary.largest = summary.largest.max(payload.len() as u64);
            if summary.frames.is_multiple_of(4096) {
                bar.set_position(at as u64);
            }
            on_frame(Found {
                index,
                offset,
                head: bytes.get(head).unwrap_or(&[]),
                payload: bytes.get(payload).unwrap_or(&[]),
            })
            .map_err(write_err)?;
        }
    }
    if let Err(e) = decoder.end_stream() {
        summary.end = End::Failed(e);
    }
    bar.finish_and_clear();
    Ok(summary)
}

pub fn run(args: Args) -> ExitCode {
    match inspect(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("unstick inspect: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn read_input(path: &Option<PathBuf>) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    match path {
        Some(p) if p.as_os_str() != "-" => {
            let cannot = |e: io::Error| format!("cannot read {}: {e}", p.display());
            let mut file = std::fs::File::open(p).map_err(cannot)?;
            let size = file.metadata().map_err(cannot)?.len();
            let bar = progress(size, "reading");
            bytes.reserve(usize::try_from(size).unwrap_or(0));
            let mut chunk = vec![0u8; 1 << 20];
            loop {
                let n = match file.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(cannot(e)),
                };
                bytes.extend_from_slice(&chunk[..n]);
                bar.set_position(bytes.len() as u64);
            }
            bar.finish_and_clear();
        }
        _ => {
            io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
        }
    }
    Ok(bytes)
}

/// The streams of the input, and what is wrong with the capture as a whole (a file cut
/// short, packets whose headers could not be parsed).
fn streams(args: &Args) -> Result<(Vec<Stream>, Option<String>), String> {
    let bytes = read_input(&args.input)?;
    if args.raw || !capture::is_capture(&bytes) {
        let stream = Stream {
            name: None,
            bytes,
            hole: None,
        };
        return Ok((vec![stream], None));
    }
    let capture = capture::read_capture(&bytes[..]).map_err(|e| e.to_string())?;
    let mut problems = Vec::new();
    if let Some(packets) = capture.truncated_after {
        problems.push(format!(
            "the capture is truncated: it ends inside the block after packet {packets} (the packets before it are shown)"
        ));
    }
    if capture.damaged > 0 {
        problems.push(format!(
            "{} packets' headers could not be parsed and were left out",
            capture.damaged
        ));
    }
    let streams = capture
        .flows
        .into_iter()
        .map(|flow| Stream {
            name: Some(flow.name()),
            bytes: flow.bytes,
            hole: flow.hole,
        })
        .collect();
    Ok((streams, (!problems.is_empty()).then(|| problems.join("; "))))
}

fn inspect(args: &Args) -> Result<ExitCode, String> {
    let (streams, problem) = streams(args)?;
    let paint = Paint::for_stdout(args.color);
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut failed = false;
    let write_err = |e: io::Error| format!("cannot write the report: {e}");
    for stream in &streams {
        failed |= if args.guess {
            !guess(&mut out, stream, args.json, paint).map_err(write_err)?
        } else if args.json {
            !report_json(&mut out, stream, args)?
        } else {
            !report_text(&mut out, stream, args, paint)?
        };
    }
    out.flush().map_err(write_err)?;
    if let Some(problem) = problem {
        // What was read is shown; the input itself is still at fault.
        return Err(problem);
    }
    Ok(if failed {
        ExitCode::from(FRAMING_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

/// The first bytes of a payload as hex and as text, `...` when there is more.
fn preview(payload: &[u8]) -> (String, String) {
    const SHOWN: usize = 16;
    let shown = &payload[..payload.len().min(SHOWN)];
    let mut hex = shown
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut text: String = shown.iter().map(|&b| printable(b)).collect();
    if payload.len() > SHOWN {
        hex.push_str(" ...");
        text.push_str("...");
    }
    (hex, text)
}

fn printable(b: u8) -> char {
    if b.is_ascii_graphic() || b == b' ' {
        char::from(b)
    } else {
        '.'
    }
}

/// `compressed=1`, `type="Q"`: the named fields of the format's preset.
fn field_values(format: FrameFormat, head: &[u8], payload: &[u8]) -> Vec<(String, String)> {
    let Some(name) = fields::preset_name(format) else {
        return Vec::new();
    };
    fields::of(name)
        .iter()
        .filter_map(|f| {
            fields::value(f, head, payload).map(|v| (f.name.to_string(), v.to_string()))
        })
        .collect()
}

/// Writes one stream as a table; whether it decoded cleanly to its end.
fn report_text(
    out: &mut impl Write,
    stream: &Stream,
    args: &Args,
    paint: Paint,
) -> Result<bool, String> {
    let write_err = |e: io::Error| format!("cannot write the report: {e}");
    let bytes = &stream.bytes;
    let title = match &stream.name {
        Some(name) => format!("{name}: {} bytes", bytes.len()),
        None => format!("{} bytes", bytes.len()),
    };
    writeln!(
        out,
        "{}",
        paint.bold(&format!("== {title}, format {}", args.format))
    )
    .map_err(write_err)?;
    let bar = progress(bytes.len() as u64, "decoding");
    let summary = decode(bytes, args.format, &bar, |f| {
        if args.max_rows != 0 && f.index >= args.max_rows {
            return Ok(());
        }
        let (hex, text) = preview(f.payload);
        let mut line = format!(
            "{} {} ",
            paint.dim(&format!("{:>10}", f.offset)),
            paint.dim(&format!("#{:<6}", f.index)),
        );
        if !f.head.is_empty() {
            let _ = write!(line, "head {} ", paint.cyan(&fields::hex(f.head)));
        }
        for (name, value) in field_values(args.format, f.head, f.payload) {
            let _ = write!(line, "{} ", paint.cyan(&format!("{name}={value}")));
        }
        let _ = write!(line, "len {:<7} {hex}  |{text}|", f.payload.len());
        writeln!(out, "{}", line.trim_end())
    })?;
    let all = summary.frames + summary.skipped;
    if args.max_rows != 0 && all > args.max_rows {
        writeln!(
            out,
            "{}",
            paint.dim(&format!("... {} more frames", all - args.max_rows))
        )
        .map_err(write_err)?;
    }
    let mut line = format!("{} frames", summary.frames);
    if summary.skipped > 0 {
        let _ = write!(line, ", {} skipped as over the limit", summary.skipped);
    }
    let clean = matches!(summary.end, End::Clean) && stream.hole.is_none();
    match &summary.end {
        End::Clean if stream.hole.is_none() => {
            writeln!(
                out,
                "{}",
                paint.green(&format!("{line}; the stream ends on a frame boundary"))
            )
        }
        End::Clean => writeln!(out, "{line}; then:"),
        End::Failed(e) => writeln!(out, "{line}; then:")
            .and_then(|()| writeln!(out, "{}", paint.red(&format!("error: {e}"))))
            .and_then(|()| {
                diagnose(bytes, args.format, e)
                    .iter()
                    .try_for_each(|hint| writeln!(out, "{}", paint.yellow(&format!("  {hint}"))))
            }),
    }
    .map_err(write_err)?;
    if let Some(missing) = stream.hole {
        writeln!(
            out,
            "{}",
            paint.yellow(&format!("  {}", hole_text(missing, bytes.len())))
        )
        .map_err(write_err)?;
    }
    writeln!(out).map_err(write_err)?;
    Ok(clean)
}

fn hole_text(missing: u64, at: usize) -> String {
    format!(
        "the capture lacks {missing} bytes of this direction after byte {at}: packets were lost or not captured, so it is followed only up to there"
    )
}

/// Writes one stream as JSON lines; whether it decoded cleanly to its end.
fn report_json(out: &mut impl Write, stream: &Stream, args: &Args) -> Result<bool, String> {
    let write_err = |e: io::Error| format!("cannot write the report: {e}");
    let bytes = &stream.bytes;
    let named = fields::preset_name(args.format)
        .map(fields::of)
        .unwrap_or(&[]);
    let bar = progress(bytes.len() as u64, "decoding");
    let summary = decode(bytes, args.format, &bar, |f| {
        if args.max_rows != 0 && f.index >= args.max_rows {
            return Ok(());
        }
        let (_, text) = preview(f.payload);
        let values: serde_json::Map<String, serde_json::Value> = named
            .iter()
            .filter_map(|field| {
                fields::value(field, f.head, f.payload).map(|v| {
                    let v = match v {
                        fields::Value::Number(n) => serde_json::Value::from(n),
                        fields::Value::Text(t) => serde_json::Value::from(t),
                    };
                    (field.name.to_string(), v)
                })
            })
            .collect();
        let object = serde_json::json!({
            "stream": stream.name,
            "frame": f.index,
            "offset": f.offset,
            "head": fields::hex(f.head),
            "fields": values,
            "length": f.payload.len(),
            "preview_hex": fields::hex(&f.payload[..f.payload.len().min(16)]),
            "preview_text": text,
        });
        writeln!(out, "{object}")
    })?;
    if let End::Failed(e) = &summary.end {
        let object = serde_json::json!({
            "stream": stream.name,
            "error": e.to_string(),
            "frame": e.frame(),
            "offset": e.offset(),
            "hints": diagnose(bytes, args.format, e),
        });
        writeln!(out, "{object}").map_err(write_err)?;
    }
    if let Some(missing) = stream.hole {
        let object = serde_json::json!({
            "stream": stream.name,
            "error": hole_text(missing, bytes.len()),
            "offset": bytes.len(),
            "missing": missing,
        });
        writeln!(out, "{object}").map_err(write_err)?;
    }
    Ok(matches!(summary.end, End::Clean) && stream.hole.is_none())
}

/// Sentences about why `bytes` failed to decode with `format` where `error` says.
pub fn diagnose(bytes: &[u8], format: FrameFormat, error: &DecodeError) -> Vec<String> {
    let mut hints = Vec::new();
    let at = usize::try_from(error.offset()).unwrap_or(usize::MAX);
    let here = bytes.get(at..).unwrap_or(&[]);
    let context: String = here.iter().take(24).map(|&b| printable(b)).collect();
    // What the length field's bytes would read as text.
    let field_start = at.saturating_add(format.head_len());
    let field_len = match format.length() {
        LengthField::Fixed(int) => int.len(),
        _ => 1,
    };
    let field = bytes
        .get(field_start..field_start.saturating_add(field_len))
        .unwrap_or(&[]);
    let own = fields::preset_name(format);
    if let Some(kind) = looks_like(here)
        .filter(|(_, preset)| own != Some(*preset))
        .map(|(k, _)| k)
    {
        hints.push(format!(
            "the bytes at {at} look like {kind}, not a length-framed stream"
        ));
    } else if field.len() > 2 && field.iter().all(|&b| b.is_ascii_graphic() || b == b' ') {
        // (Two printable bytes are also an ordinary length between 8224 and 32382.)
        let text: String = field.iter().map(|&b| char::from(b)).collect();
        hints.push(format!(
            "the length field's bytes ({}) read as the text {text:?}: this is text, not a length; the peer speaks a text protocol, or the stream lost sync before byte {at} (the bytes there read {context:?})",
            spaced_hex(field)
        ));
    }
    match *error {
        // A length that is really text or another protocol needs no higher limit.
        DecodeError::FrameTooLarge { len, .. } if len > unstick::MAX_PAYLOAD_LEN => hints.push(format!(
            "frame {} announces {len} bytes, more than any frame can have (2^56 - 1): the length field is not a length here",
            error.frame(),
        )),
        DecodeError::FrameTooLarge { len, max, .. } if hints.is_empty() => hints.push(format!(
            "frame {} announces {len} bytes, over the limit of {max}; if frames really are that large, raise it: --format '{}'",
            error.frame(),
            format.with_max_frame_len(limit_for(len))
        )),
        DecodeError::TruncatedFrame { missing, .. } => hints.push(format!(
            "the stream ends {missing} bytes short of the end of frame {}: the capture was cut short, packets were lost, or the length is wrong",
            error.frame()
        )),
        DecodeError::TruncatedPrefix { .. } => hints.push(
            "the stream ends inside a frame's prefix: the capture was cut short or the sender stopped mid-frame".to_string(),
        ),
        _ => {}
    }
    let others = decoding_formats(bytes);
    if !others.is_empty() {
        let names: Vec<String> = others.iter().take(4).map(|c| c.name.clone()).collect();
        hints.push(format!(
            "the whole stream decodes cleanly as: {}",
            names.join(", ")
        ));
    }
    hints
}

fn spaced_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What well-known protocol the bytes start like, if any, and the preset that frames it (or
/// "" for none): no hint then for a stream already read with that preset.
fn looks_like(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    const HTTP_METHODS: [&[u8]; 8] = [
        b"GET ",
        b"POST ",
        b"PUT ",
        b"HEAD ",
        b"DELETE ",
        b"OPTIONS ",
        b"PATCH ",
        b"CONNECT ",
    ];
    match bytes {
        [0x16, 0x03, 0x00..=0x04, ..] => Some((
            "a TLS handshake record (16 03 0x): the connection is encrypted; try --format tls",
            "tls",
        )),
        [0x14 | 0x15 | 0x17, 0x03, 0x00..=0x04, ..] => Some((
            "a TLS record: the connection is encrypted; try --format tls",
            "tls",
        )),
        _ if bytes.starts_with(b"PRI * HTTP/2.0") => Some((
            "the HTTP/2 connection preface (skip its 24 bytes and use --format http2)",
            "",
        )),
        _ if bytes.starts_with(b"HTTP/") => Some(("an HTTP response", "")),
        _ if HTTP_METHODS.iter().any(|m| bytes.starts_with(m)) => Some(("an HTTP request", "")),
        _ if bytes.starts_with(b"SSH-") => Some(("an SSH banner", "")),
        _ => None,
    }
}

/// A format under which a stream decoded completely.
pub struct Candidate {
    pub name: String,
    pub format: FrameFormat,
    pub frames: u64,
    /// The longest payload.
    pub largest: u64,
}

impl Candidate {
    /// The format to pass as `--format`: a bare field gets a limit that fits what was seen
    /// (the default when that is enough), not the stream's length it was tried with.
    fn spec(&self) -> String {
        match FrameFormat::preset(&self.name) {
            Some(_) => self.format.to_string(),
            None => self
                .format
                .with_max_frame_len(limit_for(self.largest))
                .to_string(),
        }
    }
}

/// The formats `--guess` tries: every preset, then bare length fields with no limit but the
/// stream's size.
fn candidates(len: usize) -> Vec<(String, FrameFormat)> {
    let mut list: Vec<(String, FrameFormat)> = FrameFormat::PRESETS
        .iter()
        .map(|p| (p.name.to_string(), p.format))
        .collect();
    let fields = [
        "u8", "u16be", "u16le", "u24be", "u24le", "u32be", "u32le", "u64be", "u64le", "leb128",
        "mqtt", "quic",
    ];
    for name in fields {
        if let Ok(field) = name.parse::<LengthField>() {
            let format = FrameFormat::new()
                .with_length(field)
                .with_max_frame_len(len as u64);
            // A field already covered by a preset of the same shape is not listed twice.
            if !list
                .iter()
                .any(|(_, f)| f.head_len() == 0 && f.length() == field && f.adjustment() == 0)
            {
                // `mqtt` alone names the preset; the bare field is `length=mqtt`.
                let label = match FrameFormat::preset(name) {
                    Some(_) => format!("length={name}"),
                    None => name.to_string(),
                };
                list.push((label, format));
            }
        }
    }
    list
}

/// The formats under which all of `bytes` decodes to at least one frame, best first: fewer
/// frames first (a wrong format that happens to fit cuts the stream into many small frames),
/// then the list's order.
pub fn decoding_formats(bytes: &[u8]) -> Vec<Candidate> {
    if bytes.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<Candidate> = candidates(bytes.len())
        .into_iter()
        .filter_map(|(name, format)| {
            let format = format.with_oversize(Oversize::Reject);
            let summary = decode(bytes, format, &ProgressBar::hidden(), |_| Ok(())).ok()?;
            (matches!(summary.end, End::Clean) && summary.frames > 0).then_some(Candidate {
                name,
                format,
                frames: summary.frames,
                largest: summary.largest,
            })
        })
        .collect();
    found.sort_by_key(|c| c.frames);
    found
}

/// Lists the formats that fit one stream; whether any does.
fn guess(out: &mut impl Write, stream: &Stream, json: bool, paint: Paint) -> io::Result<bool> {
    let found = decoding_formats(&stream.bytes);
    if json {
        let list: Vec<serde_json::Value> = found
            .iter()
            .map(|c| serde_json::json!({"format": c.name, "spec": c.spec(), "frames": c.frames}))
            .collect();
        let object = serde_json::json!({"stream": stream.name, "bytes": stream.bytes.len(), "formats": list});
        writeln!(out, "{object}")?;
        return Ok(!found.is_empty());
    }
    let title = match &stream.name {
        Some(name) => format!("{name}: {} bytes", stream.bytes.len()),
        None => format!("{} bytes", stream.bytes.len()),
    };
    writeln!(out, "{}", paint.bold(&format!("== {title}")))?;
    if found.is_empty() {
        writeln!(
            out,
            "{}",
            paint.yellow("no known format decodes the whole stream")
        )?;
        if let Some((kind, _)) = looks_like(&stream.bytes) {
            writeln!(out, "{}", paint.yellow(&format!("  it starts like {kind}")))?;
        }
    }
    for c in &found {
        writeln!(
            out,
            "{:<18} {:>8} frames   --format {}",
            c.name,
            c.frames,
            paint.dim(&c.spec())
        )?;
    }
    writeln!(out)?;
    Ok(!found.is_empty())
}

/// A limit for frames up to `largest` bytes: the default if that is enough, else the next
/// power of two, at most [`MAX_PAYLOAD_LEN`](unstick::MAX_PAYLOAD_LEN).
fn limit_for(largest: u64) -> u64 {
    largest
        .max(unstick::DEFAULT_MAX_FRAME_LEN)
        .checked_next_power_of_two()
        .unwrap_or(u64::MAX)
        .min(unstick::MAX_PAYLOAD_LEN)
}
