// Paired A/B of the length decoder: the release before frame formats (`uold`) and this tree
// (`unew`) alternate over the same chunks in one process; see run.sh. Both loops are kept out
// of line so neither is compiled into `main` differently from the other.
use std::hint::black_box;
use std::time::Instant;

#[inline(never)]
fn run_new(chunks: &[&[u8]], all: bool, buf: &mut [u8]) -> usize {
    use unew::{Event, FrameFormat, LengthDecoder};
    let mut d = LengthDecoder::new(FrameFormat::new().with_max_frame_len(1 << 20), buf).unwrap();
    let mut bytes = 0usize;
    for c in chunks {
        if all {
            d.decode_all(c, |e| if let Event::Frame(f) = e { bytes += black_box(f.payload).len() }).unwrap();
        } else {
            let mut input: &[u8] = c;
            loop {
                let s = d.decode(input).unwrap();
                input = &input[s.consumed..];
                match s.event { Some(Event::Frame(f)) => bytes += black_box(f.payload).len(), Some(_) => panic!(), None => break }
            }
        }
    }
    bytes
}

#[inline(never)]
fn run_old(chunks: &[&[u8]], all: bool, buf: &mut [u8]) -> usize {
    use uold::{DecoderConfig, Event, LengthDecoder};
    let mut d = LengthDecoder::new(DecoderConfig::new().max_frame_len(1 << 20), buf).unwrap();
    let mut bytes = 0usize;
    for c in chunks {
        if all {
            d.decode_all(c, |e| if let Event::Frame(f) = e { bytes += black_box(f).len() }).unwrap();
        } else {
            let mut input: &[u8] = c;
            loop {
                let s = d.decode(input).unwrap();
                input = &input[s.consumed..];
                match s.event { Some(Event::Frame(f)) => bytes += black_box(f).len(), Some(_) => panic!(), None => break }
            }
        }
    }
    bytes
}

fn main() {
    let rounds: usize = std::env::args().nth(1).map_or(41, |a| a.parse().unwrap());
    let mut buf = vec![0u8; 1 << 20];
    for (payload, chunk) in [(16usize, 16384usize), (16, 1460), (256, 16384), (256, 1460)] {
        let count = (4 << 20) / (payload + 4);
        let mut stream = Vec::new();
        for i in 0..count {
            stream.extend_from_slice(&(payload as u32).to_be_bytes());
            stream.extend(std::iter::repeat_n(i as u8, payload));
        }
        let chunks: Vec<&[u8]> = stream.chunks(chunk).collect();
        for all in [false, true] {
            let mut ratios = Vec::new();
            let (mut best_old, mut best_new) = (f64::MAX, f64::MAX);
            for r in 0..rounds {
                let mut t = [0f64; 2];
                let order = if r % 2 == 0 { [0, 1] } else { [1, 0] };
                for which in order {
                    let start = Instant::now();
                    let n = if which == 0 { run_old(&chunks, all, &mut buf) } else { run_new(&chunks, all, &mut buf) };
                    t[which] = start.elapsed().as_secs_f64();
                    assert_eq!(n, count * payload);
                }
                ratios.push(t[1] / t[0]);
                best_old = best_old.min(t[0]);
                best_new = best_new.min(t[1]);
            }
            ratios.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let med = ratios[ratios.len() / 2];
            let (q1, q3) = (ratios[ratios.len() / 4], ratios[3 * ratios.len() / 4]);
            println!(
                "{payload:>4} B / {chunk:>5} {:<10} new/old time: median {med:.3} (IQR {q1:.3}-{q3:.3}); best {:.2} vs {:.2} ns/frame",
                if all { "decode_all" } else { "decode" },
                best_new * 1e9 / count as f64,
                best_old * 1e9 / count as f64
            );
        }
    }
}
