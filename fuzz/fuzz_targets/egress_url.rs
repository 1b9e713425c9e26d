#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| microgov_fuzz::egress_url(data));
