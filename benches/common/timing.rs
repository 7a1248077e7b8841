//! Median-of-samples timing on stable Rust, without an external harness.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Samples taken per measurement, after the warm-up; the median is reported.
pub const SAMPLES: usize = 31;

/// How long the warm-up runs the routine, also used to size the samples.
const WARM_UP: Duration = Duration::from_millis(300);

/// The time one sample should take, so that the clock's resolution and the
/// loop around the routine are negligible.
const SAMPLE_TARGET: Duration = Duration::from_millis(5);

/// The median time of one call of `routine`, over [`SAMPLES`] samples taken
/// after a warm-up.
///
/// Each call gets a fresh input from `setup`, made before the sample's clock
/// starts; outputs are dropped after it stops. So the time is the routine's
/// alone, even for APIs that consume their input.
pub fn median_time<I, O>(
    mut setup: impl FnMut() -> I,
    mut routine: impl FnMut(I) -> O,
) -> Duration {
    let warm_up = Instant::now();
    let mut calls: u32 = 0;
    let mut busy = Duration::ZERO;
    while warm_up.elapsed() < WARM_UP || calls == 0 {
        let input = setup();
        let start = Instant::now();
        let output = routine(black_box(input));
        busy += start.elapsed();
        drop(black_box(output));
        calls += 1;
    }
    let per_call = busy / calls;
    let calls_per_sample = if per_call.is_zero() {
        10_000
    } else {
        (SAMPLE_TARGET.as_nanos() / per_call.as_nanos()).clamp(1, 1_000_000) as usize
    };

    let mut samples = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let inputs: Vec<I> = (0..calls_per_sample).map(|_| setup()).collect();
        let mut outputs = Vec::with_capacity(calls_per_sample);
        let start = Instant::now();
        for input in inputs {
            outputs.push(routine(black_box(input)));
        }
        let elapsed = start.elapsed();
        drop(black_box(outputs));
        samples.push(elapsed / calls_per_sample as u32);
    }
    samples.sort_unstable();
    samples[SAMPLES / 2]
}

/// Throughput in MB/s (10^6 bytes per second) of `bytes` processed in `time`.
pub fn megabytes_per_second(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / time.as_secs_f64() / 1e6
}
