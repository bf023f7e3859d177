//! The JSON-header scanner's verdict against serde_json's: a header is accepted exactly when
//! serde_json reads it as an object with one top-level `total_size` that is an unsigned
//! integer within the body limit, and nested at most as deep as the limit allows. The
//! documented differences are carved out here, each checked for the error it must give:
//! nesting deeper than the limit (serde_json allows 128 levels), and lone surrogate escapes
//! (Python writes them for file names that are not UTF-8; serde_json refuses them).

use std::fmt;

use proptest::prelude::*;
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
fn serde_verdict(json: &[u8], max_body: u64) -> Option<Result<u64, ()>> {
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

/// Asserts the scanner's verdict on `json` against serde_json's.
fn check(config: json::Config, json: &[u8]) -> Result<(), TestCaseError> {
    let ours = config.inspect(json);
    let Some(want) = serde_verdict(json, config.max_body_len()) else {
        if has_lone_surrogate(json) && ours.is_ok() {
            return Ok(()); // the carved-out difference: accepted as Python writes it
        }
        prop_assert!(
            ours.is_err(),
            "serde_json refuses {:?}, we read {ours:?}",
            lossy(json)
        );
        return Ok(());
    };
    if depth(json) > usize::from(config.max_depth()) {
        prop_assert!(
            matches!(ours, Err(HeaderProblem::TooDeep { .. })),
            "deeper than the limit: {:?} gave {ours:?}",
            lossy(json)
        );
        return Ok(());
    }
    match want {
        Ok(n) => prop_assert_eq!(ours, Ok(n), "{:?}", lossy(json)),
        Err(()) => prop_assert!(
            ours.is_err(),
            "{:?}: serde_json says no, we read {ours:?}",
            lossy(json)
        ),
    }
    Ok(())
}

fn lossy(json: &[u8]) -> String {
    String::from_utf8_lossy(json).into_owned()
}

/// Keys that are, or spell, or nearly are the size field.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just("total_size".to_string()),
        1 => Just(r"total\u005fsize".to_string()),
        1 => Just(r"\u0074otal_size".to_string()),
        1 => Just("total_sizes".to_string()),
        1 => Just("Total_size".to_string()),
        2 => "[a-z_]{0,6}",
        1 => Just(r"a\ud83d\ude00b".to_string()),
        1 => Just(r"a\ud800".to_string()),
        1 => Just(r"\n\t\u0000".to_string()),
    ]
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        (0u64..=(5 << 30)).prop_map(|n| n.to_string()),
        Just("18446744073709551616".to_string()),
        Just("4294967296".to_string()),
        Just("4294967297".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        Just("-0".to_string()),
        Just("0".to_string()),
        Just("1.0".to_string()),
        Just("1e3".to_string()),
        Just("1E+2".to_string()),
        Just("0.5".to_string()),
        Just("-1.5e-3".to_string()),
    ]
}

fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        number(),
        Just("true".to_string()),
        Just("false".to_string()),
        Just("null".to_string()),
        key().prop_map(|k| format!("\"{k}\"")),
    ];
    leaf.prop_recursive(6, 40, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((key(), inner), 0..4).prop_map(|v| {
                let fields: Vec<String> = v.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
                format!("{{{}}}", fields.join(", "))
            }),
        ]
    })
}

/// A top-level object, often with a size field, then sometimes one byte inserted, removed or
/// replaced (from a set of JSON's significant bytes), so invalid text is common too.
fn header() -> impl Strategy<Value = Vec<u8>> {
    let object = prop::collection::vec((key(), value()), 0..5).prop_map(|fields| {
        let fields: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!(" \"{k}\" :{v}"))
            .collect();
        format!("{{{}}}", fields.join(","))
    });
    let bytes = prop::sample::select(b"{}[],:\"\\ 0-.eEu\x01\x7fa".to_vec());
    (object, 0..4u8, any::<prop::sample::Index>(), bytes).prop_map(|(text, op, at, b)| {
        let mut json = text.into_bytes();
        let i = at.index(json.len() + 1);
        match op {
            1 => json.insert(i, b),
            2 if i < json.len() => {
                json.remove(i);
            }
            3 if i < json.len() => json[i] = b,
            _ => {}
        }
        json
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(2000)
    ))]

    #[test]
    fn scanner_agrees_with_serde_json(json in header(), depth in 2u8..8) {
        check(json::Config::new(), &json)?;
        check(json::Config::new().with_max_depth(depth).with_max_body_len(1 << 20), &json)?;
    }
}

#[test]
fn the_carved_out_differences() {
    let config = json::Config::new();
    // A lone surrogate escape: Python writes one; serde_json refuses it; we read the size.
    let lone = br#"{"name": "\udcff.txt", "total_size": 3}"#;
    assert!(serde_json::from_slice::<serde_json::Value>(lone).is_err());
    assert_eq!(config.inspect(lone), Ok(3));
    // 17 levels: serde_json reads it, the default limit of 16 refuses it.
    let deep = format!(
        "{{\"total_size\": 1, \"a\": {}{}}}",
        "[".repeat(16),
        "]".repeat(16)
    );
    assert!(serde_json::from_str::<serde_json::Value>(&deep).is_ok());
    assert!(matches!(
        config.inspect(deep.as_bytes()),
        Err(HeaderProblem::TooDeep { max_depth: 16, .. })
    ));
    // Two spellings of the size: serde_json (like Python) keeps the last; we refuse both.
    let twice = br#"{"total_size": 3, "total\u005fsize": 5}"#;
    let read: serde_json::Value = serde_json::from_slice(twice).unwrap();
    assert_eq!(read["total_size"], 5);
    assert_eq!(
        config.inspect(twice),
        Err(HeaderProblem::SizeDuplicate {
            field: "total_size"
        })
    );
}
