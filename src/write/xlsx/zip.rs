//! The zip container of an xlsx: parts deflated beforehand (in parallel),
//! then written one after the other with their local headers, and the
//! central directory at the end. zip32 only: a workbook over 4 GB is
//! refused with a message rather than written damaged.

use std::io::{self, Write};

/// A part deflated in memory: raw deflate data, its CRC and plain size.
pub struct Part {
    pub name: String,
    pub crc: u32,
    pub size: u64,
    pub data: Vec<u8>,
}

/// A part's bytes being deflated: written in pieces, which may be deflated
/// apart and joined (`join`), so a sheet's head can follow its rows.
pub struct Deflating {
    enc: Encoder,
    crc: crc32fast::Hasher,
    size: u64,
    level: u32,
    /// Small pieces gathered before they go to the encoder (each call into
    /// it costs as much as deflating some hundred bytes).
    pending: Vec<u8>,
}

/// Pieces are gathered up to this many bytes.
const GATHER: usize = 32 * 1024;

type Encoder = flate2::write::DeflateEncoder<Vec<u8>>;

thread_local! {
    /// Encoders reset and used again: a fresh one zeroes some 300 kB of
    /// tables, which for the 80,000 small parts of a forms workbook was a
    /// tenth of the run.
    static POOL: std::cell::RefCell<Vec<(u32, Encoder)>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Deflating {
    pub fn new(level: u32) -> Self {
        let pooled = POOL.with(|p| {
            let mut p = p.borrow_mut();
            let i = p.iter().position(|(l, _)| *l == level)?;
            Some(p.swap_remove(i).1)
        });
        Deflating {
            enc: pooled
                .unwrap_or_else(|| Encoder::new(Vec::new(), flate2::Compression::new(level))),
            crc: crc32fast::Hasher::new(),
            size: 0,
            level,
            pending: Vec::new(),
        }
    }
    pub fn push(&mut self, bytes: &[u8]) {
        if self.pending.len() + bytes.len() <= GATHER {
            self.pending.extend_from_slice(bytes);
            return;
        }
        self.flush_pending();
        if bytes.len() < GATHER {
            self.pending.extend_from_slice(bytes);
        } else {
            self.deflate(bytes);
        }
    }
    fn deflate(&mut self, bytes: &[u8]) {
        self.crc.update(bytes);
        self.size += bytes.len() as u64;
        // Writing to a Vec does not fail.
        self.enc.write_all(bytes).expect("deflate into memory");
    }
    fn flush_pending(&mut self) {
        if !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            self.deflate(&pending);
            self.pending = pending;
            self.pending.clear();
        }
    }
    pub fn push_str(&mut self, s: &str) {
        self.push(s.as_bytes());
    }
    /// The data ended without a final block (a sync flush), to be followed
    /// by another piece.
    fn open_piece(mut self) -> (Vec<u8>, crc32fast::Hasher, u64) {
        self.flush_pending();
        self.enc.flush().expect("deflate into memory");
        let data = std::mem::take(self.enc.get_mut());
        (data, self.crc, self.size)
    }
    /// The last piece; the encoder, reset, goes back to the pool.
    fn final_piece(mut self) -> (Vec<u8>, crc32fast::Hasher, u64) {
        self.flush_pending();
        let Deflating {
            mut enc,
            crc,
            size,
            level,
            ..
        } = self;
        let mut data = enc.reset(Vec::new()).expect("deflate into memory");
        // Held until written: no more room than the data takes.
        data.shrink_to_fit();
        POOL.with(|p| {
            let mut p = p.borrow_mut();
            if p.len() < 4 {
                p.push((level, enc));
            }
        });
        (data, crc, size)
    }
    pub fn part(self, name: impl Into<String>) -> Part {
        let (data, crc, size) = self.final_piece();
        Part {
            name: name.into(),
            crc: crc.finalize(),
            size,
            data,
        }
    }
    /// Pieces deflated apart, joined in order into one part: each but the
    /// last ends on a byte boundary without a final block, and none refers
    /// back before its own start, so the concatenation is one valid stream.
    pub fn join(name: impl Into<String>, pieces: Vec<Deflating>) -> Part {
        let n = pieces.len();
        let mut crc: Option<crc32fast::Hasher> = None;
        let mut size = 0;
        let mut done = Vec::with_capacity(n);
        for (i, p) in pieces.into_iter().enumerate() {
            let (d, c, s) = if i + 1 == n {
                p.final_piece()
            } else {
                p.open_piece()
            };
            done.push(d);
            match &mut crc {
                None => crc = Some(c),
                Some(all) => all.combine(&c),
            }
            size += s;
        }
        // Held until written: no more room than the data takes (a
        // buffer grown by doubling may be twice as large).
        let mut data = Vec::with_capacity(done.iter().map(Vec::len).sum());
        for d in done {
            data.extend_from_slice(&d);
        }
        Part {
            name: name.into(),
            crc: crc.map_or(0, |c| c.finalize()),
            size,
            data,
        }
    }
}

/// A part from text, deflated at `level`.
pub fn part(name: impl Into<String>, text: &str, level: u32) -> Part {
    let mut d = Deflating::new(level);
    d.push_str(text);
    d.part(name)
}

struct Entry {
    name: String,
    crc: u32,
    csize: u32,
    size: u32,
    offset: u32,
}

/// Why a workbook could not be written.
#[derive(Debug)]
pub enum ZipError {
    Io(io::Error),
    /// Over zip32's 4 GB limits (a part, or the whole file).
    TooLarge,
}

impl From<io::Error> for ZipError {
    fn from(e: io::Error) -> Self {
        ZipError::Io(e)
    }
}

pub struct ZipOut<W: Write> {
    w: W,
    at: u64,
    entries: Vec<Entry>,
}

// 1980-01-01 00:00, as rust_xlsxwriter writes it: the same input gives the same file.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;

impl<W: Write> ZipOut<W> {
    pub fn new(w: W) -> Self {
        ZipOut {
            w,
            at: 0,
            entries: Vec::new(),
        }
    }
    fn put(&mut self, b: &[u8]) -> Result<(), ZipError> {
        self.w.write_all(b)?;
        self.at += b.len() as u64;
        Ok(())
    }
    pub fn add(&mut self, p: Part) -> Result<(), ZipError> {
        let big = |v: u64| v >= u32::MAX as u64;
        if big(p.size) || big(p.data.len() as u64) || big(self.at) {
            return Err(ZipError::TooLarge);
        }
        let e = Entry {
            crc: p.crc,
            csize: p.data.len() as u32,
            size: p.size as u32,
            offset: self.at as u32,
            name: p.name,
        };
        let mut h = Vec::with_capacity(30 + e.name.len());
        h.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        h.extend_from_slice(&20u16.to_le_bytes()); // version needed
        h.extend_from_slice(&(1u16 << 11).to_le_bytes()); // UTF-8 names
        h.extend_from_slice(&8u16.to_le_bytes()); // deflate
        h.extend_from_slice(&DOS_TIME.to_le_bytes());
        h.extend_from_slice(&DOS_DATE.to_le_bytes());
        h.extend_from_slice(&e.crc.to_le_bytes());
        h.extend_from_slice(&e.csize.to_le_bytes());
        h.extend_from_slice(&e.size.to_le_bytes());
        h.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes());
        h.extend_from_slice(e.name.as_bytes());
        self.put(&h)?;
        self.put(&p.data)?;
        self.entries.push(e);
        Ok(())
    }
    /// The central directory; the writer back.
    pub fn finish(mut self) -> Result<W, ZipError> {
        let start = self.at;
        let mut cd = Vec::new();
        for e in &self.entries {
            cd.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            cd.extend_from_slice(&20u16.to_le_bytes()); // made by
            cd.extend_from_slice(&20u16.to_le_bytes()); // needed
            cd.extend_from_slice(&(1u16 << 11).to_le_bytes());
            cd.extend_from_slice(&8u16.to_le_bytes());
            cd.extend_from_slice(&DOS_TIME.to_le_bytes());
            cd.extend_from_slice(&DOS_DATE.to_le_bytes());
            cd.extend_from_slice(&e.crc.to_le_bytes());
            cd.extend_from_slice(&e.csize.to_le_bytes());
            cd.extend_from_slice(&e.size.to_le_bytes());
            cd.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            cd.extend_from_slice(&0u16.to_le_bytes()); // extra
            cd.extend_from_slice(&0u16.to_le_bytes()); // comment
            cd.extend_from_slice(&0u16.to_le_bytes()); // disk
            cd.extend_from_slice(&0u16.to_le_bytes()); // internal attrs
            cd.extend_from_slice(&0u32.to_le_bytes()); // external attrs
            cd.extend_from_slice(&e.offset.to_le_bytes());
            cd.extend_from_slice(e.name.as_bytes());
        }
        let size = cd.len() as u64;
        if start + size >= u32::MAX as u64 {
            return Err(ZipError::TooLarge);
        }
        let count = self.entries.len() as u64;
        // More parts than zip32 counts (a forms workbook of 20,000 sheets
        // with their notes): the count in a zip64 end record.
        if count >= 0xFFFF {
            let end64 = start + size;
            cd.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
            cd.extend_from_slice(&44u64.to_le_bytes());
            cd.extend_from_slice(&45u16.to_le_bytes());
            cd.extend_from_slice(&45u16.to_le_bytes());
            cd.extend_from_slice(&0u32.to_le_bytes());
            cd.extend_from_slice(&0u32.to_le_bytes());
            cd.extend_from_slice(&count.to_le_bytes());
            cd.extend_from_slice(&count.to_le_bytes());
            cd.extend_from_slice(&size.to_le_bytes());
            cd.extend_from_slice(&start.to_le_bytes());
            cd.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
            cd.extend_from_slice(&0u32.to_le_bytes());
            cd.extend_from_slice(&end64.to_le_bytes());
            cd.extend_from_slice(&1u32.to_le_bytes());
        }
        let n = count.min(0xFFFF) as u16;
        cd.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        cd.extend_from_slice(&0u16.to_le_bytes());
        cd.extend_from_slice(&0u16.to_le_bytes());
        cd.extend_from_slice(&n.to_le_bytes());
        cd.extend_from_slice(&n.to_le_bytes());
        cd.extend_from_slice(&(size as u32).to_le_bytes());
        cd.extend_from_slice(&(start as u32).to_le_bytes());
        cd.extend_from_slice(&0u16.to_le_bytes());
        self.put(&cd)?;
        Ok(self.w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// More parts than zip32 can count (a forms workbook of 20,000 sheets
    /// with notes): the zip64 end record carries the count, and a reader
    /// finds every part; pieces deflated apart read back as one.
    #[test]
    fn many_parts_and_joined_pieces_read_back() {
        let mut z = ZipOut::new(Vec::new());
        let n = 70_000;
        for i in 0..n {
            z.add(part(format!("p/{i}.xml"), &format!("<x>{i}</x>"), 1))
                .unwrap();
        }
        let mut pieces = Vec::new();
        for text in ["head ", "rows ".repeat(10_000).as_str(), "tail"] {
            let mut d = Deflating::new(6);
            d.push_str(text);
            pieces.push(d);
        }
        z.add(Deflating::join("joined.xml", pieces)).unwrap();
        let bytes = z.finish().unwrap();
        let mut r = ::zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(r.len(), n + 1);
        let mut s = String::new();
        r.by_name("p/69999.xml")
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
        assert_eq!(s, "<x>69999</x>");
        s.clear();
        r.by_name("joined.xml")
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
        assert_eq!(s, format!("head {}tail", "rows ".repeat(10_000)));
    }
}
