//! Writing records and the matrix files, one writer at a time, and the matrix printed when the
//! test process exits.

use std::path::Path;

use super::{record_path, results_dir, root, CheckRecord, Matrix};

/// This test process's own records, for the matrix printed when it exits: another test process
/// sharing the target dir may be writing records into the same results dir meanwhile.
static THIS_RUN: std::sync::Mutex<Vec<CheckRecord>> = std::sync::Mutex::new(Vec::new());

/// Writes one check's record, then rewrites the matrix files.
pub fn record(rec: &CheckRecord) {
    THIS_RUN
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(rec.clone());
    let _lock = Lock::take(&root());
    if std::fs::create_dir_all(results_dir()).is_ok() {
        for result in &rec.results {
            let one = CheckRecord {
                results: vec![result.clone()],
                ..rec.clone()
            };
            let path = record_path(&rec.clause, &rec.scenario, &result.shell);
            let tmp = path.with_extension("json.tmp");
            if std::fs::write(&tmp, serde_json::to_string_pretty(&one).unwrap_or_default()).is_ok()
            {
                let _ = std::fs::rename(&tmp, &path);
            }
        }
    }
    if let Ok(m) = Matrix::build(&crate::shell_names(), &results_dir()) {
        let _ = m.with_labels(&crate::shell_labels()).write(&root());
    }
}
/// An exclusive lock on `<dir>/matrix.lock` (flock on POSIX; nothing elsewhere), released on drop.
pub struct Lock {
    #[cfg(unix)]
    _file: Option<std::fs::File>,
}

impl Lock {
    pub fn take(dir: &Path) -> Lock {
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            let _ = std::fs::create_dir_all(dir);
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(dir.join("matrix.lock"))
                .ok();
            if let Some(f) = &file {
                // SAFETY: flock on a file descriptor we own.
                unsafe {
                    libc::flock(f.as_raw_fd(), libc::LOCK_EX);
                }
            }
            Lock { _file: file }
        }
        #[cfg(not(unix))]
        {
            let _ = dir;
            Lock {}
        }
    }
}

/// Prints the matrix to stderr when the test process exits (once per process, registered by the
/// first check). It writes to the file descriptor directly, past libtest's output capture.
pub fn print_at_exit() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        #[cfg(unix)]
        {
            extern "C" fn at_exit() {
                let records = THIS_RUN.lock().unwrap_or_else(|e| e.into_inner()).clone();
                let m = Matrix::from_records(&crate::shell_names(), &records)
                    .with_labels(&crate::shell_labels());
                let text = format!(
                    "\n==== conformance matrix: this run, {} checks ====\n{}==== all runs: {} ====\n",
                    records.len(),
                    m.text(),
                    root().join("matrix.md").display()
                );
                crate::raw_stderr(&text);
            }
            // SAFETY: registering a plain extern "C" function with atexit.
            unsafe {
                libc::atexit(at_exit);
            }
        }
    });
}
