//! Lines written by a thread of their own, so that a request never waits on a `write`
//! syscall or on another request's write: the audit log and the server's log lines.
//!
//! Callers append complete lines to a shared buffer (a copy under a mutex: no syscall,
//! and a wake-up only for the first line of a batch); the writer thread writes the whole
//! buffer at once, then lets lines gather for [`FLUSH_INTERVAL`], so a line is written at
//! most that long after it was appended and a busy server pays one syscall per interval,
//! not one per line. [`LogSpool::flush`] waits until every line appended before it is
//! written, and dropping the [`LogSpool`] flushes. No line is ever dropped: a caller appending to a buffer above
//! [`MAX_BUFFER_BYTES`] waits until the writer has emptied it.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// How long a line may wait in the buffer.
pub(crate) const FLUSH_INTERVAL: Duration = Duration::from_millis(5);

/// Above this, appending waits for the writer.
pub(crate) const MAX_BUFFER_BYTES: usize = 4 * 1024 * 1024;

#[derive(Default)]
struct State {
    buffer: Vec<u8>,
    lines: u64,
    /// Flushes asked for, and the last one done.
    asked: u64,
    done: u64,
}

struct Shared {
    state: Mutex<State>,
    /// Wakes the writer (a flush is asked for, or the buffer is full).
    wake: Condvar,
    /// Wakes the callers waiting for a flush or for room.
    written: Condvar,
    failures: AtomicU64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn append(&self, line: &[u8]) {
        let mut state = self.lock();
        while state.buffer.len() >= MAX_BUFFER_BYTES {
            self.wake.notify_one();
            state = self
                .written
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        let was_empty = state.buffer.is_empty();
        state.buffer.extend_from_slice(line);
        state.lines += 1;
        if was_empty {
            self.wake.notify_one();
        }
    }

    fn flush(&self) {
        let mut state = self.lock();
        state.asked += 1;
        let mine = state.asked;
        self.wake.notify_one();
        while state.done < mine {
            state = self
                .written
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// A writer thread and its buffer (see the module documentation).
///
/// ```
/// use std::io::Write as _;
/// let path = std::env::temp_dir().join(format!("spool-doc-{}.log", std::process::id()));
/// let spool = cos_vending::LogSpool::new(Box::new(std::fs::File::create(&path).unwrap())).unwrap();
/// spool.send(b"one\n");
/// spool.writer().write_all(b"two\n").unwrap();
/// spool.flush();
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\ntwo\n");
/// assert_eq!(spool.failures(), 0);
/// ```
pub struct LogSpool {
    writer: SpoolWriter,
}

impl fmt::Debug for LogSpool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogSpool")
            .field("failures", &self.failures())
            .finish_non_exhaustive()
    }
}

/// A handle appending to a [`LogSpool`]'s buffer: each `write` call must be one complete
/// line (as `tracing-subscriber` writes each event), so it can serve as a `MakeWriter`
/// (`move || writer.clone()`).
#[derive(Clone)]
pub struct SpoolWriter {
    shared: Arc<Shared>,
}

impl fmt::Debug for SpoolWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpoolWriter").finish_non_exhaustive()
    }
}

impl LogSpool {
    /// Starts the writer thread for `out`; it ends once every handle is gone and the
    /// buffer is written.
    pub fn new(out: Box<dyn Write + Send>) -> io::Result<Self> {
        let shared = Arc::new(Shared {
            state: Mutex::default(),
            wake: Condvar::new(),
            written: Condvar::new(),
            failures: AtomicU64::new(0),
        });
        let thread = shared.clone();
        std::thread::Builder::new()
            .name("cos-vending-log".into())
            .spawn(move || write_lines(&thread, out))?;
        Ok(Self {
            writer: SpoolWriter { shared },
        })
    }

    /// Appends one line (with its newline).
    pub fn send(&self, line: &[u8]) {
        self.writer.shared.append(line);
    }

    /// A handle appending to this spool.
    pub fn writer(&self) -> SpoolWriter {
        self.writer.clone()
    }

    /// Waits until every line appended before this call is written and flushed.
    pub fn flush(&self) {
        self.writer.shared.flush();
    }

    /// Lines that could not be written.
    pub fn failures(&self) -> u64 {
        self.writer.shared.failures.load(Ordering::Relaxed)
    }
}

impl Drop for LogSpool {
    fn drop(&mut self) {
        self.flush();
    }
}

impl Write for SpoolWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.shared.append(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The writer thread: waits for a line, writes the whole buffer, then lets lines gather for
/// [`FLUSH_INTERVAL`] unless someone waits; a failed write counts each of its lines once and
/// drops them.
fn write_lines(shared: &Arc<Shared>, mut out: Box<dyn Write + Send>) {
    let mut spare = Vec::new();
    let mut state = shared.lock();
    loop {
        while state.buffer.is_empty() && state.done == state.asked {
            if Arc::strong_count(shared) == 1 {
                return;
            }
            // The timeout only notices that every handle is gone.
            state = shared
                .wake
                .wait_timeout(state, Duration::from_millis(100))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        std::mem::swap(&mut state.buffer, &mut spare);
        let lines = std::mem::take(&mut state.lines);
        let asked = state.asked;
        drop(state);
        if !spare.is_empty() && out.write_all(&spare).and_then(|()| out.flush()).is_err() {
            shared.failures.fetch_add(lines, Ordering::Relaxed);
        }
        spare.clear();
        state = shared.lock();
        state.done = asked;
        shared.written.notify_all();
        if state.done == state.asked && state.buffer.len() < MAX_BUFFER_BYTES {
            drop(state);
            std::thread::sleep(FLUSH_INTERVAL);
            state = shared.lock();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_from_many_threads_all_arrive_whole() {
        let sink = Shared::default();
        let spool = LogSpool::new(Box::new(sink.clone())).unwrap();
        std::thread::scope(|scope| {
            for t in 0..4 {
                let writer = spool.writer();
                scope.spawn(move || {
                    let mut writer = writer;
                    for n in 0..2000 {
                        writer
                            .write_all(format!("thread {t} line {n}\n").as_bytes())
                            .unwrap();
                    }
                });
            }
        });
        spool.flush();
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 8000);
        for t in 0..4 {
            let mine: Vec<&str> = text
                .lines()
                .filter(|l| l.starts_with(&format!("thread {t} ")))
                .collect();
            let expected: Vec<String> = (0..2000).map(|n| format!("thread {t} line {n}")).collect();
            assert_eq!(mine, expected, "every line of a thread, whole and in order");
        }
    }

    #[test]
    fn failures_are_counted_and_drop_flushes() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("closed"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let broken = LogSpool::new(Box::new(Broken)).unwrap();
        broken.send(b"x\n");
        broken.send(b"y\n");
        broken.flush();
        assert_eq!(broken.failures(), 2, "each lost line counted once");
        let sink = Shared::default();
        {
            let spool = LogSpool::new(Box::new(sink.clone())).unwrap();
            spool.send(b"last\n");
        }
        assert_eq!(sink.0.lock().unwrap().as_slice(), b"last\n");
    }
}
