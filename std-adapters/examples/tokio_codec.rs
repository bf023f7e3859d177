//! tokio's `Framed` with unstick's `LengthCodec`: a drop-in for tokio-util's
//! `LengthDelimitedCodec`, one format for both directions.
//!
//! ```text
//! cargo run -p unstick-std --features tokio --example tokio_codec
//! ```

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::Framed;
use unstick::FrameFormat;
use unstick_std::LengthCodec;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    // gRPC's shape: a 1-byte compressed flag, then a u32be length. Any preset works alike.
    let format = FrameFormat::GRPC.with_max_frame_len(4 << 20);
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;

    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await?;
        let mut frames = Framed::new(stream, LengthCodec::new(format));
        // Items are the frame's bytes, head first: here the flag, then the message.
        while let Some(frame) = frames.next().await {
            let frame = frame?;
            frames.send(frame.freeze()).await?;
        }
        Ok::<_, std::io::Error>(())
    });

    let mut client = Framed::new(TcpStream::connect(addr).await?, LengthCodec::new(format));
    for message in [&b"\x00hello"[..], b"\x00grpc"] {
        client.send(bytes::Bytes::from_static(message)).await?;
        let echo = client.next().await.expect("an echo")?;
        println!(
            "flag {} message {:?}",
            echo[0],
            String::from_utf8_lossy(&echo[1..])
        );
    }
    drop(client);
    server.await.expect("server task")?;
    Ok(())
}
