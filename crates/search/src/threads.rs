//! The threads one search runs on: the calling thread and a small pool.
//!
//! A search hands work to another thread twice (the shares of its documents, then the cards of
//! its page). On a machine whose idle cores sleep, as virtual machines' do, waking a sleeping
//! pool thread takes longer than a share takes to run (measured here: 0.15–0.2 ms, twice per
//! query). Two habits keep that out of a search's time:
//!
//! - the calling thread never waits for a share to start: shares are claimed one at a time by
//!   whichever thread is free, so a late pool thread finds nothing left and a search is at worst
//!   as fast as on one thread;
//! - a search keeps one pool thread awake (looking for work, yielding its core to any thread
//!   that wants it) until shortly after it ends, so the next hand-off, and the next search's,
//!   find it running.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a pool thread stays awake after a search last asked it to.
const KEEP_AWAKE: Duration = Duration::from_millis(2);
/// How long the calling thread waits, awake, for the shares other threads are running, before
/// it blocks.
const WAIT_AWAKE: Duration = Duration::from_millis(5);

pub(crate) struct SearchThreads {
    /// `None`: everything runs on the calling thread.
    pool: Option<rayon::ThreadPool>,
    threads: usize,
    awake: Arc<Awake>,
}

struct Awake {
    epoch: Instant,
    /// Nanoseconds after `epoch` until which a pool thread stays awake.
    until: AtomicU64,
    /// Whether a pool thread is staying awake now.
    watching: AtomicBool,
}

impl Awake {
    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

impl SearchThreads {
    /// `threads` in all, the calling thread included (a pool of as many, so that concurrent
    /// searches each find one free).
    pub(crate) fn new(threads: usize) -> Self {
        let threads = threads.max(1);
        let pool = (threads > 1)
            .then(|| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .thread_name(|i| format!("kynnys-search-{i}"))
                    .build()
                    .map_err(|e| tracing::warn!(error = %e, "searching on the calling thread only"))
                    .ok()
            })
            .flatten();
        Self {
            threads: if pool.is_some() { threads } else { 1 },
            pool,
            awake: Arc::new(Awake {
                epoch: Instant::now(),
                until: AtomicU64::new(0),
                watching: AtomicBool::new(false),
            }),
        }
    }

    pub(crate) fn threads(&self) -> usize {
        self.threads
    }

    /// Keeps a pool thread awake until [`KEEP_AWAKE`] from now: called as a search starts, so
    /// that the pool thread is up by the time the search hands it a share.
    pub(crate) fn wake(&self) {
        let Some(pool) = &self.pool else {
            return;
        };
        let awake = &self.awake;
        let until = awake.now().saturating_add(KEEP_AWAKE.as_nanos() as u64);
        awake.until.fetch_max(until, Ordering::AcqRel);
        if awake.watching.swap(true, Ordering::AcqRel) {
            return;
        }
        let awake = awake.clone();
        pool.spawn(move || {
            loop {
                while awake.now() < awake.until.load(Ordering::Acquire) {
                    if !matches!(rayon::yield_now(), Some(rayon::Yield::Executed)) {
                        std::thread::yield_now();
                    }
                }
                awake.watching.store(false, Ordering::Release);
                // A search may have asked for more after the last look and before the flag
                // went down: stay if so, unless another thread took over.
                if awake.now() >= awake.until.load(Ordering::Acquire)
                    || awake.watching.swap(true, Ordering::AcqRel)
                {
                    break;
                }
            }
        });
    }

    /// `f` of each of `args`, in the order of `args`, on this thread and the pool's: each
    /// thread claims the next argument not yet claimed until none is left.
    pub(crate) fn run<A, R, F>(&self, args: Vec<A>, f: F) -> Vec<R>
    where
        A: Send,
        R: Send,
        F: Fn(A) -> R + Sync,
    {
        let count = args.len();
        let pool = match &self.pool {
            Some(pool) if count > 1 => pool,
            _ => return args.into_iter().map(f).collect(),
        };
        let args: Vec<Mutex<Option<A>>> = args.into_iter().map(|a| Mutex::new(Some(a))).collect();
        let results: Vec<Mutex<Option<R>>> = (0..count).map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let work = || {
            loop {
                let i = next.fetch_add(1, Ordering::AcqRel);
                let Some(arg) = args.get(i) else {
                    break;
                };
                let arg = arg.lock().ok().and_then(|mut a| a.take());
                if let Some(arg) = arg {
                    let result = f(arg);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(result);
                    }
                }
                done.fetch_add(1, Ordering::AcqRel);
            }
        };
        pool.in_place_scope(|scope| {
            for _ in 1..count.min(self.threads) {
                scope.spawn(|_| work());
            }
            work();
            // The shares left are running on other threads: wait for them awake (a blocked
            // thread would wait for its core to wake up too), then block.
            let waited = Instant::now();
            while done.load(Ordering::Acquire) < count && waited.elapsed() < WAIT_AWAKE {
                std::hint::spin_loop();
            }
        });
        // Every share has run when the scope ends (it waits for what it spawned).
        results
            .into_iter()
            .filter_map(|slot| slot.into_inner().ok().flatten())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_argument_runs_once_and_results_keep_their_order() {
        for threads in [1, 2, 3] {
            let pool = SearchThreads::new(threads);
            for count in [0usize, 1, 2, 5, 40] {
                let runs = AtomicUsize::new(0);
                let results = pool.run((0..count).collect(), |i| {
                    runs.fetch_add(1, Ordering::Relaxed);
                    i * 10
                });
                assert_eq!(results, (0..count).map(|i| i * 10).collect::<Vec<_>>());
                assert_eq!(runs.load(Ordering::Relaxed), count);
            }
        }
    }

    #[test]
    fn shares_run_on_several_threads_and_the_pool_sleeps_again() {
        let pool = SearchThreads::new(2);
        assert_eq!(pool.threads(), 2);
        pool.wake();
        // Each share waits until both have started: it ends only if two threads run them.
        let started = AtomicUsize::new(0);
        let names = pool.run(vec![(); 2], |()| {
            started.fetch_add(1, Ordering::AcqRel);
            let waited = Instant::now();
            while started.load(Ordering::Acquire) < 2 && waited.elapsed() < Duration::from_secs(5) {
                std::thread::yield_now();
            }
            std::thread::current().name().map(str::to_owned)
        });
        assert_eq!(started.load(Ordering::Acquire), 2);
        assert_eq!(names.len(), 2);
        assert_ne!(names[0], names[1], "two threads ran the two shares");
        // The pool thread kept awake gives up once nothing asked for it for a while.
        let waited = Instant::now();
        while pool.awake.watching.load(Ordering::Acquire)
            && waited.elapsed() < Duration::from_secs(5)
        {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(!pool.awake.watching.load(Ordering::Acquire));
    }
}
