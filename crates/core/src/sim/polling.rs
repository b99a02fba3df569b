//! Keeping the pool's other workers polling while one run drives its steps.

/// Run `f`, which drives one run's steps, while the other workers of the
/// current rayon pool poll for work instead of sleeping.
///
/// Between its parallel loops a step has short sequential stretches (applying
/// agent outcomes in id order, births, bookkeeping); an idle rayon worker
/// falls asleep after a few microseconds and takes tens of microseconds to
/// wake for the next loop, many times per step. Polling workers pick the
/// next loop up at once, at the price of keeping every thread of the pool
/// busy for the whole run (OpenMP runtimes likewise spin a while before
/// they sleep). Use it only when the pool serves this one run: under
/// [`super::step`] calls that share the pool with other work (cohort replicates in
/// parallel) the other work would wait for the polling workers.
///
/// Results do not change: polling only decides when an idle worker looks
/// for work, not what any task computes.
pub fn with_polling_workers<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let others = rayon::current_num_threads().saturating_sub(1);
    if others == 0 {
        return f();
    }
    /// Tells the pollers to stop when `f` returns or unwinds.
    struct Stop<'a>(&'a AtomicBool);
    impl Drop for Stop<'_> {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Release);
        }
    }
    let (done, go, started) = (
        AtomicBool::new(false),
        AtomicBool::new(false),
        AtomicUsize::new(0),
    );
    let (done, go, started) = (&done, &go, &started);
    rayon::scope(|sc| {
        let driver = rayon::current_thread_index();
        for _ in 0..others {
            sc.spawn(move |_| {
                // A poller taken up after the run started (possibly by a
                // worker waiting inside a task the run needs) or by the
                // driver itself must not hold that thread: it returns.
                if go.load(Ordering::Acquire) || rayon::current_thread_index() == driver {
                    return;
                }
                started.fetch_add(1, Ordering::AcqRel);
                let mut idle = 0;
                while !done.load(Ordering::Acquire) {
                    if rayon::yield_now() == Some(rayon::Yield::Executed) {
                        idle = 0;
                        continue;
                    }
                    // Back off (up to 64 pauses, a few microseconds): each
                    // look for work touches the other workers' queues.
                    idle = (idle + 1).min(4);
                    for _ in 0..(4 << idle) {
                        std::hint::spin_loop();
                    }
                }
            });
        }
        // Give the idle workers a moment to take the pollers up (a bounded
        // number of yields, a few milliseconds at most; no clock needed).
        for _ in 0..20_000 {
            if started.load(Ordering::Acquire) >= others {
                break;
            }
            std::thread::yield_now();
        }
        go.store(true, Ordering::Release);
        let _stop = Stop(done);
        f()
    })
}
