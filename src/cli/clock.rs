//! The date and command line a report states: the only inputs of an output that differ between
//! identical runs (a report is not byte-identical across runs; JSON, CSV and images are).

use std::time::{SystemTime, UNIX_EPOCH};

/// Now as `YYYY-MM-DD HH:MM:SS UTC`; `SOURCE_DATE_EPOCH` (seconds, reproducible-builds.org)
/// replaces the clock when set, so a report can be made byte-identical on purpose.
pub(crate) fn utc_now() -> String {
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        });
    format_utc(seconds)
}

/// `seconds` since 1970-01-01T00:00:00Z as `YYYY-MM-DD HH:MM:SS UTC`.
fn format_utc(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let time = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        time / 3600,
        time % 3600 / 60,
        time % 60
    )
}

/// The proleptic Gregorian date of a day count from 1970-01-01 (H. Hinnant, "chrono-Compatible
/// Low-Level Date Algorithms", `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The command line as typed, each argument quoted for a POSIX shell when it needs quoting.
pub(crate) fn command_line() -> String {
    std::env::args_os()
        .map(|a| shell_word(&a.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=,:+@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::{format_utc, shell_word};

    #[test]
    fn dates_match_known_instants() {
        // `date -u -d @0`, `@951782400` (a leap day) and `@1764345600` (GNU coreutils).
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(format_utc(1_764_345_600 + 3_661), "2025-11-28 17:01:01 UTC");
        assert_eq!(format_utc(-1), "1969-12-31 23:59:59 UTC");
    }

    #[test]
    fn words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("--set"), "--set");
        assert_eq!(shell_word("k=1.5"), "k=1.5");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
