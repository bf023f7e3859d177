//! Running the `unstick` binary, and writing pcap captures of TCP sessions (packets built with
//! etherparse).

// Each test file uses part of it, and nothing here is reachable from outside the test.
#![allow(dead_code, unreachable_pub)]

use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use etherparse::PacketBuilder;

/// How long any run may take before the test fails.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `unstick args...` with `stdin` as its input; bounded by [`TIMEOUT`].
pub fn unstick(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_unstick"))
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("unstick starts");
    let mut input = child.stdin.take().expect("piped");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    // Both pipes drained while it runs, so a large output cannot block it.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped")));
    let end = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waits") {
            break status;
        }
        if Instant::now() > end {
            let _ = child.kill();
            panic!("unstick {args:?} did not finish");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = writer.join();
    Output {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

/// Stdout as text.
pub fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Stderr as text.
pub fn error_text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A capture in the classic pcap format (Ethernet link type), built packet by packet.
#[derive(Default)]
pub struct Pcap {
    packets: Vec<Vec<u8>>,
    /// Original lengths of packets captured short (snapshot length), by index.
    snapped: Vec<(usize, usize)>,
}

/// One TCP connection's two directions: sequence numbers advance as data is sent.
pub struct Session {
    pub client: ([u8; 4], u16),
    pub server: ([u8; 4], u16),
    client_seq: u32,
    server_seq: u32,
}

impl Session {
    /// A connection whose handshake is in `pcap`, with initial sequence numbers near the wrap.
    pub fn open(pcap: &mut Pcap, client_port: u16, server_port: u16) -> Self {
        Self::open_at(pcap, client_port, server_port, u32::MAX - 40)
    }

    /// [`open`](Self::open) with the client's initial sequence number.
    pub fn open_at(pcap: &mut Pcap, client_port: u16, server_port: u16, client_isn: u32) -> Self {
        let s = Self {
            client: ([127, 0, 0, 1], client_port),
            server: ([127, 0, 0, 2], server_port),
            client_seq: client_isn,
            server_seq: 1_000,
        };
        pcap.tcp(s.client, s.server, s.client_seq, true, b"");
        pcap.tcp(s.server, s.client, s.server_seq, true, b"");
        Self {
            client_seq: s.client_seq.wrapping_add(1),
            server_seq: s.server_seq.wrapping_add(1),
            ..s
        }
    }

    /// The sequence number the next byte from this side gets, and advances it by `len`.
    pub fn take(&mut self, from_client: bool, len: usize) -> u32 {
        let seq = if from_client {
            &mut self.client_seq
        } else {
            &mut self.server_seq
        };
        let now = *seq;
        *seq = seq.wrapping_add(len as u32);
        now
    }

    /// Sends `bytes` from one side in segments of the given sizes (the rest in one).
    pub fn send(&mut self, pcap: &mut Pcap, from_client: bool, bytes: &[u8], sizes: &[usize]) {
        let (src, dst) = if from_client {
            (self.client, self.server)
        } else {
            (self.server, self.client)
        };
        let mut rest = bytes;
        let mut sizes = sizes.iter();
        while !rest.is_empty() {
            let n = sizes.next().copied().unwrap_or(rest.len()).min(rest.len());
            let (segment, tail) = rest.split_at(n);
            let seq = self.take(from_client, n);
            pcap.tcp(src, dst, seq, false, segment);
            rest = tail;
        }
    }
}

impl Pcap {
    /// Appends an Ethernet/IPv4/TCP packet.
    pub fn tcp(
        &mut self,
        src: ([u8; 4], u16),
        dst: ([u8; 4], u16),
        seq: u32,
        syn: bool,
        payload: &[u8],
    ) {
        let builder = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
            .ipv4(src.0, dst.0, 64)
            .tcp(src.1, dst.1, seq, 65_535);
        let builder = if syn {
            builder.syn()
        } else {
            builder.ack(0).psh()
        };
        let mut packet = Vec::new();
        builder.write(&mut packet, payload).expect("a packet");
        self.packets.push(packet);
    }

    /// Appends an Ethernet/IPv4/UDP packet.
    pub fn udp(&mut self, src: ([u8; 4], u16), dst: ([u8; 4], u16), payload: &[u8]) {
        let mut packet = Vec::new();
        PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
            .ipv4(src.0, dst.0, 64)
            .udp(src.1, dst.1)
            .write(&mut packet, payload)
            .expect("a packet");
        self.packets.push(packet);
    }

    /// Moves the packet at `from` to `to` (a capture that saw segments out of order).
    pub fn reorder(&mut self, from: usize, to: usize) {
        let p = self.packets.remove(from);
        self.packets.insert(to, p);
    }

    /// Repeats the packet at `index` at the end (a retransmission).
    pub fn retransmit(&mut self, index: usize) {
        let p = self.packets[index].clone();
        self.packets.push(p);
    }

    pub fn len(&self) -> usize {
        self.packets.len()
    }

    /// Keeps only the first `caplen` bytes of the packet at `index`, as a capture with a short
    /// snapshot length does.
    pub fn snap(&mut self, index: usize, caplen: usize) {
        let original = self.packets[index].len();
        self.packets[index].truncate(caplen);
        self.snapped.push((index, original));
    }

    fn original_len(&self, index: usize) -> usize {
        self.snapped
            .iter()
            .find(|(i, _)| *i == index)
            .map_or(self.packets[index].len(), |(_, n)| *n)
    }

    /// The capture file: the pcap global header (version 2.4, microseconds, link type 1), then
    /// a record header and the bytes of each packet.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&4u16.to_le_bytes());
        out.extend_from_slice(&0i32.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&65_535u32.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        for (i, p) in self.packets.iter().enumerate() {
            out.extend_from_slice(&(1_700_000_000u32 + i as u32).to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&(p.len() as u32).to_le_bytes());
            out.extend_from_slice(&(self.original_len(i) as u32).to_le_bytes());
            out.extend_from_slice(p);
        }
        out
    }
}

impl Pcap {
    /// The same packets as a pcapng file: a section header, one Ethernet interface, an
    /// enhanced packet block per packet (little-endian).
    pub fn pcapng(&self) -> Vec<u8> {
        fn block(out: &mut Vec<u8>, kind: u32, body: &[u8]) {
            let padded = body.len().div_ceil(4) * 4;
            let total = (12 + padded) as u32;
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(&total.to_le_bytes());
            out.extend_from_slice(body);
            out.resize(out.len() + padded - body.len(), 0);
            out.extend_from_slice(&total.to_le_bytes());
        }
        let mut out = Vec::new();
        let mut shb = Vec::new();
        shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
        shb.extend_from_slice(&1u16.to_le_bytes());
        shb.extend_from_slice(&0u16.to_le_bytes());
        shb.extend_from_slice(&(-1i64).to_le_bytes());
        block(&mut out, 0x0a0d_0d0a, &shb);
        let mut idb = Vec::new();
        idb.extend_from_slice(&1u16.to_le_bytes());
        idb.extend_from_slice(&0u16.to_le_bytes());
        idb.extend_from_slice(&65_535u32.to_le_bytes());
        block(&mut out, 1, &idb);
        for (i, p) in self.packets.iter().enumerate() {
            let mut epb = Vec::new();
            epb.extend_from_slice(&0u32.to_le_bytes());
            let micros = (1_700_000_000u64 + i as u64) * 1_000_000;
            epb.extend_from_slice(&((micros >> 32) as u32).to_le_bytes());
            epb.extend_from_slice(&(micros as u32).to_le_bytes());
            epb.extend_from_slice(&(p.len() as u32).to_le_bytes());
            epb.extend_from_slice(&(p.len() as u32).to_le_bytes());
            epb.extend_from_slice(p);
            epb.resize(epb.len().div_ceil(4) * 4, 0);
            block(&mut out, 6, &epb);
        }
        out
    }
}

/// gRPC messages: the compressed flag, a u32be length, the message.
pub fn grpc(messages: &[(u8, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (flag, m) in messages {
        out.push(*flag);
        out.extend_from_slice(&(m.len() as u32).to_be_bytes());
        out.extend_from_slice(m);
    }
    out
}
