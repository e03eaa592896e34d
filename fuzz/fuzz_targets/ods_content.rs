//! Structure-aware: the input is an .ods `content.xml` (optionally NUL and
//! `styles.xml`), zipped into a valid package and run through the whole
//! `report` pipeline.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let content = jixiao_fuzz::parts(data)[0];
    if jixiao_fuzz::known_ods_hang(content) {
        return;
    }
    jixiao_fuzz::run_book(&jixiao_fuzz::ods_from_content(data), "ods");
});
