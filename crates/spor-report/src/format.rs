//! Danish number and date formats: 1.233 · 33,0 · 25. november 2026 kl. 11.28.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Copenhagen;

/// A whole number with "." as thousands separator: 1233 → "1.233".
pub fn int(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A signed whole number in the Danish format: -1233 → "-1.233".
pub fn signed(n: i64) -> String {
    if n < 0 {
        format!("-{}", int(n.unsigned_abs()))
    } else {
        int(n as u64)
    }
}

/// An optional count: `None` (not known) is shown as "–".
pub fn opt(n: Option<u64>) -> String {
    n.map(int).unwrap_or_else(|| "–".to_string())
}

/// A number with `decimals` decimals and "," as decimal mark: 32.84 → "32,8".
pub fn decimal(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (s.as_str(), None),
    };
    let whole: u64 = whole.parse().unwrap_or(0);
    let sign = if x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    match frac {
        Some(f) => format!("{sign}{},{f}", int(whole)),
        None => format!("{sign}{}", int(whole)),
    }
}

/// A moment in Copenhagen time, Danish style: "25. november 2026 kl. 11.28".
pub fn datetime_da(t: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let local = t.with_timezone(&Copenhagen);
    format!(
        "{}. {} {} kl. {:02}.{:02}",
        local.day(),
        spor_stats::MONTHS_DA[local.month0() as usize],
        local.year(),
        local.hour(),
        local.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_get_a_dot_every_three_digits() {
        for (n, want) in [
            (0, "0"),
            (7, "7"),
            (112, "112"),
            (1233, "1.233"),
            (100000, "100.000"),
            (1234567, "1.234.567"),
        ] {
            assert_eq!(int(n), want, "{n}");
        }
        assert_eq!(signed(-1233), "-1.233");
        assert_eq!(opt(None), "–");
    }

    #[test]
    fn decimals_use_a_comma() {
        assert_eq!(decimal(32.84, 1), "32,8");
        assert_eq!(decimal(33.0, 1), "33,0");
        assert_eq!(decimal(1233.26, 1), "1.233,3");
        assert_eq!(decimal(-4.56, 1), "-4,6");
        assert_eq!(decimal(-0.01, 1), "0,0");
    }

    #[test]
    fn times_are_shown_in_copenhagen_time() {
        let t = chrono::DateTime::parse_from_rfc3339("2024-03-01T08:05:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(datetime_da(t), "1. marts 2024 kl. 09.05");
        let summer = chrono::DateTime::parse_from_rfc3339("2024-07-01T22:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(datetime_da(summer), "2. juli 2024 kl. 00.30");
    }
}
