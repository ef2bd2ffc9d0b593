//! The bench table: one row per figure, printed as Markdown (readable in a
//! terminal, pasteable into docs/performance.md).

/// One measured figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// What was measured, e.g. "decode 500-fill page, typed".
    pub what: String,
    /// The figure, with units.
    pub result: String,
    /// The goal it is held to, and whether it is met (empty when none).
    pub goal: String,
    /// The command that reproduces it.
    pub command: String,
}

impl Row {
    /// A row without a goal.
    pub fn new(
        what: impl Into<String>,
        result: impl Into<String>,
        command: impl Into<String>,
    ) -> Self {
        Self {
            what: what.into(),
            result: result.into(),
            goal: String::new(),
            command: command.into(),
        }
    }

    /// The same row held to `goal`, marked met or missed.
    pub fn goal(mut self, goal: &str, met: bool) -> Self {
        self.goal = format!("{goal}: {}", if met { "met" } else { "MISSED" });
        self
    }
}

/// The rows as a Markdown table.
pub fn markdown(rows: &[Row]) -> String {
    let mut out = String::from("| Measure | Result | Goal | Command |\n|---|---|---|---|\n");
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} | `{}` |\n",
            cell(&r.what),
            cell(&r.result),
            cell(&r.goal),
            r.command.replace('|', "\\|")
        ));
    }
    out
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_a_markdown_table_with_goals_marked() {
        let rows = [
            Row::new("a", "1 s", "cargo x").goal("under 2 s", true),
            Row::new("b|c", "3", "cargo y -- a|b").goal("under 1", false),
            Row::new("lines", "10", "wc -l"),
        ];
        let table = markdown(&rows);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "| Measure | Result | Goal | Command |");
        assert_eq!(lines[2], "| a | 1 s | under 2 s: met | `cargo x` |");
        assert_eq!(
            lines[3],
            "| b\\|c | 3 | under 1: MISSED | `cargo y -- a\\|b` |"
        );
        assert_eq!(lines[4], "| lines | 10 |  | `wc -l` |");
    }
}
