//! JSON-header frames: headers deserialized with serde-json-core, bodies larger than any
//! buffer streamed in pieces, and a truncated tail.

use crate::hprintln;
use embedded_io::Read;
use serde::Deserialize;
use unstick::json;

use crate::chunked::Chunked;
use crate::{Builder, Checks, pattern, stack};

const HEADER_BUF: usize = 96;
/// (header, body length, body seed) of each frame.
const FRAMES: [(&[u8], usize, u8); 3] = [
    (
        br#"{"filename": "a.txt", "total_size": 300, "hash": "9f86d081884c7d65"}"#,
        300,
        11,
    ),
    (
        br#"{"total_size":0,"note":"empty body, \"quoted\""}"#,
        0,
        12,
    ),
    (br#"{"filename":"b.bin","total_size":90}"#, 90, 13),
];
/// The truncated pass stops this many bytes into the last body.
const CUT: usize = 40;

#[derive(Deserialize)]
struct Upload<'a> {
    #[serde(borrow)]
    filename: Option<&'a str>,
    total_size: u32,
}

/// Checks a complete and a truncated stream, several chunkings each.
pub fn run(checks: &mut Checks) {
    let mut wire = [0u8; 768];
    let mut b = Builder::new(&mut wire);
    let mut built = true;
    for (header, len, seed) in FRAMES {
        built &= b.put(&(header.len() as u32).to_be_bytes()) && b.put(header);
        built &= (0..len).all(|i| b.put(&[pattern(seed, i)]));
    }
    checks.check(built, "the JSON stream fits its buffer");
    let len = b.bytes().len();
    let wire = &wire[..len];
    let mut deepest = 0;
    for (max_chunk, seed) in [(1, 3), (5, 8), (24, 2), (1000, 4)] {
        deepest = deepest.max(pass(checks, wire, max_chunk, seed, None));
        let cut = len - (FRAMES[2].1 - CUT);
        deepest = deepest.max(pass(checks, &wire[..cut], max_chunk, seed, Some(CUT)));
    }
    hprintln!(
        "json::Decoder state: {} B besides its buffer; header buffer here: {} B",
        core::mem::size_of::<json::Decoder<[u8; 0]>>(),
        HEADER_BUF
    );
    hprintln!("peak stack: json::Decoder::decode {} B", deepest);
}

/// One pass; `cut` is where the last body stops in a truncated stream.
fn pass(
    checks: &mut Checks,
    wire: &[u8],
    max_chunk: usize,
    seed: u32,
    cut: Option<usize>,
) -> usize {
    let config = json::Config::new()
        .with_max_header_len(HEADER_BUF as u64)
        .with_max_body_len(1000);
    let Ok(mut decoder) = json::Decoder::new(config, [0u8; HEADER_BUF]) else {
        checks.check(false, "JSON decoder config");
        return 0;
    };
    let mut reader = Chunked::new(wire, max_chunk, seed);
    let mut chunk = [0u8; 24];
    let (mut next, mut body) = (0usize, 0usize);
    let mut deepest = 0;
    for _ in 0..10_000 {
        let n = match reader.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut input = &chunk[..n];
        for _ in 0..100 {
            let d = &mut decoder;
            let (result, used) = stack::peak(move || d.decode(input));
            deepest = deepest.max(used);
            let Ok(json::Decoded { consumed, event }) = result else {
                checks.check(false, "a JSON decode error");
                return deepest;
            };
            input = input.get(consumed..).unwrap_or_default();
            let Some(&(header, len, seed)) = FRAMES.get(next) else {
                checks.check(event.is_none(), "no event after the last frame");
                break;
            };
            match event {
                None => break,
                Some(json::Event::Header(h)) => {
                    let parsed = h.deserialize::<Upload>();
                    let named = matches!(next, 0 | 2);
                    checks.check(
                        h.json().as_bytes() == header
                            && h.total_size() == len as u64
                            && parsed.is_ok_and(|u| {
                                u.total_size as usize == len && u.filename.is_some() == named
                            }),
                        "a JSON header",
                    );
                    body = 0;
                }
                Some(json::Event::BodyPiece(p)) => {
                    let same = p
                        .iter()
                        .enumerate()
                        .all(|(i, &x)| x == pattern(seed, body + i));
                    checks.check(same, "a body piece");
                    body += p.len();
                }
                Some(json::Event::End) => {
                    checks.check(body == len, "a body's length");
                    next += 1;
                }
            }
        }
    }
    match (cut, decoder.finish()) {
        (None, Ok(())) => checks.check(next == FRAMES.len(), "every JSON frame"),
        (
            Some(cut),
            Err(json::DecodeError::TruncatedBody {
                frame,
                missing,
                total_size,
                ..
            }),
        ) => {
            checks.check(
                frame == 2 && total_size == 90 && missing == (90 - cut) as u64 && body == cut,
                "the truncated body is reported exactly",
            );
        }
        _ => checks.check(false, "the end of the JSON stream"),
    }
    deepest
}

/// Headers as Python's `json.dumps` writes them by default: characters outside the BMP as
/// surrogate-pair escapes, a lone surrogate for a name that is not UTF-8. Each deserializes,
/// into a struct with the name and into one that ignores it.
pub fn python_escapes(checks: &mut Checks) {
    /// (header, the name it carries)
    const HEADERS: [(&[u8], &str); 3] = [
        (
            br#"{"filename": "\ud83d\ude00.txt", "total_size": 0, "tag": "\ud83d\ude80"}"#,
            "😀.txt",
        ),
        (
            br#"{"filename": "a\udcffb", "total_size": 0}"#,
            "a\u{FFFD}b",
        ),
        (br#"{"filename": "\u4f60\u597d", "total_size": 0}"#, "你好"),
    ];
    for (header, name) in HEADERS {
        let mut wire = [0u8; 128];
        let mut b = Builder::new(&mut wire);
        let built = b.put(&(header.len() as u32).to_be_bytes()) && b.put(header);
        let len = b.bytes().len();
        let mut buf = [0u8; HEADER_BUF];
        let config = json::Config::new().with_max_header_len(HEADER_BUF as u64);
        let Ok(mut d) = json::Decoder::new(config, &mut buf[..]) else {
            checks.check(false, "a JSON decoder");
            return;
        };
        let Ok(json::Decoded {
            event: Some(json::Event::Header(h)),
            ..
        }) = d.decode(wire.get(..len).unwrap_or_default())
        else {
            checks.check(false, "a Python header decodes");
            continue;
        };
        let mut scratch = [0u8; 192];
        let named = h.deserialize_unescaped::<Named>(&mut scratch);
        checks.check(
            built && named.is_ok_and(|n| n.filename.as_str() == Some(name)),
            "a Python header's name",
        );
        let mut scratch = [0u8; 192];
        let sized = h.deserialize_unescaped::<SizeOnly>(&mut scratch);
        checks.check(
            sized.is_ok_and(|s| s.total_size == 0),
            "a Python header, name ignored",
        );
    }
}

#[derive(Deserialize)]
struct Named {
    filename: Name,
}

#[derive(Deserialize)]
struct SizeOnly {
    total_size: u32,
}

/// An owned name of up to 32 bytes (no allocator here).
struct Name {
    bytes: [u8; 32],
    len: usize,
}

impl Name {
    fn as_str(&self) -> Option<&str> {
        core::str::from_utf8(self.bytes.get(..self.len)?).ok()
    }
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Name;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a name of at most 32 bytes")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Name, E> {
                let mut name = Name {
                    bytes: [0; 32],
                    len: s.len(),
                };
                let dst = name
                    .bytes
                    .get_mut(..s.len())
                    .ok_or_else(|| E::custom("name too long"))?;
                // A loop, not copy_from_slice: no panic path in the image.
                for (d, s) in dst.iter_mut().zip(s.as_bytes()) {
                    *d = *s;
                }
                Ok(name)
            }
        }
        d.deserialize_str(Visitor)
    }
}
