//! A strict, iterative JSON validator that finds one top-level field.
//!
//! serde-json-core recurses without a depth limit and skips unknown numbers and literals
//! loosely, so every header is first checked here: full JSON grammar (RFC 8259), nesting at
//! most `max_depth` deep (no recursion, so no stack growth with input), the top level an object,
//! and the raw value of the size field classified exactly. Errors carry the byte offset.

use super::error::{HeaderProblem, Syntax};

/// The size field's value as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SizeValue {
    Missing,
    Unsigned(u64),
    Negative,
    NotInteger,
    Overflow,
    Duplicate,
}

/// Deepest nesting the bit stack can track.
pub(crate) const DEPTH_LIMIT: u8 = 64;

struct Scanner<'a> {
    json: &'a [u8],
    /// The same bytes as text, so a key is a `&str` without a second UTF-8 check.
    text: &'a str,
    pos: usize,
}

type Scan<T> = Result<T, HeaderProblem>;

impl<'a> Scanner<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.json.get(self.pos).copied()
    }

    /// The bytes from `pos` on. The byte loops walk this slice's iterator, so they end at its
    /// end whatever a slip in them does to `pos`.
    fn rest(&self) -> &'a [u8] {
        self.json.get(self.pos..).unwrap_or(&[])
    }

    fn skip_ws(&mut self) {
        let rest = self.rest().iter();
        self.pos += rest
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .count();
    }

    fn syntax(&self, syntax: Syntax) -> HeaderProblem {
        let syntax = if self.pos >= self.json.len() {
            Syntax::UnexpectedEnd
        } else {
            syntax
        };
        HeaderProblem::Malformed {
            at: self.pos,
            syntax,
        }
    }

    /// At an opening quote: skips the string, returns its raw contents (escapes as written).
    fn string(&mut self) -> Scan<&'a str> {
        let start = self.pos + 1;
        let rest = self.json.get(start..).unwrap_or(&[]);
        // Where the problem lies, in `rest`: `syntax` makes it an unexpected end past the end.
        let fail = |s: &mut Self, at: usize, syntax| {
            s.pos = start + at;
            Err(s.syntax(syntax))
        };
        let mut i = 0;
        // Each pass returns or passes an escape, so this many reach the end.
        for _ in 0..=rest.len() {
            let mut plain = rest.get(i..).unwrap_or(&[]).iter();
            let Some(n) = plain.position(|&b| b == b'"' || b == b'\\' || b < 0x20) else {
                break;
            };
            i += n;
            match rest.get(i) {
                Some(b'"') => {
                    self.pos = start + i + 1;
                    // Between two quotes, which are ASCII: on character boundaries.
                    return Ok(self.text.get(start..start + i).unwrap_or(""));
                }
                Some(b'\\') => match rest.get(i + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                    Some(b'u') => {
                        let digits = rest.get(i + 2..).unwrap_or(&[]).iter().take(4);
                        let hex = digits.take_while(|c| c.is_ascii_hexdigit()).count();
                        if hex < 4 {
                            return fail(self, i + 2 + hex, Syntax::InvalidEscape);
                        }
                        i += 6;
                    }
                    _ => return fail(self, i + 1, Syntax::InvalidEscape),
                },
                _ => return fail(self, i, Syntax::ControlCharacterInString),
            }
        }
        fail(self, rest.len(), Syntax::UnexpectedEnd)
    }

    fn digits(&mut self) -> usize {
        let n = self
            .rest()
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        self.pos += n;
        n
    }

    /// At `-` or a digit: skips a number, classifies it as a size value.
    fn number(&mut self) -> Scan<SizeValue> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.syntax(Syntax::InvalidNumber)),
        }
        let int_end = self.pos;
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            integer = false;
            if self.digits() == 0 {
                return Err(self.syntax(Syntax::InvalidNumber));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            integer = false;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.syntax(Syntax::InvalidNumber));
            }
        }
        Ok(if negative {
            SizeValue::Negative
        } else if !integer {
            SizeValue::NotInteger
        } else {
            let mut value: u64 = 0;
            for &d in self.json.get(int_start..int_end).unwrap_or(&[]) {
                match value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(d - b'0')))
                {
                    Some(v) => value = v,
                    None => return Ok(SizeValue::Overflow),
                }
            }
            SizeValue::Unsigned(value)
        })
    }

    fn literal(&mut self, word: &[u8]) -> Scan<()> {
        let end = self.pos + word.len();
        if self.json.get(self.pos..end) == Some(word) {
            self.pos = end;
            Ok(())
        } else {
            Err(self.syntax(Syntax::InvalidLiteral))
        }
    }
}

#[derive(Clone, Copy)]
enum Next {
    /// After `{`: a key or `}`.
    FirstKey,
    /// After `,` in an object: a key.
    Key,
    /// After `[`: a value or `]`.
    FirstElement,
    /// A value.
    Value,
    /// After a value: `,` or the container's close.
    AfterValue,
}

/// Validates `json` (already known to be UTF-8) and returns the value of the top-level
/// `field` (compared by characters, as JSON parsers compare keys: `"total\u005fsize"` is
/// `total_size`, so it cannot hide a second size from this scanner that another parser reads).
pub(crate) fn scan(text: &str, field: &str, max_depth: u8) -> Result<SizeValue, HeaderProblem> {
    let max_depth = max_depth.clamp(1, DEPTH_LIMIT);
    let mut s = Scanner {
        json: text.as_bytes(),
        text,
        pos: 0,
    };
    s.skip_ws();
    if s.peek() != Some(b'{') {
        return Err(HeaderProblem::NotObject);
    }
    s.pos += 1;
    // Bit `d` of `objects` says whether the container at depth `d + 1` is an object.
    let mut objects: u64 = 1;
    let mut depth: u8 = 1;
    let mut size = SizeValue::Missing;
    // Whether the value being read belongs to the top-level size field.
    let mut is_size = false;
    let mut next = Next::FirstKey;
    // Every pass takes at least one byte or returns, so this many reach the end: a slip in
    // this loop shows as an error, never as a device that hangs.
    for _ in 0..=s.json.len() {
        s.skip_ws();
        match next {
            Next::FirstKey | Next::Key => {
                if matches!(next, Next::FirstKey) && s.peek() == Some(b'}') {
                    s.pos += 1;
                    depth -= 1;
                    next = Next::AfterValue;
                } else if s.peek() == Some(b'"') {
                    let key = s.string()?;
                    is_size = depth == 1 && key_is(key, field);
                    s.skip_ws();
                    if s.peek() != Some(b':') {
                        return Err(s.syntax(Syntax::ExpectedColon));
                    }
                    s.pos += 1;
                    next = Next::Value;
                } else if matches!(next, Next::Key) && s.peek() == Some(b'}') {
                    return Err(s.syntax(Syntax::TrailingComma));
                } else {
                    return Err(s.syntax(Syntax::ExpectedKey));
                }
            }
            Next::FirstElement if s.peek() == Some(b']') => {
                s.pos += 1;
                depth -= 1;
                next = Next::AfterValue;
            }
            Next::FirstElement | Next::Value => {
                let value = match s.peek() {
                    Some(open @ (b'{' | b'[')) => {
                        if depth >= max_depth {
                            return Err(HeaderProblem::TooDeep {
                                at: s.pos,
                                max_depth,
                            });
                        }
                        s.pos += 1;
                        let is_object = open == b'{';
                        if is_object {
                            objects |= 1 << depth;
                        } else {
                            objects &= !(1 << depth);
                        }
                        depth += 1;
                        next = if is_object {
                            Next::FirstKey
                        } else {
                            Next::FirstElement
                        };
                        SizeValue::NotInteger
                    }
                    Some(b'"') => {
                        s.string()?;
                        next = Next::AfterValue;
                        SizeValue::NotInteger
                    }
                    Some(b'-' | b'0'..=b'9') => {
                        next = Next::AfterValue;
                        s.number()?
                    }
                    Some(b't') => {
                        s.literal(b"true")?;
                        next = Next::AfterValue;
                        SizeValue::NotInteger
                    }
                    Some(b'f') => {
                        s.literal(b"false")?;
                        next = Next::AfterValue;
                        SizeValue::NotInteger
                    }
                    Some(b'n') => {
                        s.literal(b"null")?;
                        next = Next::AfterValue;
                        SizeValue::NotInteger
                    }
                    _ => return Err(s.syntax(Syntax::ExpectedValue)),
                };
                if is_size {
                    size = if size == SizeValue::Missing {
                        value
                    } else {
                        SizeValue::Duplicate
                    };
                    is_size = false;
                }
            }
            Next::AfterValue => {
                if depth == 0 {
                    if s.pos != s.json.len() {
                        return Err(s.syntax(Syntax::TrailingCharacters));
                    }
                    return Ok(size);
                }
                let in_object = objects & (1 << (depth - 1)) != 0;
                match (s.peek(), in_object) {
                    (Some(b','), true) => {
                        s.pos += 1;
                        next = Next::Key;
                    }
                    (Some(b','), false) => {
                        s.pos += 1;
                        s.skip_ws();
                        if s.peek() == Some(b']') {
                            return Err(s.syntax(Syntax::TrailingComma));
                        }
                        next = Next::Value;
                    }
                    (Some(b'}'), true) | (Some(b']'), false) => {
                        s.pos += 1;
                        depth -= 1;
                    }
                    _ => return Err(s.syntax(Syntax::ExpectedCommaOrEnd)),
                }
            }
        }
    }
    Err(s.syntax(Syntax::UnexpectedEnd))
}

/// Whether a key's raw text (escapes as written, already validated by [`Scanner::string`]) is
/// `field`'s characters, compared one character at a time. A lone surrogate is no character,
/// so it matches nothing.
fn key_is(raw: &str, field: &str) -> bool {
    let (mut got, mut want) = (raw.chars(), field.chars());
    while let Some(c) = got.next() {
        let c = if c == '\\' {
            unescape(&mut got)
        } else {
            Some(c)
        };
        if c.is_none() || c != want.next() {
            return false;
        }
    }
    want.next().is_none()
}

/// The character an escape stands for, read after its backslash; `None` for a lone surrogate.
fn unescape(chars: &mut core::str::Chars<'_>) -> Option<char> {
    let code = match chars.next()? {
        'u' => {
            let unit = hex4(chars)?;
            if (0xD800..0xDC00).contains(&unit) {
                // A high surrogate is a character only with a low one escaped right after it.
                let (Some('\\'), Some('u')) = (chars.next(), chars.next()) else {
                    return None;
                };
                let low = hex4(chars)?;
                if !(0xDC00..0xE000).contains(&low) {
                    return None;
                }
                0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            } else {
                unit
            }
        }
        'b' => 0x08,
        'f' => 0x0C,
        'n' => 0x0A,
        'r' => 0x0D,
        't' => 0x09,
        // `"`, `\\` and `/` stand for themselves.
        other => u32::from(other),
    };
    // None for a lone low surrogate.
    char::from_u32(code)
}

/// The value of the next four hex digits (spelled out: `to_digit` asserts its radix).
fn hex4(chars: &mut core::str::Chars<'_>) -> Option<u32> {
    let mut value = 0;
    for _ in 0..4 {
        let digit = match chars.next()? {
            c @ '0'..='9' => u32::from(c) - u32::from('0'),
            c @ 'a'..='f' => u32::from(c) - u32::from('a') + 10,
            c @ 'A'..='F' => u32::from(c) - u32::from('A') + 10,
            _ => return None,
        };
        value = value * 16 + digit;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    fn size(json: &str) -> Result<SizeValue, HeaderProblem> {
        scan(json, "total_size", 8)
    }

    #[test]
    fn finds_the_size_anywhere_at_top_level() {
        use SizeValue::*;
        assert_eq!(size(r#"{"total_size": 12345}"#), Ok(Unsigned(12345)));
        assert_eq!(
            size(r#" { "a" : [1, {"total_size": 1}], "total_size":7 , "b":"x\"}" } "#),
            Ok(Unsigned(7))
        );
        assert_eq!(
            size(r#"{"total_size": 18446744073709551615}"#),
            Ok(Unsigned(u64::MAX))
        );
        assert_eq!(
            size(r#"{"total_size": 18446744073709551616}"#),
            Ok(Overflow)
        );
        assert_eq!(size(r#"{"total_size": -1}"#), Ok(Negative));
        assert_eq!(size(r#"{"total_size": 1.0}"#), Ok(NotInteger));
        assert_eq!(size(r#"{"total_size": 1e3}"#), Ok(NotInteger));
        assert_eq!(size(r#"{"total_size": "5"}"#), Ok(NotInteger));
        assert_eq!(size(r#"{"total_size": null}"#), Ok(NotInteger));
        assert_eq!(size(r#"{"total_size": 1, "total_size": 1}"#), Ok(Duplicate));
        assert_eq!(size(r#"{"nested": {"total_size": 1}}"#), Ok(Missing));
        assert_eq!(size("{}"), Ok(Missing));
    }

    #[test]
    fn keys_compare_by_characters() {
        use SizeValue::*;
        // What Python's json.loads reads as the same key: the scanner may not read another
        // size than a Python peer, so an escaped spelling is the size field, and a second
        // spelling is a duplicate (Python would take the last one silently).
        assert_eq!(size(r#"{"total\u005fsize": 5}"#), Ok(Unsigned(5)));
        assert_eq!(size(r#"{"\u0074otal_siz\u0065": 5}"#), Ok(Unsigned(5)));
        assert_eq!(
            size(r#"{"total_size": 3, "total\u005Fsize": 5}"#),
            Ok(Duplicate)
        );
        // Not the field: other characters, a prefix, a longer key, escapes of other letters.
        assert_eq!(size(r#"{"total\u005fsizes": 5}"#), Ok(Missing));
        assert_eq!(size(r#"{"total\u005f": 5}"#), Ok(Missing));
        assert_eq!(size(r#"{"total\nsize": 5}"#), Ok(Missing));
        assert_eq!(size(r#"{"total\ud800size": 5}"#), Ok(Missing));
        assert_eq!(size(r#"{"total\udc00size": 5}"#), Ok(Missing));
        // Every escape and UTF-8 length, against fields that hold those characters.
        let field = "a\"\\/\u{8}\u{c}\n\r\t\u{e9}\u{20ac}\u{1f600}";
        let key = r#"a\"\\\/\b\f\n\r\t\u00e9\u20AC\ud83d\ude00"#;
        let json = format!("{{\"{key}\": 7}}");
        assert_eq!(scan(&json, field, 8), Ok(Unsigned(7)));
        let raw = "{\"a\\\"\\\\/\\b\\f\\n\\r\\t\u{e9}\u{20ac}\u{1f600}\": 7}";
        assert_eq!(scan(raw, field, 8), Ok(Unsigned(7)));
        // Characters after a pair, and escapes of characters of every UTF-8 length.
        let after = r#"{"\ud83d\ude00x\u00e9y": 7}"#;
        assert_eq!(scan(after, "\u{1f600}x\u{e9}y", 8), Ok(Unsigned(7)));
        assert_eq!(scan(after, "\u{1f600}x\u{e9}", 8), Ok(Missing));
        assert_eq!(scan(after, "\u{1f601}x\u{e9}y", 8), Ok(Missing));
        // A high surrogate needs its low half.
        for lone in [
            r#"{"\ud83d\u0041": 7}"#,
            r#"{"\ud83dA": 7}"#,
            r#"{"\ud83d": 7}"#,
        ] {
            assert_eq!(scan(lone, "\u{1f600}", 8), Ok(Missing), "{lone}");
            assert_eq!(scan(lone, "\u{fffd}A", 8), Ok(Missing), "{lone}");
        }
    }

    #[test]
    fn rejects_what_json_rejects_with_the_offset() {
        let bad = |json: &str, at: usize, syntax: Syntax| {
            assert_eq!(
                size(json),
                Err(HeaderProblem::Malformed { at, syntax }),
                "{json}"
            );
        };
        bad(r#"{"a":1,}"#, 7, Syntax::TrailingComma);
        bad(r#"{"a":[1,]}"#, 8, Syntax::TrailingComma);
        bad(r#"{"a" 1}"#, 5, Syntax::ExpectedColon);
        bad(r#"{a:1}"#, 1, Syntax::ExpectedKey);
        bad(r#"{"a":1,x}"#, 7, Syntax::ExpectedKey);
        bad(r#"{"a":01}"#, 6, Syntax::ExpectedCommaOrEnd);
        bad(r#"{"a":1.}"#, 7, Syntax::InvalidNumber);
        bad(r#"{"a":tru}"#, 5, Syntax::InvalidLiteral);
        bad(r#"{"a":"\x"}"#, 7, Syntax::InvalidEscape);
        bad(r#"{"a":"\u12G4"}"#, 10, Syntax::InvalidEscape);
        bad(r#"{"a":"\u12"}"#, 10, Syntax::InvalidEscape);
        bad(r#"{"a":"x\u1G"}"#, 10, Syntax::InvalidEscape);
        bad("{\"a\":\"\n\"}", 6, Syntax::ControlCharacterInString);
        bad(r#"{"a":1} x"#, 8, Syntax::TrailingCharacters);
        bad(r#"{"a":1"#, 6, Syntax::UnexpectedEnd);
        bad(r#"{"a":"abc"#, 9, Syntax::UnexpectedEnd);
        assert_eq!(size("[1]"), Err(HeaderProblem::NotObject));
        assert_eq!(size("  "), Err(HeaderProblem::NotObject));
    }

    #[test]
    fn nesting_is_bounded_without_recursion() {
        let ok = format!("{{\"a\":{}1{}}}", "[".repeat(7), "]".repeat(7));
        assert_eq!(size(&ok), Ok(SizeValue::Missing));
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(8), "]".repeat(8));
        assert_eq!(
            size(&deep),
            Err(HeaderProblem::TooDeep {
                at: 12,
                max_depth: 8
            })
        );
        // A million brackets cost no stack.
        let huge = format!("{{\"a\":{}", "[".repeat(1_000_000));
        assert!(matches!(
            scan(&huge, "total_size", 64),
            Err(HeaderProblem::TooDeep { max_depth: 64, .. })
        ));
    }
}
