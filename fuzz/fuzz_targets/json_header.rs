//! JSON-described header frames (seed 004's format). Valid frames built from fuzzer-chosen
//! fields round-trip under any chunking; arbitrary bytes never panic, never yield a body piece
//! before its header or more body bytes than `total_size` (checked in `run_json`), give the
//! same outcome however they are chunked, and every header they hold is accepted or refused as
//! serde_json judges it (`unstick_tests::json_oracle`, with its documented differences).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use unstick::{FrameFormat, LengthEncoder, LengthField, json};
use unstick_fuzz::{JsonFrame, run_json, sizes};
use unstick_tests::json_oracle::check_scanner;
use unstick_tests::split;

#[derive(Debug, Arbitrary)]
enum Value {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    Null,
    List(Vec<i32>),
    Object(Vec<(String, i32)>),
}

impl Value {
    fn json(&self) -> String {
        match self {
            Value::Int(n) => n.to_string(),
            Value::Float(f) if f.is_finite() => serde_json::to_string(f).unwrap(),
            Value::Float(_) => "0.5".into(),
            Value::Str(s) => serde_json::to_string(s).unwrap(),
            Value::Bool(b) => b.to_string(),
            Value::Null => "null".into(),
            Value::List(v) => serde_json::to_string(v).unwrap(),
            Value::Object(kv) => {
                let fields: Vec<String> = kv
                    .iter()
                    .map(|(k, v)| format!("{}:{v}", serde_json::to_string(k).unwrap()))
                    .collect();
                format!("{{{}}}", fields.join(","))
            }
        }
    }
}

/// A frame to encode: extra header fields, a size selector, the body.
type ValidFrame = (Vec<(String, Value)>, u8, Vec<u8>);

#[derive(Debug, Arbitrary)]
enum Input {
    Valid {
        frames: Vec<ValidFrame>,
        little: bool,
        splits: Vec<u16>,
    },
    Raw {
        bytes: Vec<u8>,
        splits: Vec<u16>,
        max_header: u8,
        max_body: u16,
    },
}

fuzz_target!(|input: Input| match input {
    Input::Valid {
        frames,
        little,
        splits,
    } => {
        let field = if little {
            LengthField::I32_LE
        } else {
            LengthField::U32_BE
        };
        let config = json::Config::new()
            .with_length(field)
            .with_max_header_len(1 << 16);
        let prefix = LengthEncoder::new(
            FrameFormat::new()
                .with_length(field)
                .with_max_frame_len(u64::MAX),
        );
        let mut stream = Vec::new();
        let mut expected = Vec::new();
        for (fields, at, body) in frames.into_iter().take(8) {
            let mut entries: Vec<String> = fields
                .iter()
                .filter(|(k, _)| k != "total_size")
                .take(16)
                .map(|(k, v)| format!("{}: {}", serde_json::to_string(k).unwrap(), v.json()))
                .collect();
            let at = usize::from(at) % (entries.len() + 1);
            entries.insert(at, format!("\"total_size\": {}", body.len()));
            let json = format!("{{{}}}", entries.join(", "));
            if json.len() > 1 << 16 {
                continue;
            }
            stream.extend_from_slice(&prefix.prefix(json.len()).unwrap());
            stream.extend_from_slice(json.as_bytes());
            stream.extend_from_slice(&body);
            expected.push(JsonFrame {
                json,
                total_size: body.len() as u64,
                body,
            });
        }
        let chunks = split(&stream, &sizes(&splits));
        assert_eq!(
            run_json(config, 1 << 16, &chunks),
            (expected.clone(), Ok(()))
        );
        assert_eq!(run_json(config, 1 << 16, &[&stream]), (expected, Ok(())));
    }
    Input::Raw {
        bytes,
        splits,
        max_header,
        max_body,
    } => {
        let config = json::Config::new()
            .with_length(LengthField::fixed(
                unstick::Width::W1,
                unstick::ByteOrder::Big,
                false,
            ))
            .with_max_header_len(u64::from(max_header))
            .with_max_body_len(u64::from(max_body));
        let cap = usize::from(max_header);
        // Each header in the stream, as its prefix delimits it, judged by serde_json too.
        let mut at = 0;
        while let Some(&len) = bytes.get(at) {
            let Some(header) = bytes.get(at + 1..at + 1 + usize::from(len)) else {
                break;
            };
            if header.len() as u64 <= config.max_header_len()
                && let Err(disagreement) = check_scanner(config, header)
            {
                panic!("{disagreement}");
            }
            let Ok(total_size) = config.inspect(header) else {
                break;
            };
            at += 1 + header.len() + total_size as usize;
        }
        let whole = run_json(config, cap, &[&bytes]);
        assert_eq!(
            run_json(config, cap, &split(&bytes, &sizes(&splits))),
            whole
        );
        let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(run_json(config, cap, &bytewise), whole);
    }
});
