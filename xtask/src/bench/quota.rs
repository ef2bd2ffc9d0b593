//! The day's quota rows: requests per 100k fills against the ideal
//! (`benches/sandbox_e2e.rs requests`, against the sandbox), and the requests
//! per day of the default follow at 2 fills a second for plans Free and High.
//!
//! The follow day is simulated on tokio's paused clock (a day in seconds of
//! real time) against an in-memory ledger answering like TT's `/fills` (the
//! sandbox cannot be run for a day): `watch_fills` with the options of
//! `ttrest sync fills --follow` (half the plan's day, 5 s to 60 s, a 15-minute
//! rescan). The paced stream is the same code the CLI runs.

use std::path::Path;

use anyhow::Context;
use serde_json::Value;

use super::{cargo, Row};

const REQUESTS: &str = "cargo bench -p ttrest-sandbox --bench sandbox_e2e -- requests";
const FOLLOW: &str = "cargo test -p ttrest --lib follow_day -- --ignored --nocapture";

/// Runs both measurements and turns them into rows.
pub fn rows(root: &Path) -> anyhow::Result<Vec<Row>> {
    let mut args: Vec<&str> = REQUESTS.split(' ').skip(1).collect();
    args.push("--json");
    let mut out = cargo(root, &args)?;
    out.push_str(&cargo(
        root,
        &FOLLOW.split(' ').skip(1).collect::<Vec<_>>(),
    )?);
    parse(&out)
}

/// Rows from the JSON lines of both (other lines are ignored).
pub fn parse(stdout: &str) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    for line in stdout.lines().filter(|l| l.starts_with('{')) {
        let v: Value =
            serde_json::from_str(line).with_context(|| format!("bad bench line: {line}"))?;
        let num = |k: &str| v[k].as_f64().with_context(|| format!("no `{k}` in {line}"));
        match v["scenario"].as_str() {
            Some("requests") => {
                let over = num("over_ideal_pct")?;
                rows.push(
                    Row::new(
                        format!(
                            "requests for {} fills from the sandbox, {}",
                            num("fills")?,
                            v["mode"].as_str().unwrap_or("?")
                        ),
                        format!(
                            "{} requests vs {} ideal (pages + token, {over:+.1}%)",
                            num("requests")?,
                            num("ideal")?
                        ),
                        format!("{REQUESTS} --json"),
                    )
                    .goal("within 2% of the ideal", over <= 2.0),
                );
            }
            Some("follow-day") => {
                let day = num("requests_per_day")?;
                let budget = num("budget")?;
                rows.push(
                    Row::new(
                        format!(
                            "default --follow for a simulated day of 2 fills/s, plan {}",
                            v["plan"].as_str().unwrap_or("?")
                        ),
                        format!(
                            "{day:.0} requests/day of {budget:.0} (half of the plan's {:.0}); a fill shows after {:.1} s mean, {:.0} s max",
                            num("plan_day")?,
                            num("mean_delay_s")?,
                            num("max_delay_s")?
                        ),
                        FOLLOW,
                    )
                    .goal("within half the plan's day", day <= budget + 5.0),
                );
            }
            _ => {}
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_from_both_outputs() {
        let out = r#"noise
{"scenario":"requests","mode":"stream","fills":100000,"requests":202,"ideal":201,"over_ideal_pct":0.5}
{"scenario":"follow-day","plan":"free","fills_per_s":2,"requests_per_day":4920.0,"budget":5000,"plan_day":10000,"mean_delay_s":17.7,"max_delay_s":138.2}
"#;
        let rows = parse(out).unwrap();
        assert_eq!(rows.len(), 2);
    }
}
