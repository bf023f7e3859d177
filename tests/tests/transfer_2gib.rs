//! A 2 GiB file transfer in constant memory: the body streams from a generator through a
//! socket into a file, and the peak resident set of the whole process stays small.
//! Its own test binary, so nothing else inflates the peak.

use std::io::{self, Read};
use std::os::unix::net::UnixStream;

use unstick::json;
use unstick_std::transfer::{FileHeader, receive_file, sha256_hex};
use unstick_std::{JsonFrameReader, JsonFrameWriter};

const SIZE: u64 = 2 << 30;
/// Far below the 2 GiB that buffering the body would take.
const BUDGET_KIB: u64 = 64 * 1024;

/// `len` bytes of a pattern, without holding them.
struct Pattern {
    block: Vec<u8>,
    left: u64,
    at: usize,
}

impl Pattern {
    fn new(len: u64) -> Self {
        let block = (0..65_521u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        Self {
            block,
            left: len,
            at: 0,
        }
    }
}

impl Read for Pattern {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = out
            .len()
            .min(self.left as usize)
            .min(self.block.len() - self.at);
        out[..n].copy_from_slice(&self.block[self.at..self.at + n]);
        self.at = (self.at + n) % self.block.len();
        self.left -= n as u64;
        Ok(n)
    }
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn two_gib_in_constant_memory() {
    let (hash, len) = sha256_hex(Pattern::new(SIZE)).unwrap();
    assert_eq!(len, SIZE);
    let dir = tempfile::tempdir().unwrap();
    let (tx, rx) = UnixStream::pair().unwrap();
    let config = json::Config::new();
    let header = FileHeader {
        filename: "big.bin".into(),
        total_size: SIZE,
        hash: hash.clone(),
    };
    let sender = std::thread::spawn(move || {
        let mut writer = JsonFrameWriter::new(tx, config);
        writer.send(&header, Pattern::new(SIZE)).unwrap()
    });
    let mut reader = JsonFrameReader::new(rx, config);
    let file = receive_file(&mut reader, dir.path()).unwrap().unwrap();
    assert_eq!(sender.join().unwrap(), SIZE);
    assert_eq!(file.header.hash, hash);
    assert_eq!(std::fs::metadata(&file.path).unwrap().len(), SIZE);
    let peak = peak_rss_kib();
    eprintln!("2 GiB transfer: peak RSS {peak} KiB (budget {BUDGET_KIB} KiB)");
    assert!(peak < BUDGET_KIB, "peak RSS {peak} KiB");
}
