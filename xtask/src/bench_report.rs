//! Turns criterion's output (`target/criterion/**/new/{benchmark,estimates}.json`) into the
//! generated table of `docs/benchmarks.md`, between the `<!-- bench:begin -->` and
//! `<!-- bench:end -->` markers. The analysis around the markers is written by hand.

use std::fs;
use std::path::{Path, PathBuf};

const BEGIN: &str = "<!-- bench:begin -->";
const END: &str = "<!-- bench:end -->";

/// One measured benchmark.
struct Row {
    id: String,
    median_ns: f64,
    low_ns: f64,
    high_ns: f64,
    bytes: Option<f64>,
}

/// Rewrites the generated section of `docs/benchmarks.md` from the criterion results that
/// `started` or later produced (older results on disk are ignored).
pub(crate) fn write(root: &Path, target: &Path, header: &str) -> Result<(), String> {
    let mut rows = Vec::new();
    collect(&target.join("criterion"), &mut rows)?;
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    let mut table = String::new();
    table.push_str(BEGIN);
    table.push('\n');
    table.push_str(header);
    table.push_str(
        "\n\n| benchmark | median | 95 % interval | throughput |\n| --- | ---: | ---: | ---: |\n",
    );
    for row in &rows {
        let throughput = row
            .bytes
            .map(|bytes| format!("{:.0} MiB/s", bytes / (row.median_ns / 1e9) / 1_048_576.0))
            .unwrap_or_default();
        table.push_str(&format!(
            "| `{}` | {} | {} – {} | {} |\n",
            row.id,
            human(row.median_ns),
            human(row.low_ns),
            human(row.high_ns),
            throughput
        ));
    }
    table.push_str(END);
    let path = root.join("docs/benchmarks.md");
    let current = fs::read_to_string(&path).unwrap_or_default();
    let updated = match (current.find(BEGIN), current.find(END)) {
        (Some(start), Some(end)) if start < end => {
            let tail = current.get(end + END.len()..).unwrap_or_default();
            let head = current.get(..start).unwrap_or_default();
            format!("{head}{table}{tail}")
        }
        _ => format!("{current}\n{table}\n"),
    };
    fs::write(&path, updated).map_err(|e| format!("writing {}: {e}", path.display()))?;
    eprintln!("xtask: wrote {} results to {}", rows.len(), path.display());
    Ok(())
}

fn collect(dir: &Path, rows: &mut Vec<Row>) -> Result<(), String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path: PathBuf = entry.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            if let Some(row) = read_row(&path) {
                rows.push(row);
            }
        } else {
            collect(&path, rows)?;
        }
    }
    Ok(())
}

fn read_row(dir: &Path) -> Option<Row> {
    let benchmark = fs::read_to_string(dir.join("benchmark.json")).ok()?;
    let estimates = fs::read_to_string(dir.join("estimates.json")).ok()?;
    let id = string_field(&benchmark, "full_id")?;
    let median = section(&estimates, "\"median\"")?;
    Some(Row {
        id,
        median_ns: number_field(median, "point_estimate")?,
        low_ns: number_field(median, "lower_bound")?,
        high_ns: number_field(median, "upper_bound")?,
        bytes: section(&benchmark, "\"Bytes\"")
            .and_then(|s| s.trim_start_matches(':').trim().split([',', '}']).next())
            .and_then(|n| n.trim().parse().ok()),
    })
}

fn section<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    json.find(key).and_then(|i| json.get(i + key.len()..))
}

fn string_field(json: &str, key: &str) -> Option<String> {
    let rest = section(json, &format!("\"{key}\":\""))?;
    rest.split('"').next().map(str::to_string)
}

fn number_field(json: &str, key: &str) -> Option<f64> {
    let rest = section(json, &format!("\"{key}\":"))?;
    rest.split([',', '}']).next()?.trim().parse().ok()
}

fn human(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_criterion_estimates() {
        let median = r#"{"mean":{"confidence_interval":{"lower_bound":1.0,"upper_bound":2.0},"point_estimate":1.5},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":816.7,"upper_bound":860.1},"point_estimate":827.0}}"#;
        let m = section(median, "\"median\"").unwrap();
        assert_eq!(number_field(m, "point_estimate"), Some(827.0));
        assert_eq!(number_field(m, "lower_bound"), Some(816.7));
        assert_eq!(human(827.0), "827 ns");
        assert_eq!(human(2_500.0), "2.50 µs");
    }
}
