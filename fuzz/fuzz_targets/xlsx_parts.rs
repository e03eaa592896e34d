//! Structure-aware: the input is the XML parts of an .xlsx (workbook,
//! styles, shared strings, up to four sheets, split at NUL), zipped into a
//! valid package and run through the whole `report` pipeline.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    jixiao_fuzz::run_book(&jixiao_fuzz::xlsx_from_parts(data), "xlsx");
});
