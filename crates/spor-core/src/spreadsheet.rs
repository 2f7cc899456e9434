//! Text cells a spreadsheet will not run as formulas (OWASP's advice against CSV formula
//! injection; ASVS 1.2.10), reversibly: what [`inert`] writes, [`plain`] reads back as it was.
//!
//! A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return, after any
//! apostrophes, gets one more leading apostrophe; reading takes one away from such a cell
//! only. `=HYPERLINK(…)` goes out as `'=HYPERLINK(…)` and comes back as `=HYPERLINK(…)`;
//! `'=x` goes out as `''=x` and comes back as `'=x`; `O'Brien` and `'abc` are untouched.

use std::borrow::Cow;

/// The first characters that make a spreadsheet read a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Does `text`, after its leading apostrophes, begin as a formula would?
fn formula_like(text: &str) -> bool {
    text.trim_start_matches('\'').starts_with(FORMULA_START)
}

/// `text` as a cell a spreadsheet shows as text (see the module docs).
pub fn inert(text: &str) -> Cow<'_, str> {
    if formula_like(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The text [`inert`] was given, from the cell it wrote; other text as it is.
pub fn plain(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if formula_like(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_go_out_inert_and_come_back_as_they_were() {
        for (text, cell) in [
            ("=1+1", "'=1+1"),
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+45", "'+45"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'=x", "''=x"),
            ("''-2", "'''-2"),
        ] {
            assert_eq!(inert(text), cell, "{text:?}");
            assert_eq!(plain(cell), text, "{cell:?}");
        }
    }

    #[test]
    fn other_text_is_untouched_both_ways() {
        for text in ["Nigeria", "K-2023-001", "O'Brien", "'abc", "'", "", "a=b"] {
            assert_eq!(inert(text), text);
            assert_eq!(plain(text), text);
        }
    }
}
