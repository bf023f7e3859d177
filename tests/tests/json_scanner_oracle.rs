//! The JSON-header scanner's verdict against serde_json's (the oracle and its documented
//! differences: `unstick_tests::json_oracle`), over generated headers: keys that are, spell or
//! nearly are the size field, edge numbers, nesting, and one-byte corruptions.

use proptest::prelude::*;
use unstick::json::{self, HeaderProblem};
use unstick_tests::json_oracle::check_scanner;

/// Asserts the scanner's verdict on `json` against serde_json's.
fn check(config: json::Config, json: &[u8]) -> Result<(), TestCaseError> {
    check_scanner(config, json).map_err(TestCaseError::fail)
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
        // A \u escape with four characters that may not all be hex digits.
        1 => "[0-9a-fA-FgG\"]{4}".prop_map(|hex| format!(r"a\u{hex}")),
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
