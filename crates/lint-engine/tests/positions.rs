//! Property tests: byte offsets and line/column positions convert both ways for arbitrary text
//! (multi-byte characters, CRLF, lone CR, tabs, BOM), and agree with a naive reference.

use lint_engine::source::{LineCol, LineIndex};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// Text built from pieces that stress the conversion: ASCII, 2-, 3- and 4-byte characters, every
/// line-break spelling, tabs and a byte-order mark.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("a"),
        Just("key: value"),
        Just("é"),
        Just("—"),
        Just("😀"),
        Just("\u{feff}"),
        Just("\t"),
        Just("\n"),
        Just("\r\n"),
        Just("\r"),
        Just(" "),
    ];
    prop::collection::vec(piece, 0..64).prop_map(|v| v.concat())
}

/// Line and column of a byte offset by walking the text: CRLF is one break, a lone CR is one,
/// columns count Unicode code points from 1.
fn reference(text: &str, offset: usize) -> LineCol {
    let (mut line, mut col) = (1u32, 1u32);
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if i >= offset {
            break;
        }
        match c {
            '\r' if chars.peek().map(|&(_, n)| n) == Some('\n') => {
                // The break ends after the LF; an offset between CR and LF is still on this line.
                if i + 1 >= offset {
                    col += 1;
                    break;
                }
                chars.next();
                line += 1;
                col = 1;
            }
            '\r' | '\n' => {
                line += 1;
                col = 1;
            }
            _ => col += 1,
        }
    }
    LineCol { line, col }
}

fn config() -> Config {
    Config {
        cases: 512,
        rng_seed: RngSeed::Fixed(0x00c0_7e55),
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn offsets_and_positions_round_trip(text in text()) {
        let lines = LineIndex::new(&text);
        for offset in (0..=text.len()).filter(|&o| text.is_char_boundary(o)) {
            let lc = lines.line_col(&text, offset as u32);
            prop_assert_eq!(lc, reference(&text, offset), "offset {} of {:?}", offset, text);
            prop_assert_eq!(lines.offset(&text, lc), Some(offset as u32));
        }
    }

    #[test]
    fn positions_past_a_line_end_have_no_offset(text in text(), extra in 2u32..5) {
        let lines = LineIndex::new(&text);
        for line0 in 0..lines.line_count() {
            let start = lines.line_start(line0).unwrap() as usize;
            let end = lines.line_start(line0 + 1).map(|s| s as usize).unwrap_or(text.len());
            let width = text[start..end].chars().count() as u32;
            let lc = LineCol { line: line0 as u32 + 1, col: width + extra };
            prop_assert_eq!(lines.offset(&text, lc), None);
        }
        let past = LineCol { line: lines.line_count() as u32 + 1, col: 1 };
        prop_assert_eq!(lines.offset(&text, past), None);
    }
}
