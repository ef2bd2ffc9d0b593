//! Stream, rate, latency and orders rows: `benches/sandbox_e2e.rs`, read from
//! its `--json` lines (the `latency` group runs the `orders` scenario too).

use std::path::Path;

use anyhow::Context;
use serde_json::Value;

use super::{cargo, Row};

const COMMAND: &str = "cargo bench -p ttrest-sandbox --bench sandbox_e2e --";

/// Runs the selected scenarios and turns their results into rows.
pub fn rows(root: &Path, stream: bool, rate: bool, latency: bool) -> anyhow::Result<Vec<Row>> {
    let scenarios: Vec<&str> = [("stream", stream), ("rate", rate), ("latency", latency)]
        .into_iter()
        .filter_map(|(name, on)| on.then_some(name))
        .collect();
    let mut args: Vec<&str> = COMMAND.split(' ').skip(1).collect();
    args.extend(&scenarios);
    if latency {
        args.push("orders");
    }
    args.push("--json");
    let stdout = cargo(root, &args)?;
    parse(&stdout, COMMAND)
}

/// Rows from the bench's JSON lines (other lines are ignored); each row's
/// command is `command` followed by its scenario.
pub fn parse(stdout: &str, command: &str) -> anyhow::Result<Vec<Row>> {
    let stream_command = format!("{command} stream");
    let rate_command = format!("{command} rate");
    let latency_command = format!("{command} latency");
    let orders_command = format!("{command} orders");
    let mut rows = Vec::new();
    for line in stdout.lines().filter(|l| l.starts_with('{')) {
        let v: Value =
            serde_json::from_str(line).with_context(|| format!("bad bench line: {line}"))?;
        let num = |k: &str| v[k].as_f64().with_context(|| format!("no `{k}` in {line}"));
        match v["scenario"].as_str() {
            Some("stream") => {
                let cpu = num("client_cpu_s_per_100k")?;
                rows.push(
                    Row::new(
                        format!(
                            "stream {} fills from the sandbox, {}",
                            num("fills")?,
                            v["mode"].as_str().unwrap_or("?")
                        ),
                        format!(
                            "{:.0} fills/s, client CPU {:.3} s per 100k",
                            num("fills_per_s")?,
                            cpu
                        ),
                        &stream_command,
                    )
                    .goal("client CPU under 0.1 s per 100k", cpu < 0.1),
                );
            }
            Some("rate") => {
                let over = num("over_ideal_pct")?;
                let throttled = num("throttled")?;
                rows.push(
                    Row::new(
                        format!(
                            "{} pages of fills (+1 token request), plan High (25/s), sandbox enforcing 25/s",
                            num("pages")?
                        ),
                        format!(
                            "{:.2} s vs {:.2} s ideal ({over:+.1}%), {throttled} 429s",
                            num("wall_s")?,
                            num("ideal_s")?
                        ),
                        &rate_command,
                    )
                    .goal("within 5% with zero 429s", over <= 5.0 && throttled == 0.0),
                );
            }
            Some("latency") => {
                let over = num("over_ideal_pct")?;
                let throttled = num("throttled")?;
                rows.push(
                    Row::new(
                        format!(
                            "{} fills in concurrent windows, plan {}, {} ms latency, sandbox enforcing the plan",
                            num("fills")?,
                            v["plan"].as_str().unwrap_or("?"),
                            num("latency_ms")?
                        ),
                        format!(
                            "{:.2} s vs {:.2} s ideal ({over:+.1}%), {} requests, {throttled} 429s",
                            num("wall_s")?,
                            num("ideal_s")?,
                            num("requests")?
                        ),
                        &latency_command,
                    )
                    .goal("within 10% with zero 429s", over <= 10.0 && throttled == 0.0),
                );
            }
            Some("orders") => {
                let over = num("over_ideal_pct")?;
                let throttled = num("throttled")?;
                rows.push(
                    Row::new(
                        format!(
                            "/orders of {} accounts, 50 a request at once, plan {}, {} ms latency, sandbox enforcing the plan",
                            num("accounts")?,
                            v["plan"].as_str().unwrap_or("?"),
                            num("latency_ms")?
                        ),
                        format!(
                            "{:.2} s vs {:.2} s ideal ({over:+.1}%), {} requests, {throttled} 429s; one chunk at a time {:.2} s",
                            num("wall_s")?,
                            num("ideal_s")?,
                            num("requests")?,
                            num("sequential_s")?
                        ),
                        &orders_command,
                    )
                    .goal("within 10% with zero 429s", over <= 10.0 && throttled == 0.0),
                );
            }
            other => anyhow::bail!("unknown scenario {other:?} in {line}"),
        }
    }
    if rows.is_empty() {
        anyhow::bail!("`{command}` printed no results");
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_become_rows_with_goals() {
        let out = "noise\n\
            {\"scenario\":\"stream\",\"mode\":\"streaming\",\"fills\":100000,\"fills_per_s\":500000.0,\"client_cpu_s_per_100k\":0.08}\n\
            {\"scenario\":\"rate\",\"requests\":251,\"pages\":250,\"wall_s\":10.1,\"ideal_s\":10.0,\"over_ideal_pct\":1.0,\"throttled\":0}\n\
            {\"scenario\":\"latency\",\"plan\":\"high\",\"latency_ms\":100,\"fills\":100000,\"requests\":205,\"wall_s\":8.5,\"ideal_s\":8.0,\"over_ideal_pct\":6.25,\"throttled\":0}\n\
            {\"scenario\":\"orders\",\"plan\":\"high\",\"latency_ms\":100,\"accounts\":500,\"requests\":10,\"wall_s\":0.55,\"ideal_s\":0.46,\"over_ideal_pct\":20.5,\"throttled\":0,\"sequential_s\":1.15}\n";
        let rows = parse(out, "cmd").unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows[3].result,
            "0.55 s vs 0.46 s ideal (+20.5%), 10 requests, 0 429s; one chunk at a time 1.15 s"
        );
        assert_eq!(rows[3].command, "cmd orders");
        assert!(rows[3].goal.ends_with("MISSED"));
        assert_eq!(
            rows[2].result,
            "8.50 s vs 8.00 s ideal (+6.2%), 205 requests, 0 429s"
        );
        assert_eq!(rows[2].command, "cmd latency");
        assert!(rows[2].goal.ends_with("met"));
        assert_eq!(
            rows[0].result,
            "500000 fills/s, client CPU 0.080 s per 100k"
        );
        assert!(rows[0].goal.ends_with("met"), "{}", rows[0].goal);
        assert_eq!(rows[0].command, "cmd stream");
        assert_eq!(rows[1].result, "10.10 s vs 10.00 s ideal (+1.0%), 0 429s");
        assert_eq!(rows[1].command, "cmd rate");
        assert!(rows[1].goal.ends_with("met"));
    }

    #[test]
    fn a_missed_goal_is_marked_and_no_output_is_an_error() {
        let out = "{\"scenario\":\"rate\",\"requests\":251,\"pages\":250,\"wall_s\":12.0,\"ideal_s\":10.0,\"over_ideal_pct\":20.0,\"throttled\":3}";
        assert!(parse(out, "cmd").unwrap()[0].goal.ends_with("MISSED"));
        assert!(parse("nothing", "cmd")
            .unwrap_err()
            .to_string()
            .contains("no results"));
    }
}
