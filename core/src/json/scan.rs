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
    pos: usize,
}

type Scan<T> = Result<T, HeaderProblem>;

impl Scanner<'_> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.json.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
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
    fn string(&mut self) -> Scan<&[u8]> {
        let start = self.pos + 1;
        self.pos = start;
        loop {
            match self.peek() {
                None => return Err(self.syntax(Syntax::UnexpectedEnd)),
                Some(b'"') => {
                    let raw = self.json.get(start..self.pos).unwrap_or(&[]);
                    self.pos += 1;
                    return Ok(raw);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.pos += 1
                        }
                        Some(b'u') => {
                            self.pos += 1;
                            for _ in 0..4 {
                                match self.peek() {
                                    Some(c) if c.is_ascii_hexdigit() => self.pos += 1,
                                    _ => return Err(self.syntax(Syntax::InvalidEscape)),
                                }
                            }
                        }
                        _ => return Err(self.syntax(Syntax::InvalidEscape)),
                    }
                }
                Some(0x00..=0x1f) => return Err(self.syntax(Syntax::ControlCharacterInString)),
                Some(_) => self.pos += 1,
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
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
/// `field` (compared with its raw, unescaped text).
pub(crate) fn scan(json: &[u8], field: &str, max_depth: u8) -> Result<SizeValue, HeaderProblem> {
    let max_depth = max_depth.clamp(1, DEPTH_LIMIT);
    let mut s = Scanner { json, pos: 0 };
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
    loop {
        s.skip_ws();
        match next {
            Next::FirstKey | Next::Key => {
                if matches!(next, Next::FirstKey) && s.peek() == Some(b'}') {
                    s.pos += 1;
                    depth -= 1;
                    next = Next::AfterValue;
                } else if s.peek() == Some(b'"') {
                    let key = s.string()?;
                    is_size = depth == 1 && key == field.as_bytes();
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
                        objects = (objects & !(1 << depth)) | (u64::from(is_object) << depth);
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    fn size(json: &str) -> Result<SizeValue, HeaderProblem> {
        scan(json.as_bytes(), "total_size", 8)
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
        bad(r#"{"a":01}"#, 6, Syntax::ExpectedCommaOrEnd);
        bad(r#"{"a":1.}"#, 7, Syntax::InvalidNumber);
        bad(r#"{"a":tru}"#, 5, Syntax::InvalidLiteral);
        bad(r#"{"a":"\x"}"#, 7, Syntax::InvalidEscape);
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
            scan(huge.as_bytes(), "total_size", 64),
            Err(HeaderProblem::TooDeep { max_depth: 64, .. })
        ));
    }
}
