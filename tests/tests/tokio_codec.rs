//! unstick-std's tokio codec: `Framed` over loopback TCP, interop with tokio-util's own
//! `LengthDelimitedCodec` both ways, and no reservation from an announced length.

use bytes::BytesMut;
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::{Decoder, Framed, FramedRead, FramedWrite, LengthDelimitedCodec};
use unstick::{FrameFormat, Oversize};
use unstick_std::LengthCodec;
use unstick_tests::Rng;

const MAX: u64 = 1 << 20;

fn codec() -> LengthCodec {
    LengthCodec::new(FrameFormat::new().with_max_frame_len(MAX))
}

fn frames(seed: u64, count: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|_| {
            let len = rng.frame_len();
            rng.bytes(len)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framed_echo_over_loopback() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut framed = Framed::new(stream, codec());
        let mut n = 0;
        while let Some(frame) = framed.next().await {
            let frame = frame.unwrap();
            framed.send(frame.freeze()).await.unwrap();
            n += 1;
        }
        n
    });
    let stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (read, write) = stream.into_split();
    let sent = frames(3, 1500);
    let expected = sent.clone();
    let writer = tokio::spawn(async move {
        let mut sink = FramedWrite::new(write, codec());
        for f in &sent {
            sink.send(&f[..]).await.unwrap();
        }
        SinkExt::<&[u8]>::close(&mut sink).await.unwrap();
    });
    let mut source = FramedRead::new(read, codec());
    for (i, want) in expected.iter().enumerate() {
        let got = source.next().await.expect("echo").unwrap();
        assert!(got[..] == want[..], "frame {i}");
    }
    assert!(source.next().await.is_none());
    writer.await.unwrap();
    assert_eq!(server.await.unwrap(), 1500);
}

#[tokio::test]
async fn interop_with_tokio_util_both_ways() {
    let sent = frames(4, 400);
    // tokio-util writes, unstick reads.
    let (a, b) = tokio::io::duplex(64 * 1024);
    let payloads = sent.clone();
    let writer = tokio::spawn(async move {
        let mut sink = FramedWrite::new(
            a,
            LengthDelimitedCodec::builder()
                .max_frame_length(MAX as usize)
                .new_codec(),
        );
        for f in payloads {
            sink.send(bytes::Bytes::from(f)).await.unwrap();
        }
        SinkExt::<bytes::Bytes>::close(&mut sink).await.unwrap();
    });
    let got: Vec<Vec<u8>> = FramedRead::new(b, codec())
        .map(|f| f.unwrap().to_vec())
        .collect()
        .await;
    writer.await.unwrap();
    assert!(got == sent);

    // unstick writes, tokio-util reads.
    let (a, b) = tokio::io::duplex(64 * 1024);
    let payloads = sent.clone();
    let writer = tokio::spawn(async move {
        let mut sink = FramedWrite::new(a, codec());
        for f in &payloads {
            sink.send(&f[..]).await.unwrap();
        }
        SinkExt::<&[u8]>::close(&mut sink).await.unwrap();
    });
    let got: Vec<Vec<u8>> = FramedRead::new(
        b,
        LengthDelimitedCodec::builder()
            .max_frame_length(MAX as usize)
            .new_codec(),
    )
    .map(|f| f.unwrap().to_vec())
    .collect()
    .await;
    writer.await.unwrap();
    assert!(got == sent);
}

#[test]
fn never_reserves_from_an_announced_length() {
    // A 1 GiB announcement under a 2 GiB limit, followed by 3 bytes.
    let mut unstick = LengthCodec::new(FrameFormat::new().with_max_frame_len(2 << 30));
    let mut src = BytesMut::with_capacity(64);
    src.extend_from_slice(&(1u32 << 30).to_be_bytes());
    src.extend_from_slice(b"abc");
    assert_eq!(unstick.decode(&mut src).unwrap(), None);
    assert!(src.capacity() < 1024, "reserved {} bytes", src.capacity());
    assert_eq!(src.len(), 7, "nothing consumed");
    // tokio-util's codec reserves the announced length (tokio#333), for comparison.
    let mut tokio = LengthDelimitedCodec::builder()
        .max_frame_length(2 << 30)
        .new_codec();
    let mut src2 = BytesMut::from(&src[..]);
    assert_eq!(tokio.decode(&mut src2).unwrap(), None);
    assert!(src2.capacity() >= 1 << 30);
}

#[test]
fn a_full_buffer_widens_to_a_fixed_read_window() {
    let mut codec = LengthCodec::new(FrameFormat::new().with_max_frame_len(2 << 30));
    // A read that filled the buffer: 1 GiB announced, the rest of the buffer its first bytes.
    let mut src = BytesMut::with_capacity(64);
    src.extend_from_slice(&(1u32 << 30).to_be_bytes());
    src.resize(src.capacity(), 7);
    let filled = src.len();
    assert_eq!(codec.decode(&mut src).unwrap(), None);
    assert_eq!(src.len(), filled, "nothing consumed");
    let window = src.capacity();
    assert!(window >= 64 << 10, "window of {window} bytes");
    assert!(window <= 256 << 10, "reserved {window} bytes");
    // Once wide, a full buffer is left to FramedRead: the window does not keep growing.
    src.resize(src.capacity(), 7);
    let full = src.capacity();
    assert_eq!(codec.decode(&mut src).unwrap(), None);
    assert_eq!(src.capacity(), full);
}

#[test]
fn errors_name_the_frame_and_limit() {
    let mut codec = LengthCodec::new(FrameFormat::new().with_max_frame_len(10));
    let mut src = BytesMut::from(&b"\0\0\0\x02ok\0\0\0\x0bhello world"[..]);
    assert_eq!(codec.decode(&mut src).unwrap().as_deref(), Some(&b"ok"[..]));
    let err = codec.decode(&mut src).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    assert_eq!(
        err.to_string(),
        "frame 1 (at byte 6) announces a 11-byte payload, over the limit of 10"
    );

    let mut codec = LengthCodec::new(FrameFormat::new().with_max_frame_len(10));
    let mut src = BytesMut::from(&b"\0\0\0\x05hel"[..]);
    assert_eq!(codec.decode(&mut src).unwrap(), None);
    let err = codec.decode_eof(&mut src).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    assert_eq!(
        err.to_string(),
        "stream ended inside frame 0 (at byte 0): 2 of its 5 payload bytes missing"
    );

    // Skip: the oversize frame is dropped and the next one arrives.
    let mut codec = LengthCodec::new(
        FrameFormat::new()
            .with_max_frame_len(3)
            .with_oversize(Oversize::Skip),
    );
    let mut src = BytesMut::from(&b"\0\0\0\x05hello\0\0\0\x02ok"[..]);
    assert_eq!(codec.decode(&mut src).unwrap().as_deref(), Some(&b"ok"[..]));

    let mut codec = LengthCodec::new(FrameFormat::new().with_max_frame_len(2));
    let err = tokio_util::codec::Encoder::encode(&mut codec, &b"abc"[..], &mut BytesMut::new())
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}
