//! `--since`: an RFC 3339 UTC time or a prefix of one (`2025-01-31`, `2025-01-31T10:00`,
//! `2025-01-31 10:00:05Z`), or a span back from now (`90s`, `15m`, `2h`, `1d`). Records are
//! compared by their time text, which the daemon writes in one fixed UTC form.

use std::time::{SystemTime, UNIX_EPOCH};

/// The lower bound as a time prefix, or why the text is not one.
pub fn parse_since(text: &str, now: SystemTime) -> Result<String, String> {
    let t = text.trim();
    if let Some(secs) = span_secs(t) {
        let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        return Ok(rfc3339(now.saturating_sub(secs)));
    }
    let t = t.strip_suffix('Z').unwrap_or(t).replacen(' ', "T", 1);
    let b = t.as_bytes();
    let well_formed = b.len() >= 4
        && b.iter().take(4).all(u8::is_ascii_digit)
        && b.iter().all(|c| c.is_ascii_digit() || b"-T:.".contains(c));
    if !well_formed {
        return Err(format!(
            "--since {text}: give a UTC time such as 2025-01-31T10:00 or a span such as 15m"
        ));
    }
    Ok(t)
}

/// Whether a record's time is at or after the bound.
pub fn at_or_after(time: &str, since: &str) -> bool {
    let head = time.get(..since.len()).unwrap_or(time);
    head >= since
}

fn span_secs(t: &str) -> Option<u64> {
    let unit = match t.chars().last()? {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    let n: u64 = t[..t.len() - 1].parse().ok()?;
    n.checked_mul(unit)
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SS` (UTC).
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn epoch_seconds_as_utc_text() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(rfc3339(1_735_689_599), "2024-12-31T23:59:59");
    }

    #[test]
    fn since_accepts_prefixes_and_spans() {
        let now = UNIX_EPOCH + Duration::from_secs(1_735_689_599);
        assert_eq!(parse_since("15m", now).unwrap(), "2024-12-31T23:44:59");
        assert_eq!(
            parse_since("2025-01-31 10:00Z", now).unwrap(),
            "2025-01-31T10:00"
        );
        assert!(parse_since("yesterday", now).is_err());
        let t = "2025-01-31T10:00:00.250Z";
        assert!(at_or_after(t, "2025-01-31T10:00:00"));
        assert!(at_or_after(t, "2025-01-31"));
        assert!(!at_or_after(t, "2025-01-31T10:01"));
    }
}
