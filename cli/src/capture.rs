//! Captured traffic as byte streams: a pcap or pcapng file (read with `pcap-parser`, packet
//! headers with `etherparse`) reassembled into one stream per TCP direction, or a raw file.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::{IpAddr, SocketAddr};

use etherparse::{NetSlice, SlicedPacket, TransportSlice};
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
    NoTcp { packets: u64, unsupported: u64 },
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
            } => {
                write!(f, "no TCP data in the capture ({packets} packets")?;
                if *unsupported > 0 {
                    write!(f, ", {unsupported} of an unsupported link type")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// The reassembly state of one direction.
#[derive(Default)]
struct Reassembly {
    /// Sequence number of the first payload byte (after the SYN, or of the first segment seen).
    base: Option<u32>,
    /// Payload by offset from `base`.
    segments: BTreeMap<u32, Vec<u8>>,
    /// Order in which the direction was first seen, for stable output.
    first_seen: u64,
}

impl Reassembly {
    fn add(&mut self, seq: u32, syn: bool, payload: &[u8]) {
        let first = seq.wrapping_add(u32::from(syn));
        let base = *self.base.get_or_insert(first);
        if payload.is_empty() {
            return;
        }
        // Data from before the base (a retransmission of what preceded the capture) is
        // far "ahead" in wrapping arithmetic; half the sequence space is the horizon.
        let offset = first.wrapping_sub(base);
        if offset > u32::MAX / 2 {
            return;
        }
        let slot = self.segments.entry(offset).or_default();
        // A retransmission may carry more than the first copy did.
        if payload.len() > slot.len() {
            *slot = payload.to_vec();
        }
    }

    fn into_flow(self, src: SocketAddr, dst: SocketAddr) -> Flow {
        let mut bytes = Vec::new();
        let mut hole = None;
        for (offset, data) in self.segments {
            let offset = u64::from(offset);
            let have = bytes.len() as u64;
            if offset > have {
                hole = Some(offset - have);
                break;
            }
            // Overlaps (retransmissions, repacketization) add only what is new.
            let skip = usize::try_from(have - offset).unwrap_or(usize::MAX);
            if let Some(new) = data.get(skip..) {
                bytes.extend_from_slice(new);
            }
        }
        Flow {
            src,
            dst,
            bytes,
            hole,
        }
    }
}

/// Reads a pcap or pcapng capture and reassembles every TCP direction that carries data, in
/// the order the directions first appear.
pub fn read_capture(input: &[u8]) -> Result<Vec<Flow>, CaptureError> {
    let mut packets = 0u64;
    let mut unsupported = 0u64;
    let mut reader = pcap_parser::create_reader(1 << 20, input).map_err(|e| match e {
        PcapError::Incomplete(_) | PcapError::UnexpectedEof | PcapError::Eof => {
            CaptureError::Truncated { packets: 0 }
        }
        other => CaptureError::Malformed {
            packets: 0,
            what: describe(&other),
        },
    })?;
    let mut flows: HashMap<(SocketAddr, SocketAddr), Reassembly> = HashMap::new();
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
                        Some(Segment::Tcp {
                            src,
                            dst,
                            seq,
                            syn,
                            payload,
                        }) => {
                            let next = flows.len() as u64;
                            let flow = flows.entry((src, dst)).or_insert_with(|| Reassembly {
                                first_seen: next,
                                ..Reassembly::default()
                            });
                            flow.add(seq, syn, payload);
                        }
                        Some(Segment::Other) => {}
                        None => unsupported += 1,
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
            Err(PcapError::UnexpectedEof) => return Err(CaptureError::Truncated { packets }),
            Err(e) => {
                return Err(CaptureError::Malformed {
                    packets,
                    what: describe(&e),
                });
            }
        }
    }
    let mut ordered: Vec<_> = flows.into_iter().collect();
    ordered.sort_by_key(|(_, r)| r.first_seen);
    let flows: Vec<Flow> = ordered
        .into_iter()
        .map(|((src, dst), r)| r.into_flow(src, dst))
        .filter(|f| !f.bytes.is_empty() || f.hole.is_some())
        .collect();
    if flows.is_empty() {
        return Err(CaptureError::NoTcp {
            packets,
            unsupported,
        });
    }
    Ok(flows)
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
enum Segment<'a> {
    Tcp {
        src: SocketAddr,
        dst: SocketAddr,
        seq: u32,
        syn: bool,
        payload: &'a [u8],
    },
    /// Not TCP (UDP, ARP, ICMP...), or a TCP reset.
    Other,
}

/// The TCP segment in a packet, `None` for a link type or packet that cannot be parsed.
fn tcp_segment(link: Linktype, data: &[u8], caplen: usize) -> Option<Segment<'_>> {
    let sliced = match get_packetdata(data, link, caplen)? {
        PacketData::L2(frame) => SlicedPacket::from_ethernet(frame).ok()?,
        PacketData::L3(_, packet) => SlicedPacket::from_ip(packet).ok()?,
        PacketData::L4(_, _) | PacketData::Unsupported(_) => return None,
    };
    let (src_ip, dst_ip): (IpAddr, IpAddr) = match &sliced.net {
        Some(NetSlice::Ipv4(ip)) => (
            ip.header().source_addr().into(),
            ip.header().destination_addr().into(),
        ),
        Some(NetSlice::Ipv6(ip)) => (
            ip.header().source_addr().into(),
            ip.header().destination_addr().into(),
        ),
        _ => return Some(Segment::Other),
    };
    let Some(TransportSlice::Tcp(tcp)) = &sliced.transport else {
        return Some(Segment::Other);
    };
    if tcp.rst() {
        return Some(Segment::Other);
    }
    Some(Segment::Tcp {
        src: SocketAddr::new(src_ip, tcp.source_port()),
        dst: SocketAddr::new(dst_ip, tcp.destination_port()),
        seq: tcp.sequence_number(),
        syn: tcp.syn(),
        payload: tcp.payload(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reassembles_out_of_order_and_retransmitted_segments_and_stops_at_a_hole() {
        let mut r = Reassembly::default();
        r.add(999, true, b"");
        r.add(1006, false, b"world");
        r.add(1000, false, b"hello ");
        r.add(1000, false, b"hello "); // retransmitted
        r.add(1003, false, b"lo wor"); // overlapping repacketization
        r.add(1020, false, b"after a hole");
        r.add(990, false, b"before the SYN");
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let flow = r.into_flow(addr, addr);
        assert_eq!(flow.bytes, b"hello world");
        assert_eq!(flow.hole, Some(9));
    }

    #[test]
    fn follows_sequence_numbers_across_the_wrap() {
        let mut r = Reassembly::default();
        r.add(u32::MAX - 2, false, b"abc");
        r.add(0, false, b"def");
        let addr: SocketAddr = "[::1]:1".parse().unwrap();
        let flow = r.into_flow(addr, addr);
        assert_eq!(flow.bytes, b"abcdef");
        assert_eq!(flow.hole, None);
    }
}
