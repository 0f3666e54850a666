//! The engine's time: milliseconds of wall-clock time, so that times kept in the runtime state
//! (restarts within Retry_interval, Pingpong_interval, evacuation windows) mean the same after a
//! restart of the daemon.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rgm_core::engine::Time;

pub fn now() -> Time {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    Time(since.as_millis() as u64)
}

/// The monotonic instant at which engine time `at` arrives (now if it has passed).
pub fn instant_of(at: Time) -> Instant {
    let wait = at.0.saturating_sub(now().0);
    Instant::now() + Duration::from_millis(wait)
}

/// RFC 3339 UTC with milliseconds, for the cluster log.
pub fn rfc3339(t: Time) -> String {
    let secs = (t.0 / 1000) as i64;
    let ms = t.0 % 1000;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm, restated).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}.{ms:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates() {
        assert_eq!(rfc3339(Time(0)), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(Time(951_782_400_123)), "2000-02-29T00:00:00.123Z");
        assert_eq!(rfc3339(Time(1_795_000_000_000)), "2026-11-18T11:06:40.000Z");
    }
}
