//! Captured traffic as byte streams: a pcap or pcapng file (read with `pcap-parser`, packet
//! headers with `etherparse`) reassembled into one stream per TCP direction, or a raw file.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::{IpAddr, SocketAddr};

use etherparse::{LaxNetSlice, LaxSlicedPacket, TransportSlice};
use pcap_parser::data::{PacketData, get_packetdata};
use pcap_parser::{Linktype, PcapBlockOwned, PcapError};

/// The first bytes of a pcap (either byte order, micro- or nanosecond) or pcapng file.
const CAPTURE_MAGICS: [[u8; 4]; 5] = [
    [0xd4, 0xc3, 0xb2, 0xa1],
    [0xa1, 0xb2, 0xc3, 0xd4],
    [0x4d, 0x3c, 0xb2, 0xa1],
    [0xa1, 0xb2, 0x3c, 0x4d],
    [0x0a, 0x0d, 0x0d, 0x0a],
];

/// Whether `bytes` start like a capture file rather than a raw stream.
pub fn is_capture(bytes: &[u8]) -> bool {
    bytes
        .first_chunk::<4>()
        .is_some_and(|magic| CAPTURE_MAGICS.contains(magic))
}

/// One direction of a TCP connection, reassembled.
#[derive(Debug)]
pub struct Flow {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    /// The payload bytes in sequence order, up to the first hole.
    pub bytes: Vec<u8>,
    /// Bytes the capture lacks at the end of `bytes` (lost or not captured) before more data
    /// that was captured: the stream cannot be followed past it.
    pub hole: Option<u64>,
}

impl Flow {
    /// `10.0.0.1:5432 -> 10.0.0.2:40000`.
    pub fn name(&self) -> String {
        format!("{} -> {}", self.src, self.dst)
    }
}

/// Why a capture could not be read.
#[derive(Debug)]
pub enum CaptureError {
    /// The file is cut off inside a block.
    Truncated { packets: u64 },
    /// The file is not pcap or pcapng, or a block is malformed.
    Malformed { packets: u64, what: String },
    /// Readable, but no TCP segment carries data.
    NoTcp {
        packets: u64,
        unsupported: u64,
        damaged: u64,
    },
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { packets } => write!(
                f,
                "the capture is truncated: it ends inside the block after packet {packets}"
            ),
            Self::Malformed { packets, what } => {
                write!(f, "malformed capture after packet {packets}: {what}")
            }
            Self::NoTcp {
                packets,
                unsupported,
                damaged,
            } => {
                write!(f, "no TCP data in the capture ({packets} packets")?;
                if *unsupported > 0 {
                    write!(f, ", {unsupported} of an unsupported link type")?;
                }
                if *damaged > 0 {
                    write!(f, ", {damaged} whose headers could not be parsed")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// The reassembly state of one direction of one connection.
#[derive(Default)]
struct Reassembly {
    /// The sequence number of the first payload byte (after the SYN, or of the first segment
    /// seen), and whether a SYN set it.
    base: Option<(u32, bool)>,
    /// The furthest segment end seen: its sequence number and stream offset. Offsets of
    /// later segments are counted from it, so a stream may be longer than 4 GiB.
    last: Option<(u32, u64)>,
    /// Payload by stream offset, never overlapping: the first copy of a byte wins, as in
    /// Wireshark's stream following.
    segments: BTreeMap<u64, Vec<u8>>,
}

impl Reassembly {
    /// Whether a SYN with sequence number `seq` opens another connection on the same ports.
    fn is_new_connection(&self, seq: u32) -> bool {
        match self.base {
            Some((base, _)) => seq.wrapping_add(1) != base,
            None => false,
        }
    }

    fn add(&mut self, seq: u32, syn: bool, payload: &[u8]) {
        let first = seq.wrapping_add(u32::from(syn));
        let (base, _) = *self.base.get_or_insert((first, syn));
        let (last_seq, last_off) = *self.last.get_or_insert((base, 0));
        if payload.is_empty() {
            return;
        }
        // Relative to the furthest end seen: within 2 GiB either way.
        let delta = i64::from(first.wrapping_sub(last_seq) as i32);
        let Some(start) = last_off.checked_add_signed(delta) else {
            // Wholly or partly before the stream's start (before the capture began).
            let skip = usize::try_from(delta.unsigned_abs() - last_off).unwrap_or(usize::MAX);
            if let Some(rest) = payload.get(skip..).filter(|r| !r.is_empty()) {
                self.add(first.wrapping_add(skip as u32), false, rest);
            }
            return;
        };
        let end = start + payload.len() as u64;
        if end > last_off {
            self.last = Some((first.wrapping_add(payload.len() as u32), end));
        }
        self.insert_new(start, payload);
    }

    /// Stores the bytes of `data` (at `start`) that no earlier segment covered.
    fn insert_new(&mut self, start: u64, data: &[u8]) {
        let end = start + data.len() as u64;
        let before = self.segments.range(..start).next_back();
        let overlapping: Vec<(u64, u64)> = before
            .into_iter()
            .chain(self.segments.range(start..end))
            .map(|(&s, d)| (s, s + d.len() as u64))
            .filter(|&(_, e)| e > start)
            .collect();
        let mut pos = start;
        let mut pieces = Vec::new();
        for (s, e) in overlapping {
            if pos < s {
                pieces.push((pos, s));
            }
            pos = pos.max(e);
        }
        if pos < end {
            pieces.push((pos, end));
        }
        for (s, e) in pieces {
            let bytes = &data[(s - start) as usize..(e - start) as usize];
            self.segments.insert(s, bytes.to_vec());
        }
    }

    fn into_flow(self, src: SocketAddr, dst: SocketAddr) -> Flow {
        let mut bytes = Vec::new();
        let mut hole = None;
        for (offset, data) in self.segments {
            let have = bytes.len() as u64;
            if offset > have {
                hole = Some(offset - have);
                break;
            }
            // Segments never overlap; `offset == have` here.
            bytes.extend_from_slice(&data);
        }
        Flow {
            src,
            dst,
            bytes,
            hole,
        }
    }
}

/// What a capture held.
#[derive(Debug)]
pub struct Capture {
    /// Every TCP direction that carried data, in the order they first appeared.
    pub flows: Vec<Flow>,
    /// Set when the file ends inside a block: the packets before it were read.
    pub truncated_after: Option<u64>,
    /// Packets whose headers could not be parsed (cut short, or malformed).
    pub damaged: u64,
}

/// Reads a pcap or pcapng capture and reassembles every TCP direction that carries data, in
/// the order the directions first appear.
pub fn read_capture(input: &[u8]) -> Result<Capture, CaptureError> {
    let mut packets = 0u64;
    let mut unsupported = 0u64;
    let mut damaged = 0u64;
    let mut truncated_after = None;
    let mut reader = pcap_parser::create_reader(1 << 20, input).map_err(|e| match e {
        PcapError::Incomplete(_) | PcapError::UnexpectedEof | PcapError::Eof => {
            CaptureError::Truncated { packets: 0 }
        }
        other => CaptureError::Malformed {
            packets: 0,
            what: describe(&other),
        },
    })?;
    // Every connection direction in order of appearance; the index of the current one per
    // address pair (a new SYN on the same ports starts another).
    let mut all: Vec<((SocketAddr, SocketAddr), Reassembly)> = Vec::new();
    let mut current: HashMap<(SocketAddr, SocketAddr), usize> = HashMap::new();
    // pcapng: the link type of each interface, by index, per section.
    let mut interfaces: Vec<Linktype> = Vec::new();
    let mut legacy_link = Linktype::ETHERNET;
    loop {
        match reader.next() {
            Ok((consumed, block)) => {
                let packet = match block {
                    PcapBlockOwned::LegacyHeader(header) => {
                        legacy_link = header.network;
                        None
                    }
                    PcapBlockOwned::Legacy(b) => Some((legacy_link, b.data, b.caplen as usize)),
                    PcapBlockOwned::NG(pcap_parser::Block::SectionHeader(_)) => {
                        interfaces.clear();
                        None
                    }
                    PcapBlockOwned::NG(pcap_parser::Block::InterfaceDescription(idb)) => {
                        interfaces.push(idb.linktype);
                        None
                    }
                    PcapBlockOwned::NG(pcap_parser::Block::EnhancedPacket(epb)) => {
                        let link = interfaces
                            .get(epb.if_id as usize)
                            .copied()
                            .unwrap_or(Linktype::ETHERNET);
                        Some((link, epb.data, epb.caplen as usize))
                    }
                    PcapBlockOwned::NG(pcap_parser::Block::SimplePacket(spb)) => {
                        let link = interfaces.first().copied().unwrap_or(Linktype::ETHERNET);
                        Some((link, spb.data, spb.data.len()))
                    }
                    PcapBlockOwned::NG(_) => None,
                };
                if let Some((link, data, caplen)) = packet {
                    packets += 1;
                    let caplen = caplen.min(data.len());
                    match tcp_segment(link, data, caplen) {
                        Packet::Tcp {
                            src,
                            dst,
                            seq,
                            syn,
                            payload,
                        } => {
                            let key = (src, dst);
                            let index = match current.get(&key) {
                                Some(&i) if !(syn && all[i].1.is_new_connection(seq)) => i,
                                _ => {
                                    all.push((key, Reassembly::default()));
                                    current.insert(key, all.len() - 1);
                                    all.len() - 1
                                }
                            };
                            all[index].1.add(seq, syn, payload);
                        }
                        Packet::Other => {}
                        Packet::Damaged => damaged += 1,
                        Packet::UnsupportedLink => unsupported += 1,
                    }
                }
                reader.consume(consumed);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => {
                // A file that ends inside a block is `UnexpectedEof` on the next call.
                reader.refill().map_err(|e| CaptureError::Malformed {
                    packets,
                    what: describe(&e),
                })?;
            }
            Err(PcapError::UnexpectedEof) => {
                truncated_after = Some(packets);
                break;
            }
            Err(e) => {
                return Err(CaptureError::Malformed {
                    packets,
                    what: describe(&e),
                });
            }
        }
    }
    let flows: Vec<Flow> = all
        .into_iter()
        .map(|((src, dst), r)| r.into_flow(src, dst))
        .filter(|f| !f.bytes.is_empty() || f.hole.is_some())
        .collect();
    if flows.is_empty() {
        return Err(match truncated_after {
            Some(packets) => CaptureError::Truncated { packets },
            None => CaptureError::NoTcp {
                packets,
                unsupported,
                damaged,
            },
        });
    }
    Ok(Capture {
        flows,
        truncated_after,
        damaged,
    })
}

fn describe<I>(e: &PcapError<I>) -> String {
    match e {
        PcapError::HeaderNotRecognized => "not a pcap or pcapng file".into(),
        PcapError::BufferTooSmall => "a block larger than 1 MiB".into(),
        PcapError::ReadError => "the file could not be read".into(),
        PcapError::NomError(_, kind) => format!("unparsable block ({kind:?})"),
        PcapError::OwnedNomError(_, kind) => format!("unparsable block ({kind:?})"),
        PcapError::Eof | PcapError::UnexpectedEof | PcapError::Incomplete(_) => {
            "unexpected end of file".into()
        }
    }
}

/// What a captured packet is, as far as stream reassembly cares.
enum Packet<'a> {
    Tcp {
        src: SocketAddr,
        dst: SocketAddr,
        seq: u32,
        syn: bool,
        payload: &'a [u8],
    },
    /// Not TCP: UDP, ARP, ICMP...
    Other,
    /// Headers cut short or malformed.
    Damaged,
    /// A link type the reader does not know.
    UnsupportedLink,
}

/// The TCP segment in a packet. Lax parsing keeps what a capture cut short (snapshot length)
/// or a segmentation-offload length of 0 still holds.
fn tcp_segment(link: Linktype, data: &[u8], caplen: usize) -> Packet<'_> {
    let sliced = match get_packetdata(data, link, caplen) {
        Some(PacketData::L2(frame)) => LaxSlicedPacket::from_ethernet(frame).ok(),
        Some(PacketData::L3(_, packet)) => LaxSlicedPacket::from_ip(packet).ok(),
        Some(PacketData::L4(_, _)) => return Packet::Other,
        Some(PacketData::Unsupported(_)) | None => return Packet::UnsupportedLink,
    };
    let Some(sliced) = sliced else {
        return Packet::Damaged;
    };
    let (src_ip, dst_ip): (IpAddr, IpAddr) = match &sliced.net {
        Some(LaxNetSlice::Ipv4(ip)) => (
            ip.header().source_addr().into(),
            ip.header().destination_addr().into(),
        ),
        Some(LaxNetSlice::Ipv6(ip)) => (
            ip.header().source_addr().into(),
            ip.header().destination_addr().into(),
        ),
        _ if sliced.stop_err.is_some() => return Packet::Damaged,
        _ => return Packet::Other,
    };
    match &sliced.transport {
        // Data on a segment with RST is part of the stream too (as Wireshark follows it).
        Some(TransportSlice::Tcp(tcp)) => Packet::Tcp {
            src: SocketAddr::new(src_ip, tcp.source_port()),
            dst: SocketAddr::new(dst_ip, tcp.destination_port()),
            seq: tcp.sequence_number(),
            syn: tcp.syn(),
            payload: tcp.payload(),
        },
        _ if sliced.stop_err.is_some() => Packet::Damaged,
        _ => Packet::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(r: Reassembly) -> Flow {
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        r.into_flow(addr, addr)
    }

    #[test]
    fn reassembles_out_of_order_segments_keeping_the_first_copy_of_each_byte() {
        let mut r = Reassembly::default();
        r.add(999, true, b"");
        r.add(1006, false, b"world");
        r.add(1000, false, b"hello ");
        r.add(1000, false, b"HELLO WORLD!"); // a longer retransmission: only "!" is new
        r.add(1003, false, b"LO WOR"); // a repacketization: nothing new
        r.add(1020, false, b"after a hole");
        r.add(990, false, b"before the SYN");
        let f = flow(r);
        assert_eq!(f.bytes, b"hello world!");
        assert_eq!(f.hole, Some(8));
    }

    #[test]
    fn an_earlier_overlapping_segment_fills_only_the_gap() {
        let mut r = Reassembly::default();
        r.add(1000, false, b"ab");
        r.add(1004, false, b"ef");
        r.add(1001, false, b"XYZW"); // only offsets 2 and 3 were missing
        assert_eq!(flow(r).bytes, b"abYZef");
    }

    #[test]
    fn follows_sequence_numbers_across_the_wrap_and_past_4_gib_offsets() {
        let mut r = Reassembly::default();
        r.add(u32::MAX - 2, false, b"abc");
        r.add(0, false, b"def");
        let f = flow(r);
        assert_eq!(f.bytes, b"abcdef");
        assert_eq!(f.hole, None);
        // Offsets are counted from the furthest end, so they keep growing past 2^32.
        let mut r = Reassembly::default();
        r.add(0, false, b"x");
        for step in 1..=5u64 {
            let seq = (step << 30) as u32;
            r.add(seq, false, b"y");
        }
        assert_eq!(r.segments.keys().last(), Some(&(5 << 30)));
    }

    #[test]
    fn a_second_syn_is_another_connection_unless_it_is_a_retransmission() {
        let mut r = Reassembly::default();
        r.add(10, true, b"");
        assert!(!r.is_new_connection(10));
        assert!(r.is_new_connection(5000));
    }
}
