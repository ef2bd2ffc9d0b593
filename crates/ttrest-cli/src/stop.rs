//! [`Stop`]: the request to stop a run, carried in the [`Context`](crate::context::Context).
//!
//! `main` makes one that Ctrl-C (SIGINT) and SIGTERM trigger; a test or an
//! embedding makes its own and calls [`Stop::stop`]. Nothing is process-wide:
//! two runs in one process each have their own.

use std::sync::Arc;

use tokio::sync::watch;

/// A latch: once stopped, stays stopped. Clones share it.
#[derive(Clone, Debug)]
pub struct Stop {
    tx: Arc<watch::Sender<bool>>,
}

impl Default for Stop {
    fn default() -> Self {
        Stop::new()
    }
}

impl Stop {
    /// A handle nothing has stopped yet.
    pub fn new() -> Stop {
        Stop {
            tx: Arc::new(watch::channel(false).0),
        }
    }

    /// A handle that Ctrl-C or SIGTERM stops. The handlers are registered
    /// before this returns, so no signal can slip between two waits. Call it
    /// inside the Tokio runtime.
    pub fn on_signals() -> Stop {
        let stop = Stop::new();
        let latch = stop.clone();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let (Ok(mut int), Ok(mut term)) = (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) else {
                return stop;
            };
            tokio::spawn(async move {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
                latch.stop();
            });
        }
        #[cfg(not(unix))]
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                latch.stop();
            }
        });
        stop
    }

    /// Asks every holder of this handle to stop.
    pub fn stop(&self) {
        self.tx.send_replace(true);
    }

    /// Whether [`stop`](Self::stop) was called.
    pub fn is_stopped(&self) -> bool {
        *self.tx.borrow()
    }

    /// Resolves once [`stop`](Self::stop) is called (at once if it was already).
    pub async fn stopped(&self) {
        let mut rx = self.tx.subscribe();
        // The sender lives in `self`, so the wait cannot fail.
        let _ = rx.wait_for(|stopped| *stopped).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stop_reaches_every_clone_and_stays() {
        let stop = Stop::new();
        let other = stop.clone();
        assert!(!other.is_stopped());
        let waiting = tokio::spawn(async move { other.stopped().await });
        tokio::task::yield_now().await;
        stop.stop();
        waiting.await.unwrap();
        assert!(stop.is_stopped());
        // Already stopped: resolves at once.
        stop.stopped().await;
        assert!(!Stop::new().is_stopped(), "handles are independent");
    }
}
