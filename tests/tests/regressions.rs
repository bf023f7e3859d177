//! Bugs found once, kept as plain tests with their exact inputs.

use unstick::{DecoderConfig, Event, LengthDecoder};

/// Found by the `buffer_kinds_agree` property test: `commit` re-derived the read region with
/// `spare()`, which for `Vec` and `heapless::Vec` buffers truncated and zero-filled it, wiping
/// the bytes just read: a 1-byte frame `[1]` came out as `[0]`.
#[test]
fn commit_keeps_bytes_read_into_growable_buffers() {
    fn check<B: unstick::FrameBuffer>(mut decoder: LengthDecoder<B>) {
        let stream = [0u8, 0, 0, 1, 1];
        let mut frame = None;
        for byte in stream {
            let spare = decoder.spare();
            spare[0] = byte;
            if let Some(Event::Frame(f)) = decoder.commit(1).unwrap().event {
                frame = Some(f.to_vec());
            }
        }
        assert_eq!(frame.as_deref(), Some(&[1u8][..]));
    }
    let config = DecoderConfig::new().max_frame_len(256);
    check(LengthDecoder::new(config, Vec::new()).unwrap());
    check(LengthDecoder::new(config, heapless::Vec::<u8, 256>::new()).unwrap());
    check(LengthDecoder::new(config, [0u8; 256]).unwrap());
}
