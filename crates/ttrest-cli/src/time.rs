//! `--since`/`--until` as people write them, resolved to epoch nanoseconds.
//!
//! Ranges are half-open, `[since, until)`. The accepted forms ([`FORMS`]):
//! RFC 3339; a date (its first instant, or with `--tz`/`--day-start` the start
//! of that trading day); `today` and `yesterday` (the trading day containing
//! now, and the one before); an epoch number with its unit (`s`, `ms`, `us`,
//! `ns`); a duration back from now (`90m`, `12h`, `1d`, `2w`). A bare number is
//! refused, as seconds, milliseconds and nanoseconds all look alike; only `0`,
//! the same instant in every unit, needs none.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use ttrest::scalar::Timestamp;

/// The forms `--since`/`--until` accept, for error messages and help.
pub const FORMS: &str = "RFC 3339 (2026-11-20T14:30:00Z, 2026-11-20T08:30:00-06:00), \
a date (2026-11-20: its first instant, or the trading day with --tz/--day-start), \
today, yesterday, an epoch number with its unit (1795185000s, 1795185000123ms, \
1795185000123456us, 1795185000123456789ns; 0 needs none), or a time back from now \
(90m, 12h, 1d, 2w)";

/// A time as given on the command line, before the zone is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeSpec {
    /// An exact instant (RFC 3339 or epoch with unit), in epoch ns.
    Instant(i64),
    /// A calendar date: the start of that (trading) day.
    Date(NaiveDate),
    /// The trading day containing now.
    Today,
    /// The trading day before today.
    Yesterday,
    /// Now minus this many nanoseconds.
    Ago(i64),
}

/// Why a time could not be read: names what was given and every accepted form.
#[derive(Debug, PartialEq, Eq)]
pub struct TimeError(String);

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TimeError {}

fn refuse(why: impl fmt::Display) -> TimeError {
    TimeError(format!("{why}; accepted: {FORMS}"))
}

impl FromStr for TimeSpec {
    type Err = TimeError;

    fn from_str(text: &str) -> Result<TimeSpec, TimeError> {
        let s = text.trim();
        match s.to_ascii_lowercase().as_str() {
            "today" => return Ok(TimeSpec::Today),
            "yesterday" => return Ok(TimeSpec::Yesterday),
            _ => {}
        }
        // Zero is the same instant in every unit.
        if !s.is_empty() && s.bytes().all(|b| b == b'0') {
            return Ok(TimeSpec::Instant(0));
        }
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refuse(format!(
                "`{s}` is a bare number: give its unit (`{s}s`, `{s}ms`, `{s}us` or `{s}ns`), \
                 or write a date as YYYY-MM-DD"
            )));
        }
        if let Some(spec) = number_with_unit(s)? {
            return Ok(spec);
        }
        if let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Ok(TimeSpec::Date(date));
        }
        match DateTime::parse_from_rfc3339(s) {
            Ok(t) => t
                .timestamp_nanos_opt()
                .map(TimeSpec::Instant)
                .ok_or_else(|| refuse(format!("`{s}` is outside 1677..2262"))),
            Err(e) => Err(refuse(format!("cannot read `{s}` as a time ({e})"))),
        }
    }
}

/// `1795185000s` and the other epoch units, or `90m` and the other durations.
fn number_with_unit(s: &str) -> Result<Option<TimeSpec>, TimeError> {
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    if digits.is_empty() {
        return Ok(None);
    }
    let scale: (i64, bool) = match unit {
        "s" => (1_000_000_000, false),
        "ms" => (1_000_000, false),
        "us" | "µs" => (1_000, false),
        "ns" => (1, false),
        "m" => (60 * 1_000_000_000, true),
        "h" => (3_600 * 1_000_000_000, true),
        "d" => (86_400 * 1_000_000_000, true),
        "w" => (7 * 86_400 * 1_000_000_000, true),
        _ => return Ok(None),
    };
    let value = digits
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(scale.0))
        .ok_or_else(|| refuse(format!("`{s}` is too large")))?;
    Ok(Some(match scale.1 {
        true => TimeSpec::Ago(value),
        false => TimeSpec::Instant(value),
    }))
}

/// What a date means: the zone and the time of day a trading day starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayRule {
    /// The zone dates are read in (UTC unless `--tz`).
    pub tz: Tz,
    /// When a day starts there (midnight unless `--day-start`).
    pub start: NaiveTime,
}

impl Default for DayRule {
    fn default() -> Self {
        DayRule {
            tz: Tz::UTC,
            start: NaiveTime::MIN,
        }
    }
}

/// `--tz`: an IANA zone name such as `America/Chicago`.
pub fn parse_tz(s: &str) -> Result<Tz, String> {
    s.trim().parse::<Tz>().map_err(|_| {
        format!("`{s}` is not an IANA time zone; give Area/City, e.g. America/Chicago, Europe/London or UTC")
    })
}

/// `--day-start`: `HH:MM` (24-hour).
pub fn parse_day_start(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| format!("`{s}` is not a time of day as HH:MM (24-hour), e.g. 17:00"))
}

impl DayRule {
    /// The first instant of the trading day named by `date`.
    fn start_of(&self, date: NaiveDate) -> Result<i64, TimeError> {
        let local = date.and_time(self.start);
        let at = match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => t,
            // A clock change repeats the hour: the first time it is.
            LocalResult::Ambiguous(first, _) => first,
            // A clock change skips it: the day starts when the clock resumes.
            LocalResult::None => {
                let later = local + Duration::hours(1);
                self.tz
                    .from_local_datetime(&later)
                    .earliest()
                    .ok_or_else(|| refuse(format!("{local} does not exist in {}", self.tz)))?
            }
        };
        at.timestamp_nanos_opt()
            .ok_or_else(|| refuse(format!("{date} is outside 1677..2262")))
    }

    /// The trading date containing the instant `ns`.
    fn date_of(&self, ns: i64) -> NaiveDate {
        let local = Utc.timestamp_nanos(ns).with_timezone(&self.tz);
        let date = local.date_naive();
        match local.time() < self.start {
            true => date.pred_opt().unwrap_or(date),
            false => date,
        }
    }
}

impl TimeSpec {
    /// The instant this names, in epoch ns, with dates read by `rule` and
    /// relative forms counted from `now` (epoch ns).
    pub fn resolve(self, rule: &DayRule, now: i64) -> Result<i64, TimeError> {
        match self {
            TimeSpec::Instant(ns) => Ok(ns),
            TimeSpec::Date(date) => rule.start_of(date),
            TimeSpec::Today => rule.start_of(rule.date_of(now)),
            TimeSpec::Yesterday => {
                let today = rule.date_of(now);
                rule.start_of(today.pred_opt().unwrap_or(today))
            }
            TimeSpec::Ago(ns) => Ok(now.saturating_sub(ns)),
        }
    }
}

/// What a date means: `--tz` and `--day-start`.
#[derive(Debug, clap::Args)]
pub struct DayArgs {
    /// Read dates, `today` and `yesterday` in this IANA zone (Area/City) [default: UTC].
    #[arg(long, value_name = "AREA/CITY", value_parser = parse_tz)]
    pub tz: Option<chrono_tz::Tz>,
    /// A (trading) day starts at this local time, HH:MM; a date means the day
    /// that starts on it [default: 00:00].
    #[arg(long, value_name = "HH:MM", value_parser = parse_day_start)]
    pub day_start: Option<chrono::NaiveTime>,
}

impl DayArgs {
    /// The rule dates are read by.
    pub fn rule(&self) -> DayRule {
        let default = DayRule::default();
        DayRule {
            tz: self.tz.unwrap_or(default.tz),
            start: self.day_start.unwrap_or(default.start),
        }
    }
}

/// Now, in epoch ns.
pub fn now_ns() -> i64 {
    Timestamp::now().map_or(0, Timestamp::as_nanos)
}

/// clap's parser for `--since`/`--until`.
pub fn parse_time(s: &str) -> Result<TimeSpec, String> {
    s.parse::<TimeSpec>().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOON: i64 = 1_795_185_000_000_000_000; // 2026-11-20T14:30:00Z

    fn at(s: &str) -> i64 {
        s.parse::<TimeSpec>()
            .unwrap()
            .resolve(&DayRule::default(), NOON)
            .unwrap()
    }

    #[test]
    fn epoch_numbers_carry_their_unit() {
        assert_eq!(at("1795185000s"), NOON);
        assert_eq!(at("1795185000000ms"), NOON);
        assert_eq!(at("1795185000000000us"), NOON);
        assert_eq!(at("1795185000000000000ns"), NOON);
        assert_eq!(at("0"), 0);
        for bare in ["1795185000", "1795185000123", "20261120"] {
            let err = bare.parse::<TimeSpec>().unwrap_err().to_string();
            assert!(
                err.contains(&format!("{bare}s")) && err.contains("RFC 3339"),
                "{err}"
            );
        }
    }

    #[test]
    fn dates_rfc3339_and_relative_forms() {
        assert_eq!(at("2026-11-20T14:30:00Z"), NOON);
        assert_eq!(at("2026-11-20T08:30:00-06:00"), NOON);
        assert_eq!(at("2026-11-20"), NOON - (14 * 3600 + 1800) * 1_000_000_000);
        assert_eq!(at("today"), at("2026-11-20"));
        assert_eq!(at("yesterday"), at("2026-11-19"));
        assert_eq!(at("90m"), NOON - 90 * 60 * 1_000_000_000);
        assert_eq!(at("1d"), NOON - 86_400 * 1_000_000_000);
        assert!("soon".parse::<TimeSpec>().is_err());
        assert!("1y".parse::<TimeSpec>().is_err());
    }

    #[test]
    fn trading_days_start_at_the_day_start_in_the_zone() {
        let chicago = DayRule {
            tz: parse_tz("America/Chicago").unwrap(),
            start: parse_day_start("17:00").unwrap(),
        };
        let resolve = |s: &str, now: i64| {
            s.parse::<TimeSpec>()
                .unwrap()
                .resolve(&chicago, now)
                .unwrap()
        };
        // 2026-11-20 17:00 CST is 23:00 UTC.
        let start = NOON + (8 * 3600 + 1800) * 1_000_000_000;
        assert_eq!(resolve("2026-11-20", NOON), start);
        // At 08:30 local the day that started at 17:00 the day before is today.
        assert_eq!(resolve("today", NOON), resolve("2026-11-19", NOON));
        assert_eq!(resolve("today", start), start);
        assert_eq!(resolve("yesterday", start), resolve("2026-11-19", NOON));
        assert!(parse_tz("Mars/Olympus")
            .unwrap_err()
            .contains("Mars/Olympus"));
        assert!(parse_day_start("25:00").is_err());
    }

    #[test]
    fn a_skipped_local_time_starts_the_day_when_the_clock_resumes() {
        // 2026-03-08 02:00 does not exist in Chicago (clocks go 02:00 -> 03:00 CDT).
        let rule = DayRule {
            tz: parse_tz("America/Chicago").unwrap(),
            start: parse_day_start("02:00").unwrap(),
        };
        let ns = TimeSpec::Date(NaiveDate::from_ymd_opt(2026, 3, 8).unwrap())
            .resolve(&rule, NOON)
            .unwrap();
        assert_eq!(
            Timestamp::from_nanos(ns).to_rfc3339(),
            "2026-03-08T08:00:00Z"
        );
    }
}
