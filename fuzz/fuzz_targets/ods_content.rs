//! Structure-aware: the input is an .ods `content.xml` (optionally NUL and
//! `styles.xml`), zipped into a valid package and run through the whole
//! `report` pipeline.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    jixiao_fuzz::run_book(&jixiao_fuzz::ods_from_content(data), "ods");
});
