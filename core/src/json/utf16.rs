//! Characters outside the Basic Multilingual Plane as Python writes them.
//!
//! `json.dumps` escapes every non-ASCII character by default (`ensure_ascii`), and a character
//! above U+FFFF becomes a UTF-16 surrogate pair: `😀` is `"\ud83d\ude00"`. serde-json-core
//! unescapes each `\uXXXX` alone and refuses both halves, so headers are rewritten first: each
//! pair becomes the raw UTF-8 of its character, which JSON allows inside strings.

/// Whether `json` holds a `\u` escape of a surrogate (`\uD800` to `\uDFFF`).
pub(crate) fn has_surrogate_escape(json: &[u8]) -> bool {
    let mut i = 0;
    // Each pass moves `i` forward, so this many reach the end.
    for _ in 0..json.len() {
        let Some(&b) = json.get(i) else { break };
        if b != b'\\' {
            i += 1;
            continue;
        }
        if json.get(i + 1) == Some(&b'u') && surrogate_at(json, i).is_some() {
            return true;
        }
        // Skip the escaped character, so `\\ud83d` is not read as an escape.
        i += 2;
    }
    false
}

/// Copies JSON text to the front of `out`, writing each surrogate-pair escape as the UTF-8 of
/// its character and each lone surrogate escape as U+FFFD (a Rust string cannot hold a lone
/// surrogate; Python writes one for a file name that is not UTF-8). Everything else, other
/// escapes included, is copied as is, so the result means the same JSON to any parser that
/// unescapes each `\uXXXX` alone. Returns the bytes written, at most `json.len()`, or `None`
/// if `out` is too short.
///
/// [`Header::deserialize_unescaped`](crate::json::Header::deserialize_unescaped) does this
/// itself; it is public for parsers that refuse lone surrogates (`serde_json` does).
///
/// ```
/// let mut out = [0u8; 32];
/// let n = unstick::json::join_surrogate_escapes(br#"["\ud83d\ude00", "\udcff"]"#, &mut out).unwrap();
/// assert_eq!(core::str::from_utf8(&out[..n]).unwrap(), "[\"😀\", \"\u{FFFD}\"]");
/// ```
pub fn join_surrogate_escapes(json: &[u8], out: &mut [u8]) -> Option<usize> {
    let mut written = 0;
    let mut put = |bytes: &[u8], written: &mut usize| -> Option<()> {
        let dst = out.get_mut(*written..*written + bytes.len())?;
        crate::buffer::copy(dst, bytes);
        *written += bytes.len();
        Some(())
    };
    let mut i = 0;
    // Each pass moves `i` forward, so this many reach the end.
    for _ in 0..json.len() {
        let Some(&b) = json.get(i) else { break };
        if b != b'\\' {
            put(&[b], &mut written)?;
            i += 1;
            continue;
        }
        let Some(high) = surrogate_at(json, i) else {
            // The backslash and the escaped byte, so `\\ud83d` is no escape; a `\u`'s digits
            // follow as plain bytes. A cut-off escape (invalid JSON) is copied, never dropped.
            put(
                json.get(i..i + 2).or(json.get(i..)).unwrap_or(&[]),
                &mut written,
            )?;
            i += 2;
            continue;
        };
        let low = surrogate_at(json, i + 6).filter(|_| (0xD800..0xDC00).contains(&high));
        let (c, len) = match low {
            Some(low) if (0xDC00..0xE000).contains(&low) => {
                let scalar = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                (char::from_u32(scalar).unwrap_or('\u{FFFD}'), 12)
            }
            _ => ('\u{FFFD}', 6),
        };
        let mut utf8 = [0u8; 4];
        put(c.encode_utf8(&mut utf8).as_bytes(), &mut written)?;
        i += len;
    }
    Some(written)
}

/// The surrogate code unit of a `\uXXXX` escape starting at `at`, if it is one.
fn surrogate_at(json: &[u8], at: usize) -> Option<u32> {
    if json.get(at..at + 2)? != b"\\u" {
        return None;
    }
    let mut unit = 0u32;
    for &digit in json.get(at + 2..at + 6)? {
        unit = unit * 16 + char::from(digit).to_digit(16)?;
    }
    (0xD800..0xE000).contains(&unit).then_some(unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(json: &str) -> [u8; 256] {
        let mut out = [0u8; 256];
        let n = join_surrogate_escapes(json.as_bytes(), &mut out).unwrap();
        out[n..].fill(0);
        out
    }

    fn text(out: &[u8; 256]) -> &str {
        let end = out.iter().position(|&b| b == 0).unwrap_or(out.len());
        core::str::from_utf8(&out[..end]).unwrap()
    }

    #[test]
    fn pairs_become_utf8_and_lone_halves_the_replacement_character() {
        let cases = [
            (r#"{"a":"\ud83d\ude00.txt"}"#, "{\"a\":\"😀.txt\"}"),
            (r#"{"a":"\uD83D\uDE00"}"#, "{\"a\":\"😀\"}"),
            (r#"{"a":"\udcff-\ud800"}"#, "{\"a\":\"\u{FFFD}-\u{FFFD}\"}"),
            // A low half first, then a high half with no low after it.
            (r#""\ude00\ud83d""#, "\"\u{FFFD}\u{FFFD}\""),
            // Escaped backslashes and other escapes are left alone.
            (r#""\\ud83d\n\u00e9""#, r#""\\ud83d\n\u00e9""#),
            // An escape right before a pair does not hide it.
            (r#""\n\ud83d\ude00""#, "\"\\n😀\""),
            // Two high halves: each stands alone.
            (r#""\ud83d\ud83d""#, "\"\u{FFFD}\u{FFFD}\""),
        ];
        for (json, joined) in cases {
            assert_eq!(text(&join(json)), joined, "{json}");
        }
        // Invalid text stays invalid: cut-off escapes are copied, not dropped.
        assert_eq!(text(&join(r#""a"\"#)), r#""a"\"#);
        assert_eq!(text(&join(r#""x\u12"#)), r#""x\u12"#);
        assert!(has_surrogate_escape(br#""\ud83d""#));
        assert!(!has_surrogate_escape(br#""\\ud83d \u00e9""#));
    }

    #[test]
    fn a_short_output_is_none_never_a_panic() {
        let json = br#""\ud83d\ude00""#;
        for len in 0..json.len() {
            let mut out = [0u8; 16];
            let out = &mut out[..len];
            let fits = join_surrogate_escapes(json, out).is_some();
            assert_eq!(fits, len >= 6, "len {len}");
        }
    }
}
