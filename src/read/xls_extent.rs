//! The extent of each sheet of an .xls, read from its cell records before
//! calamine opens it: calamine builds a dense grid per sheet from the first
//! to the last cell, so one cell at IV65536 beside one at A1 costs 16.7
//! million cells (over 1 GB). Bounded by the file: no allocation depends on
//! a size the file declares, every read is checked.

/// One worksheet's cells as calamine will lay them out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetExtent {
    pub name: String,
    /// Value cells present.
    pub cells: u64,
    /// The grid calamine allocates: values, then formulas (first..last row ×
    /// first..last column of each).
    pub dense: u64,
    /// The farthest cell (row, col), 0-based, for the message.
    pub far: (u32, u32),
}

const END_OF_CHAIN: u32 = 0xFFFF_FFFE;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// An OLE2 compound file, read just enough to get one stream.
struct Cfb<'a> {
    file: &'a [u8],
    shift: u32,
    fat: Vec<u32>,
}

impl<'a> Cfb<'a> {
    fn new(file: &'a [u8]) -> Option<Cfb<'a>> {
        if file.get(..8)? != [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] {
            return None;
        }
        let shift = u16_at(file, 0x1E)? as u32;
        if !(7..=16).contains(&shift) {
            return None;
        }
        let mut cfb = Cfb {
            file,
            shift,
            fat: Vec::new(),
        };
        let sectors = file.len() >> shift;
        // The FAT's own sectors: 109 in the header, then the DIFAT chain.
        let mut fat_sectors: Vec<u32> = (0..109)
            .filter_map(|i| u32_at(file, 0x4C + 4 * i))
            .filter(|s| (*s as usize) < sectors)
            .collect();
        let mut difat = u32_at(file, 0x44)?;
        let per = (1usize << shift) / 4 - 1;
        let mut steps = 0;
        while difat != END_OF_CHAIN && (difat as usize) < sectors && steps < sectors {
            let s = cfb.sector(difat)?;
            fat_sectors.extend(
                (0..per)
                    .filter_map(|i| u32_at(s, 4 * i))
                    .filter(|x| (*x as usize) < sectors),
            );
            difat = u32_at(s, 4 * per)?;
            steps += 1;
        }
        let mut fat = Vec::new();
        for s in fat_sectors {
            let bytes = cfb.sector(s)?;
            fat.extend(
                bytes
                    .chunks_exact(4)
                    .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            );
            if fat.len() > sectors + 1024 {
                break;
            }
        }
        cfb.fat = fat;
        Some(cfb)
    }

    fn sector(&self, n: u32) -> Option<&'a [u8]> {
        let size = 1usize << self.shift;
        let at = (n as usize + 1).checked_mul(size)?;
        self.file.get(at..at + size)
    }

    /// The bytes of a chain of regular sectors, at most `limit` of them.
    fn chain(&self, first: u32, limit: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut cur = first;
        let mut steps = 0;
        while cur != END_OF_CHAIN && steps <= self.fat.len() && out.len() < limit {
            let Some(s) = self.sector(cur) else {
                break;
            };
            out.extend_from_slice(s);
            cur = match self.fat.get(cur as usize) {
                Some(n) => *n,
                None => break,
            };
            steps += 1;
        }
        out.truncate(limit);
        out
    }

    /// The stream named `Workbook` (or `Book`, BIFF5).
    fn workbook(&self) -> Option<Vec<u8>> {
        let dir = self.chain(u32_at(self.file, 0x30)?, self.file.len());
        let mut root = None;
        let mut found = None;
        for e in dir.chunks_exact(128) {
            let len = (u16_at(e, 0x40)? as usize).min(64);
            let name: Vec<u16> = e[..len]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .take_while(|c| *c != 0)
                .collect();
            let name = String::from_utf16_lossy(&name).to_lowercase();
            let kind = e[0x42];
            let start = u32_at(e, 0x74)?;
            let size = u32_at(e, 0x78)? as usize;
            if kind == 5 {
                root = Some((start, size));
            } else if kind == 2 && (name == "workbook" || name == "book") && found.is_none() {
                found = Some((start, size));
            }
        }
        let (start, size) = found?;
        let size = size.min(self.file.len());
        let cutoff = u32_at(self.file, 0x38).unwrap_or(4096) as usize;
        if size >= cutoff {
            return Some(self.chain(start, size));
        }
        // A small stream lives in the mini stream (64-byte sectors).
        let (root_start, root_size) = root?;
        let mini = self.chain(root_start, root_size.min(self.file.len()));
        let minifat_bytes = self.chain(u32_at(self.file, 0x3C)?, self.file.len());
        let minifat: Vec<u32> = minifat_bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let mshift = u16_at(self.file, 0x20).unwrap_or(6).min(12) as usize;
        let msize = 1usize << mshift;
        let mut out = Vec::new();
        let mut cur = start;
        let mut steps = 0;
        while cur != END_OF_CHAIN && steps <= minifat.len() && out.len() < size {
            let at = cur as usize * msize;
            let Some(s) = mini.get(at..at + msize) else {
                break;
            };
            out.extend_from_slice(s);
            cur = match minifat.get(cur as usize) {
                Some(n) => *n,
                None => break,
            };
            steps += 1;
        }
        out.truncate(size);
        Some(out)
    }
}

#[derive(Default)]
struct Bounds {
    lo: Option<(u32, u32)>,
    hi: (u32, u32),
    n: u64,
}

impl Bounds {
    fn add(&mut self, row: u32, c0: u32, c1: u32) {
        let (c0, c1) = (c0.min(c1), c0.max(c1));
        self.lo = Some(match self.lo {
            Some((r, c)) => (r.min(row), c.min(c0)),
            None => (row, c0),
        });
        self.hi = (self.hi.0.max(row), self.hi.1.max(c1));
        self.n += (c1 - c0 + 1) as u64;
    }
    fn dense(&self) -> u64 {
        match self.lo {
            Some((r, c)) => (self.hi.0 - r + 1) as u64 * (self.hi.1 - c + 1) as u64,
            None => 0,
        }
    }
}

/// Each worksheet's extent; `None` when the file is no BIFF8/BIFF5 .xls we
/// can walk (calamine then says what it is).
pub fn extents(file: &[u8]) -> Option<Vec<SheetExtent>> {
    let cfb = Cfb::new(file)?;
    let wb = cfb.workbook()?;
    let mut names: Vec<(u32, String)> = Vec::new();
    let mut out = Vec::new();
    let mut at = 0usize;
    let mut depth = 0usize;
    let mut sheet: Option<(String, Bounds, Bounds)> = None;
    while let (Some(typ), Some(len)) = (u16_at(&wb, at), u16_at(&wb, at + 2)) {
        let start = at;
        // A truncated record ends the walk; what was seen still counts.
        let Some(data) = wb.get(at + 4..at + 4 + len as usize) else {
            break;
        };
        at += 4 + len as usize;
        match typ {
            // BoundSheet8: where each sheet's substream starts, and its name.
            0x0085 if depth == 1 && sheet.is_none() => {
                if let Some(pos) = u32_at(data, 0) {
                    names.push((pos, sheet_name(data.get(6..).unwrap_or_default())));
                }
            }
            0x0809 => {
                depth += 1;
                if depth == 1 {
                    let name = names
                        .iter()
                        .find(|(p, _)| *p as usize == start)
                        .map(|(_, n)| n.clone());
                    // The globals substream has no name; worksheets do.
                    sheet = name.map(|n| (n, Bounds::default(), Bounds::default()));
                }
            }
            0x000A => {
                if depth == 1
                    && let Some((name, v, f)) = sheet.take()
                {
                    out.push(SheetExtent {
                        name,
                        cells: v.n,
                        dense: v.dense().saturating_add(f.dense()),
                        far: (v.hi.0.max(f.hi.0), v.hi.1.max(f.hi.1)),
                    });
                }
                depth = depth.saturating_sub(1);
            }
            _ if depth == 1 => {
                let Some((_, v, f)) = sheet.as_mut() else {
                    continue;
                };
                let (Some(row), Some(col)) = (u16_at(data, 0), u16_at(data, 2)) else {
                    continue;
                };
                let (row, col) = (row as u32, col as u32);
                match typ {
                    // Number, Label, RString, BoolErr, Rk, LabelSst.
                    0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD => v.add(row, col, col),
                    // MulRk: first column, then the last at the end.
                    0x00BD => {
                        if let Some(last) = data.len().checked_sub(2).and_then(|e| u16_at(data, e))
                        {
                            v.add(row, col, last as u32);
                        }
                    }
                    0x0006 => {
                        v.add(row, col, col);
                        f.add(row, col, col);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if let Some((name, v, f)) = sheet {
        out.push(SheetExtent {
            name,
            cells: v.n,
            dense: v.dense().saturating_add(f.dense()),
            far: (v.hi.0.max(f.hi.0), v.hi.1.max(f.hi.1)),
        });
    }
    Some(out)
}

/// A BIFF record calamine would read into a panic or an allocation it
/// can't make: a DIMENSIONS record whose last row or column is before its
/// first (`xls.rs:665`, the subtraction overflows; wrapped, it asks for
/// terabytes and aborts) or that is larger than any .xls sheet can be, a
/// MULRK whose last column is before its first (`xls.rs:987`), a NAME
/// record too short for its fixed part (`xls.rs:838`), and what
/// [`walk_records`] finds. The record's name when there is one.
pub fn broken_record(file: &[u8]) -> Option<&'static str> {
    let wb = Cfb::new(file)?.workbook()?;
    let mut at = 0usize;
    while let (Some(typ), Some(len)) = (u16_at(&wb, at), u16_at(&wb, at + 2)) {
        let Some(data) = wb.get(at + 4..at + 4 + len as usize) else {
            break;
        };
        at += 4 + len as usize;
        match typ {
            0x0200 => {
                let (rf, rl, mut cf, cl) = match data.len() {
                    10 => (
                        u16_at(data, 0)? as u64,
                        u16_at(data, 2)? as u64,
                        u16_at(data, 4)? as u64,
                        u16_at(data, 6)? as u64,
                    ),
                    14 | 16 => (
                        u32_at(data, 0)? as u64,
                        u32_at(data, 4)? as u64,
                        u16_at(data, 8)? as u64,
                        u16_at(data, 10)? as u64,
                    ),
                    _ => continue,
                };
                if 0xFF < cf || cl < cf {
                    cf = 0;
                }
                let (end_r, end_c) = if rl >= 1 && cl >= 1 {
                    (rl - 1, cl - 1)
                } else {
                    (rf, cf)
                };
                if end_r < rf || end_c < cf {
                    return Some("DIMENSIONS");
                }
                if (end_r - rf + 1).saturating_mul(end_c - cf + 1) > 65_536 * 256 {
                    return Some("DIMENSIONS");
                }
            }
            0x00BD if data.len() >= 6 => {
                let first = u16_at(data, 2)?;
                let last = u16_at(data, data.len() - 2)?;
                if last < first {
                    return Some("MULRK");
                }
            }
            0x0018 if data.len() < 14 => return Some("NAME"),
            _ => {}
        }
    }
    walk_records(&wb)
}

/// calamine's `RecordIter`: a record with the CONTINUE records after it;
/// `Err` where calamine stops with an error (a clean refusal).
struct Records<'a> {
    stream: &'a [u8],
}

struct Rec<'a> {
    typ: u16,
    data: &'a [u8],
    cont: Vec<&'a [u8]>,
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Rec<'a>, ()>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.stream.len() < 4 {
            return (!self.stream.is_empty()).then_some(Err(()));
        }
        let typ = u16_at(self.stream, 0)?;
        let len = u16_at(self.stream, 2)? as usize;
        if self.stream.len() < len + 4 {
            return Some(Err(()));
        }
        let (rec, next) = self.stream.split_at(len + 4);
        self.stream = next;
        let mut cont = Vec::new();
        if next.len() > 4 && u16_at(next, 0) == Some(0x003C) {
            while self.stream.len() > 4 && u16_at(self.stream, 0) == Some(0x003C) {
                let len = u16_at(self.stream, 2)? as usize;
                if self.stream.len() < len + 4 {
                    return Some(Err(()));
                }
                let (c, rest) = self.stream.split_at(len + 4);
                cont.push(&c[4..]);
                self.stream = rest;
            }
        }
        Some(Ok(Rec {
            typ,
            data: &rec[4..],
            cont,
        }))
    }
}

/// The records as calamine 0.38 `Xls::parse_workbook` reads them — the
/// globals up to their EOF, then each sheet from its BoundSheet8 position —
/// checked for the lengths and positions it indexes without checking
/// (`utils::read_u16`/`read_u32`/`read_i32` on a short record, `&stream[pos..]`
/// past the stream, a NAME whose formula is longer than the record, a
/// MERGECELLS shorter than its count, an SST string cut inside its header or
/// continued by an empty CONTINUE). The record's name when one is broken;
/// `None` when the walk ends where calamine would stop with an error of its
/// own, or at the end.
fn walk_records(wb: &[u8]) -> Option<&'static str> {
    let mut biff8 = true;
    let mut positions: Vec<usize> = Vec::new();
    for rec in (Records { stream: wb }) {
        let Ok(mut r) = rec else {
            return None;
        };
        let d = r.data;
        match r.typ {
            0x002F if d.len() < 2 => return Some("FILEPASS"),
            0x0042 if d.len() < 2 => return Some("CODEPAGE"),
            0x0022 if d.len() < 2 => return Some("DATEMODE"),
            0x0809 => {
                let Some(version) = u16_at(d, 0) else {
                    return Some("BOF");
                };
                let dt = u16_at(d, 2).unwrap_or(0);
                let older = matches!(version, 0x0200 | 0x0002 | 0x0007 | 0x0300 | 0x0400 | 0x0500);
                biff8 = !(older || version == 0 && dt == 0x1000);
            }
            0x0085 => {
                if d.len() < 6 {
                    return Some("BOUNDSHEET");
                }
                positions.push(u32_at(d, 0)? as usize);
            }
            0x0018 if name_is_broken(d, biff8)? => return Some("NAME"),
            0x0017 if biff8 && d.len() < 2 => return Some("EXTERNSHEET"),
            0x00FC => {
                let broken = sst_is_broken(&mut r)?;
                if broken {
                    return Some("SST");
                }
            }
            0x000A => break,
            _ => {}
        }
    }
    for pos in positions {
        let Some(sheet) = wb.get(pos..) else {
            return Some("BOUNDSHEET");
        };
        let mut depth = 0usize;
        let mut seen_bof = false;
        for rec in (Records { stream: sheet }) {
            let Ok(r) = rec else {
                return None;
            };
            if depth > 0 {
                match r.typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            match r.typ {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                0x00E5 => {
                    let count = u16_at(r.data, 0).ok_or(()).map(|c| c as usize);
                    match count {
                        Ok(c) if r.data.len() >= 2 + 8 * c => {}
                        _ => return Some("MERGECELLS"),
                    }
                }
                0x000A => break,
                _ => {}
            }
        }
    }
    None
}

/// Lbl (NAME, MS-XLS 2.4.150) as calamine's `parse_lbl` reads it: `Some(true)`
/// when it would index past the record, `None` when it stops with an error.
fn name_is_broken(d: &[u8], biff8: bool) -> Option<bool> {
    if d.len() < 14 {
        return Some(true);
    }
    let cch = d[3] as usize;
    let cce = u16_at(d, 4)? as usize;
    if biff8 {
        // XLUnicodeStringNoCch: checked by calamine (an error).
        let flags = *d.get(14)?;
        let consumed = 1 + if flags & 1 != 0 { 2 * cch } else { cch };
        if d.len() - 14 < consumed {
            return None;
        }
    }
    if cce > d.len() {
        return Some(true);
    }
    let rgce = &d[d.len() - cce..];
    let Some(&ptg) = rgce.first() else {
        return Some(false);
    };
    // `parse_defined_names`: the bytes each reference token reads.
    let need = match (ptg, biff8) {
        (0x3a | 0x5a | 0x7a, true) => 7,
        (0x3a | 0x5a | 0x7a, false) => 18,
        (0x3b | 0x5b | 0x7b, true) => 11,
        (0x3b | 0x5b | 0x7b, false) => 21,
        (0x3c | 0x5c | 0x7c | 0x3d | 0x5d | 0x7d, true) => 3,
        (0x3c | 0x5c | 0x7c | 0x3d | 0x5d | 0x7d, false) => 13,
        _ => 0,
    };
    Some(rgce.len() < need)
}

/// SST (MS-XLS 2.4.265) as calamine's `parse_sst` reads it: `Some(true)`
/// when a string's header is cut (`read_u16`/`read_i32` on fewer bytes) or a
/// CONTINUE that carries the rest of a string is empty (`r.data[0]`);
/// `None` when calamine stops with an error.
fn sst_is_broken(r: &mut Rec) -> Option<bool> {
    fn next_part<'a>(r: &mut Rec<'a>) -> bool {
        if r.cont.is_empty() {
            false
        } else {
            r.data = r.cont.remove(0);
            true
        }
    }
    fn skip(r: &mut Rec, mut len: usize) -> Option<()> {
        while len > 0 {
            if r.data.is_empty() && !next_part(r) {
                return None;
            }
            let l = len.min(r.data.len());
            r.data = &r.data[l..];
            len -= l;
        }
        Some(())
    }
    if r.data.len() < 8 {
        return None;
    }
    r.data = &r.data[8..];
    while !r.data.is_empty() || next_part(r) {
        if r.data.is_empty() {
            continue;
        }
        if r.data.len() < 3 {
            return None;
        }
        let mut left = u16_at(r.data, 0)? as usize;
        let flags = r.data[2];
        r.data = &r.data[3..];
        let mut runs = 0usize;
        let mut ext = 0usize;
        if flags & 0x8 != 0 {
            let Some(n) = u16_at(r.data, 0) else {
                return Some(true);
            };
            runs = n as usize;
            r.data = &r.data[2..];
        }
        if flags & 0x4 != 0 {
            let Some(n) = u32_at(r.data, 0) else {
                return Some(true);
            };
            ext = n as i32 as usize;
            r.data = &r.data[4..];
        }
        let mut wide = flags & 1 != 0;
        while left > 0 {
            let chars = if wide {
                (r.data.len() / 2).min(left)
            } else {
                r.data.len().min(left)
            };
            r.data = &r.data[if wide { 2 * chars } else { chars }..];
            left -= chars;
            if left > 0 {
                if !next_part(r) {
                    return None;
                }
                let Some(&f) = r.data.first() else {
                    return Some(true);
                };
                wide = f & 1 != 0;
                r.data = &r.data[1..];
            }
        }
        skip(r, runs * 4)?;
        skip(r, ext)?;
    }
    Some(false)
}

/// ShortXLUnicodeString (BIFF8); BIFF5's 8-bit names read as Latin-1.
fn sheet_name(b: &[u8]) -> String {
    let Some(&n) = b.first() else {
        return String::new();
    };
    let n = n as usize;
    match b.get(1) {
        Some(&1) => {
            let units: Vec<u16> = b
                .get(2..2 + 2 * n)
                .unwrap_or_default()
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        Some(&0) => b
            .get(2..2 + n)
            .unwrap_or_default()
            .iter()
            .map(|c| *c as char)
            .collect(),
        _ => b
            .get(1..1 + n)
            .unwrap_or_default()
            .iter()
            .map(|c| *c as char)
            .collect(),
    }
}

/// Whether calamine would panic or loop opening this compound file: it
/// follows the sector chains of the FAT, the directory, the mini stream and
/// the Workbook stream without checking that a sector is whole, that a FAT
/// entry exists, or that a chain ends (`cfb.rs`: `Sectors::get`,
/// `get_chain`, `utils::to_u32`). Walks the same chains, bounded; `true`
/// when one of them is broken that way (a truncated or damaged file).
/// Files calamine refuses cleanly are left to it.
pub fn cfb_is_broken(file: &[u8]) -> bool {
    walk_like_calamine(file).is_err()
}

struct Broken;

fn walk_like_calamine(file: &[u8]) -> Result<(), Broken> {
    const RESERVED: u32 = 0xFFFF_FFFA;
    const DIFSECT: u32 = 0xFFFF_FFFC;
    let clean = Ok(());
    if file.len() < 512 || file[..8] != [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] {
        return clean;
    }
    let rd = |at: usize| u32_at(file, at).unwrap_or(0);
    let size: usize = match u16_at(file, 30) {
        Some(9) => 512,
        Some(12) if file.len() >= 4096 => 4096,
        _ => return clean,
    };
    if u16_at(file, 32) != Some(6) {
        return clean;
    }
    let version = u16_at(file, 26).unwrap_or(0);
    let maxid = file.len() / size;
    // Sector `id` as calamine reads it: past `maxid` a clean error (None);
    // within it but not whole in the file, a panic.
    let sector = |id: u32| -> Result<Option<&[u8]>, Broken> {
        if id as usize > maxid {
            return Ok(None);
        }
        let at = (id as usize + 1) * size;
        match file.get(at..at + size) {
            Some(s) => Ok(Some(s)),
            None => Err(Broken),
        }
    };
    let words = |b: &[u8]| -> Vec<u32> {
        b.chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    };
    let mut difat: Vec<u32> = words(&file[76..512]);
    let mut id = rd(68);
    let mut n = 0usize;
    while id < RESERVED {
        n += 1;
        if n > maxid + 1 {
            return clean;
        }
        let Some(s) = sector(id)? else {
            return clean;
        };
        difat.extend(words(s));
        id = match difat.pop() {
            Some(x) => x,
            None => return clean,
        };
    }
    let mut fats: Vec<u32> = Vec::new();
    for id in difat.into_iter().filter(|id| *id < DIFSECT) {
        let Some(s) = sector(id)? else {
            return clean;
        };
        fats.extend(words(s));
        if fats.len() > 64 * (maxid + 1) * size {
            return Err(Broken);
        }
    }
    // A chain as `get_chain` reads it, up to `len` bytes; `None` for a clean error.
    let chain = |start: u32,
                 len: usize,
                 fats: &[u32],
                 get: &dyn Fn(u32) -> Result<Option<Vec<u8>>, Broken>,
                 limit: usize|
     -> Result<Option<Vec<u8>>, Broken> {
        let mut out = Vec::new();
        let mut id = start;
        let mut steps = 0usize;
        while id != 0xFFFF_FFFE {
            let Some(s) = get(id)? else {
                return Ok(None);
            };
            let take = s.len().min(len - out.len());
            out.extend_from_slice(&s[..take]);
            if out.len() >= len {
                break;
            }
            steps += 1;
            // A chain longer than the sectors there are is a loop.
            if steps > limit {
                return Err(Broken);
            }
            id = *fats.get(id as usize).ok_or(Broken)?;
        }
        Ok(Some(out))
    };
    let regular = |id: u32| sector(id).map(|s| s.map(<[u8]>::to_vec));
    let Some(dirs) = chain(rd(48), usize::MAX, &fats, &regular, maxid + 1)? else {
        return clean;
    };
    let dirs: Vec<(String, u32, usize)> = dirs
        .chunks_exact(128)
        .map(|e| {
            let units: Vec<u16> = e[..64]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .take_while(|c| *c != 0)
                .collect();
            let len = if size == 512 {
                u32_at(e, 120).unwrap_or(0) as usize
            } else {
                u64::from_le_bytes(e[120..128].try_into().unwrap_or([0; 8])) as usize
            };
            (
                String::from_utf16_lossy(&units).to_lowercase(),
                u32_at(e, 116).unwrap_or(0),
                len,
            )
        })
        .collect();
    if dirs.is_empty() || (version != 3 && dirs[0].1 == 0xFFFF_FFFE) {
        return clean;
    }
    let mini_fat_len = rd(64) as usize;
    let (ministream, minifat) = if mini_fat_len > 0 {
        let Some(ms) = chain(dirs[0].1, dirs[0].2, &fats, &regular, maxid + 1)? else {
            return clean;
        };
        let Some(mf) = chain(
            rd(60),
            mini_fat_len.saturating_mul(size),
            &fats,
            &regular,
            maxid + 1,
        )?
        else {
            return clean;
        };
        if mf.len() % 4 != 0 {
            return Err(Broken);
        }
        (ms, words(&mf))
    } else {
        (Vec::new(), Vec::new())
    };
    let Some((_, start, len)) = dirs
        .iter()
        .find(|(n, ..)| n == "workbook")
        .or_else(|| dirs.iter().find(|(n, ..)| n == "book"))
    else {
        return clean;
    };
    if *len < 4096 {
        // Mini sectors past the mini stream are read from wherever the file
        // reader stands: a panic when it is at its end.
        let mini_max = maxid * 8;
        let mini = |id: u32| -> Result<Option<Vec<u8>>, Broken> {
            if id as usize > mini_max {
                return Ok(None);
            }
            let at = id as usize * 64;
            match ministream.get(at..at + 64) {
                Some(s) => Ok(Some(s.to_vec())),
                None => Err(Broken),
            }
        };
        chain(*start, *len, &minifat, &mini, mini_max + 1)?;
    } else {
        chain(*start, *len, &fats, &regular, maxid + 1)?;
    }
    clean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_files_give_none_or_extents_never_a_panic() {
        let cases = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz-cases");
        for e in std::fs::read_dir(cases).unwrap() {
            let bytes = std::fs::read(e.unwrap().path()).unwrap();
            let _ = extents(&bytes);
            let _ = cfb_is_broken(&bytes);
            // Every prefix of a real .xls, and each byte flipped.
            if bytes.starts_with(&[0xD0, 0xCF]) {
                for cut in (0..bytes.len()).step_by(509) {
                    let _ = extents(&bytes[..cut]);
                    let _ = cfb_is_broken(&bytes[..cut]);
                }
            }
        }
        let sample = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fuzz/corpus/read_bytes/jingyu.xls"
        ))
        .unwrap();
        assert!(!cfb_is_broken(&sample), "a whole file is not broken");
        for name in [
            "xls-fuzzer-crash-7446d836-cfb.xls",
            "xls-fuzzer-crash-aa2c762b-cfb.xls",
            "xls-truncated-8500-cfb-panic.xls",
            "xls-fuzzer-crash-bfbfbb4a-fat.xls",
        ] {
            let b = std::fs::read(format!("{cases}/{name}")).unwrap();
            assert!(cfb_is_broken(&b), "{name}");
        }
        assert_eq!(
            broken_record(&sample),
            None,
            "a whole file has no broken record"
        );
        for (name, record) in [
            ("xls-fuzzer-crash-13150640-mulrk.xls", "MULRK"),
            ("xls-fuzzer-crash-7bb8c1af-name-record.xls", "NAME"),
            ("xls-fuzzer-crash-7c631221-dimensions.xls", "DIMENSIONS"),
            ("xls-boundsheet-past-stream.xls", "BOUNDSHEET"),
            ("xls-short-codepage-read-u16.xls", "CODEPAGE"),
            ("xls-short-externsheet.xls", "EXTERNSHEET"),
            ("xls-short-bof.xls", "BOF"),
            ("xls-mergecells-count-past-record.xls", "MERGECELLS"),
            ("xls-sst-cut-ext-header-read-i32.xls", "SST"),
            ("xls-sst-empty-continue.xls", "SST"),
            ("xls-name-formula-longer-than-record.xls", "NAME"),
        ] {
            let b = std::fs::read(format!("{cases}/{name}")).unwrap();
            assert_eq!(broken_record(&b), Some(record), "{name}");
        }
        let sheets = extents(&sample).expect("the sample .xls");
        assert!(
            sheets.iter().any(|s| s.name == "项目" && s.cells > 10),
            "{sheets:?}"
        );
        assert!(sheets.iter().all(|s| s.dense < 10_000), "{sheets:?}");
        for i in (0..sample.len()).step_by(97) {
            let mut b = sample.clone();
            b[i] ^= 0xFF;
            let _ = extents(&b);
            let _ = cfb_is_broken(&b);
            let _ = broken_record(&b);
        }
    }
}
