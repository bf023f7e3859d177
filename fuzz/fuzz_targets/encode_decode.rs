//! Encoding: arbitrary payloads and headers encode then decode to the input; a too-small
//! buffer reports the exact size required and is left untouched. The same for JSON headers.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use unstick::{EncodeError, JsonEncodeError, JsonHeaderConfig, JsonHeaderEncoder, LengthEncoder};
use unstick_fuzz::{FuzzConfig, JsonFrame, run_json};
use unstick_tests::{Item, run_fresh};

#[derive(Debug, Arbitrary, Serialize)]
enum Kind {
    Plain,
    Tagged(u16),
    Shaped { w: i8, h: Option<u32> },
}

#[derive(Debug, Arbitrary, Serialize)]
struct Header {
    filename: String,
    total_size: u16,
    ratio: f64,
    tags: Vec<String>,
    maybe: Option<bool>,
    kind: Kind,
}

#[derive(Debug, Arbitrary)]
struct Input {
    config: FuzzConfig,
    payloads: Vec<Vec<u8>>,
    out_len: u16,
    header: Header,
}

fuzz_target!(|input: Input| {
    let (config, _) = input.config.build();
    let field = config.length();
    let max = config.max_frame_len();
    let encoder = LengthEncoder::new(config);
    let mut stream = Vec::new();
    let mut sent = Vec::new();
    for payload in input.payloads.iter().take(32) {
        let mut out = vec![0x55u8; usize::from(input.out_len)];
        let required = field.max_len() + payload.len();
        match encoder.encode(payload, &mut out) {
            Ok(n) => {
                assert_eq!(n, required);
                assert_eq!(&out[field.max_len()..n], &payload[..]);
                stream.extend_from_slice(&out[..n]);
                sent.push(Item::frame(payload.clone()));
            }
            Err(EncodeError::BufferTooSmall {
                required: r,
                available,
            }) => {
                assert_eq!((r, available), (required, out.len()));
                assert!(out.len() < required);
                assert!(out.iter().all(|&b| b == 0x55), "buffer touched");
            }
            Err(EncodeError::FrameTooLarge { len, max: m }) => assert!(len > m && m == max),
            Err(EncodeError::LengthOverflowsField { value, max: m }) => {
                assert!(value > m && m == field.max_value())
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    let decoded = run_fresh(config.with_streaming(false), max as usize, &[&stream]);
    assert_eq!(decoded.items, sent);
    assert_eq!(decoded.end, Ok(()));

    let json_config = JsonHeaderConfig::new().with_max_header_len(1 << 16);
    let json = JsonHeaderEncoder::new(json_config);
    let mut out = vec![0x55u8; usize::from(input.out_len)];
    match json.encode_header(&input.header, &mut out) {
        Ok(encoded) => {
            assert_eq!(json.encoded_len(&input.header), Ok(encoded.len));
            assert_eq!(encoded.total_size, u64::from(input.header.total_size));
            let mut stream = out[..encoded.len].to_vec();
            stream.resize(encoded.len + usize::from(input.header.total_size), 7);
            let (frames, end) = run_json(json_config, 1 << 16, &[&stream]);
            assert_eq!(end, Ok(()));
            let text = std::str::from_utf8(&out[4..encoded.len])
                .unwrap()
                .to_owned();
            let body = vec![7u8; usize::from(input.header.total_size)];
            assert_eq!(
                frames,
                [JsonFrame {
                    json: text,
                    total_size: encoded.total_size,
                    body
                }]
            );
        }
        Err(JsonEncodeError::BufferTooSmall {
            required,
            available,
        }) => {
            assert_eq!(available, out.len());
            assert!(out.iter().all(|&b| b == 0x55), "buffer touched");
            assert_eq!(json.encoded_len(&input.header), Ok(required));
            let mut exact = vec![0u8; required];
            assert_eq!(
                json.encode_header(&input.header, &mut exact).map(|e| e.len),
                Ok(required)
            );
        }
        Err(JsonEncodeError::HeaderTooLong { .. }) => {}
        Err(e) => panic!("{e:?}"),
    }
});
