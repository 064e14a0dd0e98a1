#![no_main]

#[global_allocator]
static ALLOCATOR: relsync_fuzz::Counting = relsync_fuzz::Counting;

// Memory: at most 48 times the input's size, beyond 32 MiB for the program's fixed buffers.
libfuzzer_sys::fuzz_target!(|data: &[u8]| relsync_fuzz::bounded(data, 48, 32 << 20, relsync::fuzzing::diff_bodies));
