//! serde_json as the oracle for the JSON-header scanner: a header is accepted exactly when
//! serde_json reads it as an object with one top-level `total_size` that is an unsigned
//! integer within the body limit, and nested at most as deep as the limit allows. The
//! documented differences are carved out, each checked for the answer it must give: nesting
//! deeper than the limit (serde_json allows 128 levels), and lone surrogate escapes (Python
//! writes them for file names that are not UTF-8; serde_json refuses them). Shared by the
//! `json_scanner_oracle` property test and the `json_header` fuzz target.

use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use unstick::json::{self, HeaderProblem};

/// The top-level object's keys in order, with duplicates, and each `total_size` value.
struct TopLevel {
    sizes: Vec<serde_json::Value>,
}

impl<'de> Deserialize<'de> for TopLevel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> Visitor<'de> for Keys {
            type Value = TopLevel;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevel, A::Error> {
                let mut sizes = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "total_size" {
                        sizes.push(map.next_value::<serde_json::Value>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(TopLevel { sizes })
            }
        }
        d.deserialize_map(Keys)
    }
}

/// What serde_json says the scanner must answer, or `None` when serde_json refuses the text.
pub fn serde_verdict(json: &[u8], max_body: u64) -> Option<Result<u64, ()>> {
    // Only an object at the top level; anything else serde_json reads is refused by both.
    let value: serde_json::Value = serde_json::from_slice(json).ok()?;
    if !value.is_object() {
        return Some(Err(()));
    }
    let top: TopLevel = serde_json::from_slice(json).ok()?;
    Some(match top.sizes.as_slice() {
        [size] => match size.as_u64() {
            Some(n) if size.is_u64() && n <= max_body => Ok(n),
            _ => Err(()),
        },
        _ => Err(()),
    })
}

/// Deepest nesting of `json` (which serde_json accepted), counting the top-level object.
fn depth(json: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
    for &b in json {
        match (in_string, escaped, b) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') => in_string = false,
            (true, ..) => {}
            (false, _, b'"') => in_string = true,
            (false, _, b'{' | b'[') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (false, _, b'}' | b']') => depth -= 1,
            _ => {}
        }
    }
    deepest
}

/// Whether `json` has a `\u` escape of a lone surrogate half.
fn has_lone_surrogate(json: &[u8]) -> bool {
    let text = String::from_utf8_lossy(json);
    let mut units = Vec::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            if text[i + 1..].starts_with('u') {
                if let Ok(u) = u16::from_str_radix(text.get(i + 2..i + 6).unwrap_or("x"), 16) {
                    units.push(Some(u));
                }
            } else {
                units.push(None);
            }
            chars.next();
        } else {
            units.push(None);
        }
    }
    let surrogate = |u: Option<u16>, range: std::ops::RangeInclusive<u16>| {
        u.is_some_and(|u| range.contains(&u))
    };
    (0..units.len()).any(|i| {
        let prev = i.checked_sub(1).and_then(|j| units[j]);
        let next = units.get(i + 1).copied().flatten();
        (surrogate(units[i], 0xD800..=0xDBFF) && !surrogate(next, 0xDC00..=0xDFFF))
            || (surrogate(units[i], 0xDC00..=0xDFFF) && !surrogate(prev, 0xD800..=0xDBFF))
    })
}

/// The scanner's verdict on `json` (`config.inspect`) against serde_json's; `Err` says how
/// they disagree.
pub fn check_scanner(config: json::Config, json: &[u8]) -> Result<(), String> {
    let ours = config.inspect(json);
    let text = lossy(json);
    let Some(want) = serde_verdict(json, config.max_body_len()) else {
        // Refused by both, or the carved-out difference: accepted as Python writes it.
        if ours.is_err() || has_lone_surrogate(json) {
            return Ok(());
        }
        return Err(format!("serde_json refuses {text:?}, we read {ours:?}"));
    };
    if depth(json) > usize::from(config.max_depth()) {
        if matches!(ours, Err(HeaderProblem::TooDeep { .. })) {
            return Ok(());
        }
        return Err(format!("deeper than the limit: {text:?} gave {ours:?}"));
    }
    match (want, ours) {
        (Ok(n), Ok(m)) if n == m => Ok(()),
        (Err(()), Err(_)) => Ok(()),
        (want, ours) => Err(format!(
            "{text:?}: serde_json says {want:?}, we read {ours:?}"
        )),
    }
}

fn lossy(json: &[u8]) -> String {
    String::from_utf8_lossy(json).into_owned()
}
