//! Encoding: arbitrary heads and payloads in any format encode then decode to the input; a
//! too-small buffer reports the exact size required and is left untouched; what the format
//! cannot carry is refused with the reason. The same for JSON headers behind any length field.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use unstick::{EncodeError, LengthEncoder, json};
use unstick_fuzz::{FuzzConfig, JsonFrame, run_json};
use unstick_tests::reference::{FieldRead, field_len};
use unstick_tests::{Item, reference_field, run_fresh};

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
    let h = config.head_len();
    let adjustment = i128::from(config.adjustment());
    let encoder = LengthEncoder::new(config);
    let mut stream = Vec::new();
    let mut sent = Vec::new();
    for (i, payload) in input.payloads.iter().take(32).enumerate() {
        let head = vec![i as u8; h];
        let mut out = vec![0x55u8; usize::from(input.out_len)];
        let value = payload.len() as i128 - adjustment;
        let prefix = h + field_len(field, value.max(0) as u64);
        let required = prefix + payload.len();
        match encoder.encode_with_head(&head, payload, &mut out) {
            Ok(n) => {
                assert_eq!(n, required);
                assert_eq!(&out[..h], &head[..]);
                assert_eq!(
                    reference_field(field, &out[h..], true),
                    FieldRead::Done(value as u64, prefix - h)
                );
                assert_eq!(&out[prefix..n], &payload[..]);
                stream.extend_from_slice(&out[..n]);
                sent.push(Item::Frame {
                    head,
                    payload: payload.clone(),
                });
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
            Err(EncodeError::PayloadBelowAdjustment { len, .. }) => {
                assert!(i128::from(len) < adjustment && len <= max)
            }
            Err(EncodeError::LengthOverflowsField { value: v, max: m }) => {
                assert!(v > m && m == field.max_value() && i128::from(v) == value)
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    let decoded = run_fresh(config.with_streaming(false), h + max as usize, &[&stream]);
    assert_eq!(decoded.items, sent);
    assert_eq!(decoded.end, Ok(()));

    let json_config = json::Config::new()
        .with_length(field)
        .with_max_header_len(1 << 16);
    let json = json::Encoder::new(json_config);
    let mut out = vec![0x55u8; usize::from(input.out_len)];
    match json.encode_header(&input.header, &mut out) {
        Ok(encoded) => {
            assert_eq!(json.encoded_len(&input.header), Ok(encoded.len));
            assert_eq!(encoded.total_size, u64::from(input.header.total_size));
            let mut stream = out[..encoded.len].to_vec();
            stream.resize(encoded.len + usize::from(input.header.total_size), 7);
            let (frames, end) = run_json(json_config, 1 << 16, &[&stream]);
            assert_eq!(end, Ok(()));
            let FieldRead::Done(json_len, prefix) = reference_field(field, &out, true) else {
                panic!("the prefix does not read back")
            };
            assert_eq!(prefix + json_len as usize, encoded.len);
            let text = std::str::from_utf8(&out[prefix..encoded.len])
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
        Err(json::EncodeError::BufferTooSmall {
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
        Err(json::EncodeError::HeaderTooLong { .. }) => {}
        Err(json::EncodeError::LengthOverflowsPrefix { len, max }) => {
            assert!(len > max && max == field.max_value())
        }
        Err(e) => panic!("{e:?}"),
    }
});
