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

/// A warmed-up routine that takes samples of its time per call.
///
/// Each call gets a fresh input from the setup, made before the sample's
/// clock starts; outputs are dropped after it stops. So the time is the
/// routine's alone, even for APIs that consume their input.
pub struct Sampler<'a> {
    sample: Box<dyn FnMut() -> Duration + 'a>,
}

impl<'a> Sampler<'a> {
    /// Warms `routine` up and sizes its samples.
    pub fn new<I, O>(
        mut setup: impl FnMut() -> I + 'a,
        mut routine: impl FnMut(I) -> O + 'a,
    ) -> Self {
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
        let sample = move || {
            let inputs: Vec<I> = (0..calls_per_sample).map(|_| setup()).collect();
            let mut outputs = Vec::with_capacity(calls_per_sample);
            let start = Instant::now();
            for input in inputs {
                outputs.push(routine(black_box(input)));
            }
            let elapsed = start.elapsed();
            drop(black_box(outputs));
            elapsed / calls_per_sample as u32
        };
        Self {
            sample: Box::new(sample),
        }
    }

    /// One sample: the mean time per call over a few milliseconds of calls.
    pub fn sample(&mut self) -> Duration {
        (self.sample)()
    }
}

/// The median of `samples`.
pub fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

/// [`SAMPLES`] samples of the time per call of each routine.
///
/// The routines' samples are taken in turn, so that on a shared machine the
/// i-th samples of all of them see about the same load: compare routines
/// through the ratios of their i-th samples, which hold even when the
/// absolute times drift.
pub fn sample_times<const N: usize>(mut samplers: [Sampler<'_>; N]) -> [Vec<Duration>; N] {
    let mut samples: [Vec<Duration>; N] = std::array::from_fn(|_| Vec::with_capacity(SAMPLES));
    for _ in 0..SAMPLES {
        for (sampler, samples) in samplers.iter_mut().zip(&mut samples) {
            samples.push(sampler.sample());
        }
    }
    samples
}

/// Throughput in MB/s (10^6 bytes per second) of `bytes` processed in `time`.
pub fn megabytes_per_second(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / time.as_secs_f64() / 1e6
}
