//! Property test: SARIF regions count columns in the unit the log declares (`run.columnKind`),
//! on lines full of multi-byte characters and escapes, with tabs and CRLF line ends, and the region's snippet is
//! the text those columns select.

mod support;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use support::{bin, TempDir};

fn piece() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("a"),
        Just("é"),
        Just("—"),
        Just("😀"),
        Just(" "),
        Just("\\u00e9"),
        Just("\\\""),
    ]
}

fn words() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..24).prop_map(|v| v.concat())
}

/// Select `[start, end)` columns (1-based) of `line` counted in `kind`, as text.
fn select(line: &str, kind: &str, start: u64, end: u64) -> String {
    let mut out = String::new();
    let mut col = 1u64;
    for c in line.chars() {
        if col >= start && col < end {
            out.push(c);
        }
        col += match kind {
            "unicodeCodePoints" => 1,
            "utf16CodeUnits" => c.len_utf16() as u64,
            other => panic!("unknown columnKind {other}"),
        };
    }
    out
}

fn config() -> Config {
    Config {
        cases: 40,
        rng_seed: RngSeed::Fixed(0x5a21f),
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sarif_columns_follow_the_declared_column_kind(
        family in words(),
        env in words(),
        above in words(),
        crlf in any::<bool>(),
    ) {
        let nl = if crlf { "\r\n" } else { "\n" };
        let text = format!(
            "{{\"//\": \"{above}\",{nl}\t\"family\":\"{family}\",\t\"containerDefinitions\":[{{\"environment\":[{{\"name\":\"{env}\",\"value\":\"x\"}}],\"name\":\"web\",\"image\":\"nginx:1\",\"essential\":true}}]}}{nl}"
        );
        let dir = TempDir::new("columns");
        let file = dir.write("td.json", &text);
        let out = bin()
            .args(["check", "--format", "sarif", "--select", "ECS001"])
            .arg(&file)
            .output()
            .unwrap();
        prop_assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let run = &log["runs"][0];
        let kind = run["columnKind"].as_str().unwrap();
        let results = run["results"].as_array().unwrap();
        prop_assert_eq!(results.len(), 1);
        let region = &results[0]["locations"][0]["physicalLocation"]["region"];
        let line_no = region["startLine"].as_u64().unwrap();
        prop_assert_eq!(line_no, 2);
        prop_assert_eq!(region["endLine"].as_u64(), Some(2));
        let line = text.split(nl).nth(1).unwrap();
        let start = region["startColumn"].as_u64().unwrap();
        let end = region["endColumn"].as_u64().unwrap();
        prop_assert_eq!(select(line, kind, start, end), "\"name\":\"web\"");
        prop_assert_eq!(region["snippet"]["text"].as_str(), Some("\"name\":\"web\""));
    }
}
