//! Seed 002's UDP time service ("时间服务端"): any datagram is answered with the current Unix
//! time in seconds as a 4-byte big-endian unsigned integer (`struct.pack("!I", int(time.time()))`).

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The reply to one request: the time now, or an error if it no longer fits in 32 bits (2106).
pub fn reply_now() -> io::Result<[u8; 4]> {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| io::Error::other("the clock is before 1970"))?
        .as_secs();
    u32::try_from(secs)
        .map(u32::to_be_bytes)
        .map_err(|_| io::Error::other("the time no longer fits the protocol's 32 bits"))
}

/// Answers datagrams until `max_requests` have been answered (forever without it). Returns the
/// number answered.
pub fn serve(socket: &UdpSocket, max_requests: Option<u64>) -> io::Result<u64> {
    let mut buf = [0u8; 2048];
    let mut answered = 0u64;
    while super::cli::more_wanted(answered, max_requests) {
        let (_, peer) = match socket.recv_from(&mut buf) {
            Ok(got) => got,
            // An ICMP "port unreachable" for an earlier reply surfaces here on Linux; a
            // client that went away must not stop the service.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionRefused
                        | io::ErrorKind::ConnectionReset
                        | io::ErrorKind::Interrupted
                ) =>
            {
                continue;
            }
            Err(e) => return Err(e),
        };
        match reply_now().and_then(|reply| socket.send_to(&reply, peer)) {
            Ok(_) => answered += 1,
            Err(e) => eprintln!("time: cannot answer {peer}: {e}"),
        }
    }
    Ok(answered)
}

/// Asks the server at `addr` for the time, waiting at most `timeout`.
pub fn query(addr: SocketAddr, timeout: Duration) -> io::Result<u32> {
    let local: SocketAddr = if addr.is_ipv4() {
        "0.0.0.0:0".parse().map_err(io::Error::other)?
    } else {
        "[::]:0".parse().map_err(io::Error::other)?
    };
    let socket = UdpSocket::bind(local)?;
    // Connected, so only the server's replies are accepted and a closed port is reported.
    socket.connect(addr)?;
    socket.set_read_timeout(Some(timeout))?;
    socket.send(&[])?;
    let mut buf = [0u8; 512];
    let n = match socket.recv(&mut buf) {
        Ok(n) => n,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no reply within {timeout:?}"),
            ));
        }
        Err(e) => return Err(e),
    };
    match buf.get(..n) {
        Some(&[a, b, c, d]) => Ok(u32::from_be_bytes([a, b, c, d])),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the reply has {n} bytes; a time reply is exactly 4"),
        )),
    }
}

/// `secs` as RFC 3339 in UTC, e.g. `2026-11-23T10:00:00Z`.
pub fn rfc3339(secs: u32) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(secs.into())).to_string()
}
