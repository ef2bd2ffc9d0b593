//! `ttrest usage` and what `--follow` streams record for it.
//!
//! The day's count lives in the library's shared file
//! (`ttrest::quota::FileCount`). Each running `--follow` stream also keeps a
//! small file of its own, `<state dir>/follow-<environment>-<key>/<pid>-<stream>`
//! (`requests_per_hour <n>` and `updated <unix seconds>`), rewritten after
//! every poll; `ttrest usage` lists those updated in the last 10 minutes (a
//! stream that stopped leaves a stale file, which is ignored and removed).

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::Utc;
use ttrest::quota::{FileCount, QuotaKey};
use ttrest::Error;

use crate::context::Context;
use crate::exit::CliError;

/// How often a follow stream reads TT's own count.
const TT_USAGE_EVERY: Duration = Duration::from_secs(30 * 60);
/// Stream files older than this belong to streams that stopped.
const STALE: Duration = Duration::from_secs(600);

/// The directory of the follow streams' spend files of the session's key.
fn streams_dir(ctx: &Context) -> Option<PathBuf> {
    let s = ctx.api.session();
    let count = FileCount::in_state_dir()?;
    let key: String = s
        .app_key()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Some(
        count
            .dir()
            .join(format!("follow-{}-{key}", s.environment().segment())),
    )
}

/// One follow stream's spend, recorded for `ttrest usage`.
pub struct StreamSpend {
    path: Option<PathBuf>,
    started: Option<tokio::time::Instant>,
    requests: u64,
    tt_read: tokio::time::Instant,
}

impl StreamSpend {
    /// A stream called `name` of this process.
    pub fn start(ctx: &Context, name: &str) -> Self {
        StreamSpend {
            path: streams_dir(ctx).map(|d| d.join(format!("{}-{name}", std::process::id()))),
            started: None,
            requests: 0,
            tt_read: tokio::time::Instant::now(),
        }
    }

    /// Records a poll of `requests` (the first, the catch-up, is not the
    /// follow's spend and only starts the clock).
    pub fn record(&mut self, requests: u64) {
        let Some(started) = self.started else {
            self.started = Some(tokio::time::Instant::now());
            return;
        };
        self.requests += requests;
        let hours = started.elapsed().as_secs_f64() / 3600.0;
        let Some(path) = &self.path else { return };
        if hours <= 0.0 {
            return;
        }
        let per_hour = (self.requests as f64 / hours).round() as u64;
        let text = format!("requests_per_hour {per_hour}\nupdated {}\n", unix_now());
        // Best effort: a stream's report is informational.
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = std::fs::write(path, text);
    }

    /// Whether TT's own count is due again (every 30 minutes).
    pub fn tt_usage_due(&mut self) -> bool {
        let due = self.tt_read.elapsed() >= TT_USAGE_EVERY;
        if due {
            self.tt_read = tokio::time::Instant::now();
        }
        due
    }
}

impl Drop for StreamSpend {
    fn drop(&mut self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Reads TT's own count (`/keyusage`) into the session's, when the key
/// user's id is known; a spent day stops the run.
pub async fn read_tt_usage(ctx: &Context) -> Result<Option<u64>, CliError> {
    match ctx
        .api
        .session()
        .read_tt_usage(ctx.tt_user_id.as_deref())
        .await
    {
        Ok(used) => Ok(used),
        Err(e @ Error::QuotaExhausted { .. }) => Err(CliError::from_tt(e, ctx.env)),
        Err(_) => Ok(None),
    }
}

/// `ttrest usage`.
pub async fn run(ctx: &Context) -> Result<(), CliError> {
    let session = ctx.api.session();
    let tt = read_tt_usage(ctx).await?;
    let usage = session
        .daily_usage()
        .await
        .map_err(|e| CliError::from_tt(e, ctx.env))?;
    let key = QuotaKey::new(session.app_key(), session.environment(), Utc::now());
    let count_file = FileCount::in_state_dir().map(|c| c.path(&key));
    println!(
        "app key {} on {}, UTC day {}",
        session.app_key(),
        session.environment(),
        key.day
    );
    match &count_file {
        Some(path) => println!(
            "  counted:        {} requests today, by every ttrest on this host ({})",
            usage.used,
            path.display()
        ),
        None => println!(
            "  counted:        {} requests (no state directory: set XDG_STATE_HOME or HOME)",
            usage.used
        ),
    }
    match tt {
        Some(n) => println!("  TT's count:     {n} (/keyusage; lags up to 30 minutes)"),
        None => println!("  TT's count:     not read (give --tt-user-id or TT_USER_ID: /keyusage needs the key user's id)"),
    }
    match usage.limit {
        Some(limit) => {
            println!(
                "  daily cap:      {limit}, of which {} kept in reserve for the trader's own tools",
                usage.reserve
            );
            println!(
                "  left for ttrest: {}{}",
                usage.remaining.unwrap_or(0),
                if usage.spent {
                    " (the day is spent)"
                } else {
                    ""
                }
            );
        }
        None => println!("  daily cap:      none known (give --daily-limit or a plan)"),
    }
    let local = usage.resets_at.with_timezone(&chrono::Local);
    println!(
        "  resets:         {} ({} local time)",
        usage.resets_at.format("%Y-%m-%d %H:%M UTC"),
        local.format("%Y-%m-%d %H:%M %Z")
    );
    let streams = follow_streams(ctx);
    if streams.is_empty() {
        println!("  follow streams: none running");
    }
    for (name, per_hour) in streams {
        println!(
            "  follow stream:  {name}: {per_hour} requests/hour ({} a day)",
            per_hour * 24
        );
    }
    Ok(())
}

/// The running follow streams' names and requests per hour.
fn follow_streams(ctx: &Context) -> Vec<(String, u64)> {
    let Some(dir) = streams_dir(ctx) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let now = unix_now();
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.trim().parse::<u64>().ok())
        };
        match (field("requests_per_hour "), field("updated ")) {
            (Some(rate), Some(at)) if now.saturating_sub(at) <= STALE.as_secs() => {
                out.push((entry.file_name().to_string_lossy().into_owned(), rate));
            }
            _ => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    out.sort();
    out
}
