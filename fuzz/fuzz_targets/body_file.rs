#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| relsync::fuzzing::body_file(data));
