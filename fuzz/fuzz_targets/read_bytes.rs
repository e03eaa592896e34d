//! Raw bytes as a workbook file (.xls / .ods / .xlsb / .xlsx by content)
//! through the whole `report` pipeline, outputs rendered in memory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    jixiao_fuzz::run_book(data, jixiao_fuzz::sniff(data));
});
