//! Ctrl-C, `kill` and a closed terminal (SIGINT, SIGTERM, SIGHUP) remove the temporary output
//! files before the process exits with 128 + the signal number: 130, 143 and 129. In `watch`,
//! Ctrl-C is the normal way to stop: it exits with 0 after the same cleanup.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by `watch`: SIGINT ends the process successfully.
static INTERRUPT_IS_SUCCESS: AtomicBool = AtomicBool::new(false);

/// Makes Ctrl-C (SIGINT) exit with code 0 after cleanup, for commands that run until stopped.
pub(crate) fn interrupt_is_success() {
    INTERRUPT_IS_SUCCESS.store(true, Ordering::SeqCst);
}

/// Starts a thread that waits for SIGINT, SIGTERM or SIGHUP, then removes every temporary output
/// file and exits. Does nothing when the handlers cannot be installed: the signals then keep
/// their default action, which also ends the process, only without the cleanup.
#[cfg(unix)]
pub(crate) fn install() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    use signal_hook::iterator::Signals;

    let Ok(mut signals) = Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("signals".to_string())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let _removed = relapse::atomic::remove_temporaries();
                if signal == SIGINT && INTERRUPT_IS_SUCCESS.load(Ordering::SeqCst) {
                    let _ = super::console::stderr("watch: stopped\n");
                    std::process::exit(0);
                }
                std::process::exit(128 + signal);
            }
        });
}

/// No signal handling outside Unix.
#[cfg(not(unix))]
pub(crate) fn install() {}
