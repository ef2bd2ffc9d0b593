//! Decode rows: criterion's `decode` bench, read back from its JSON output
//! (`target/criterion/decode/<function>/new/{estimates,benchmark}.json`).

use std::path::Path;

use anyhow::Context;
use serde_json::Value;

use super::{cargo, target_dir, Row};

const COMMAND: &str = "cargo bench -p ttrest-sandbox --bench decode";

/// One criterion result: median time per iteration and bytes per iteration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Median nanoseconds per iteration.
    pub median_ns: f64,
    /// Bytes decoded per iteration (criterion's `Throughput::Bytes`).
    pub bytes: u64,
}

impl Estimate {
    /// Decoding speed in MB/s (10^6 bytes).
    pub fn mb_per_s(self) -> f64 {
        self.bytes as f64 / self.median_ns * 1e3
    }
}

/// Runs the bench and turns its two results into rows.
pub fn rows(root: &Path) -> anyhow::Result<Vec<Row>> {
    cargo(root, &COMMAND.split(' ').skip(1).collect::<Vec<_>>())?;
    let dir = target_dir(root).join("criterion/decode");
    let typed = read_estimate(&dir.join("typed"))?;
    let value = read_estimate(&dir.join("value"))?;
    let row = |what: &str, e: Estimate| {
        Row::new(
            format!("decode a 500-fill page ({} KB) into {what}", e.bytes / 1000),
            format!("{:.0} MB/s, {:.0} µs/page", e.mb_per_s(), e.median_ns / 1e3),
            COMMAND,
        )
    };
    Ok(vec![
        row("typed records", typed).goal(
            "at least 3x Value's MB/s",
            typed.median_ns * 3.0 <= value.median_ns,
        ),
        row("serde_json::Value", value),
    ])
}

/// Reads criterion's newest estimate of one benchmark function.
pub fn read_estimate(function_dir: &Path) -> anyhow::Result<Estimate> {
    let read = |name: &str| -> anyhow::Result<Value> {
        let path = function_dir.join("new").join(name);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("no criterion output at {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))
    };
    let estimates = read("estimates.json")?;
    let benchmark = read("benchmark.json")?;
    let median_ns = estimates["median"]["point_estimate"]
        .as_f64()
        .with_context(|| format!("{}: no median.point_estimate", function_dir.display()))?;
    let bytes = benchmark["throughput"]["Bytes"]
        .as_u64()
        .with_context(|| format!("{}: no throughput.Bytes", function_dir.display()))?;
    Ok(Estimate { median_ns, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_criterion_median_and_throughput() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(
            new.join("estimates.json"),
            r#"{"mean":{"point_estimate":2100000.0},"median":{"point_estimate":2000000.0}}"#,
        )
        .unwrap();
        std::fs::write(
            new.join("benchmark.json"),
            r#"{"group_id":"decode","throughput":{"Bytes":400000}}"#,
        )
        .unwrap();
        let e = read_estimate(dir.path()).unwrap();
        assert_eq!(
            e,
            Estimate {
                median_ns: 2_000_000.0,
                bytes: 400_000
            }
        );
        assert!((e.mb_per_s() - 200.0).abs() < 1e-9, "{}", e.mb_per_s());
    }

    #[test]
    fn missing_output_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_estimate(dir.path()).unwrap_err().to_string();
        assert!(err.contains("estimates.json"), "{err}");
    }
}
