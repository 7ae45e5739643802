//! `cli_support::input::read_limited`: any input, through a reader that hands it out in
//! chunks of any size and is interrupted now and then, under any limit.
//!
//! The input is: two bytes, the limit (little-endian); one byte, the seed of the chunk
//! sizes; then the data.
//!
//! What must hold, besides no panic:
//! - data within the limit is read whole and exactly;
//! - data past the limit is refused with `FileTooLarge` (a `TooLarge` naming the limit),
//!   and nothing past the limit is ever allocated.

#![no_main]

use std::io::{self, Read};

use cli_support::input::{Limit, TooLarge, read_limited};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let [lo, hi, seed, data @ ..] = input else {
        return;
    };
    let limit = Limit {
        bytes: u64::from(u16::from_le_bytes([*lo, *hi])),
        hint: "fuzz",
    };
    let reader = Chunks {
        data,
        at: 0,
        state: u32::from(*seed) | 1,
    };
    match read_limited(reader, limit) {
        Ok(bytes) => {
            assert!(data.len() as u64 <= limit.bytes);
            assert_eq!(bytes, data);
            assert!(
                bytes.capacity() as u64 <= limit.bytes,
                "allocated past the limit"
            );
        }
        Err(e) => {
            assert!(data.len() as u64 > limit.bytes);
            assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
            let inner = e.get_ref().and_then(|e| e.downcast_ref::<TooLarge>());
            assert_eq!(inner, Some(&TooLarge(limit)));
        }
    }
});

/// A reader of `data` in chunks of pseudo-random sizes; a size of 0 is an `Interrupted`
/// error (which `read_limited` must retry).
struct Chunks<'a> {
    data: &'a [u8],
    at: usize,
    state: u32,
}

impl Read for Chunks<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.data.len() {
            return Ok(0);
        }
        // xorshift
        self.state ^= self.state << 13;
        self.state ^= self.state >> 17;
        self.state ^= self.state << 5;
        let size = (self.state % 97) as usize;
        if size == 0 {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = size.min(buf.len()).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
