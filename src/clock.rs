//! The current time, passed in rather than read deep inside domain code, so that
//! expiry, idle timeouts and retention can be tested without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, the unit of every timestamp trohet stores.
pub type UnixTime = i64;

/// The system clock plus an offset that only tests move.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_secs: Arc<AtomicI64>,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that tests can move forward with [`Clock::advance`]. It still follows the
    /// system time, so tokens it stamps verify in relying parties that read the real clock.
    pub fn adjustable() -> Self {
        Self::default()
    }

    pub fn advance(&self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
    }

    pub fn now(&self) -> UnixTime {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        system + self.offset_secs.load(Ordering::Relaxed)
    }
}
