//! Danish number and date formats (1.233; 33,0; 25. november 2026 kl. 12.29).

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Europe::Copenhagen;

/// A count with Danish thousands separators: `1233` → `"1.233"`.
pub fn format_count(n: u64) -> String {
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

/// A number with `decimals` decimals and a decimal comma: `33.04, 1` → `"33,0"`.
pub fn format_decimal(x: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, x.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let sign = if x < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    let int = int
        .parse::<u64>()
        .map(format_count)
        .unwrap_or_else(|_| int.to_owned());
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int},{frac}")
    }
}

const MONTHS: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];

/// A moment in Danish local time: `"25. november 2026 kl. 12.29"`.
pub fn format_datetime(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Copenhagen);
    format!(
        "{}. {} {} kl. {:02}.{:02}",
        local.day(),
        MONTHS[local.month0() as usize],
        local.year(),
        local.hour(),
        local.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn counts_get_a_dot_every_three_digits() {
        for (n, want) in [
            (0, "0"),
            (7, "7"),
            (112, "112"),
            (1233, "1.233"),
            (503_000, "503.000"),
            (1_000_000, "1.000.000"),
        ] {
            assert_eq!(format_count(n), want, "for {n}");
        }
    }

    #[test]
    fn decimals_use_a_comma_and_round() {
        assert_eq!(format_decimal(33.0, 1), "33,0");
        assert_eq!(format_decimal(32.96, 1), "33,0");
        assert_eq!(format_decimal(53.4, 1), "53,4");
        assert_eq!(format_decimal(-8.75, 1), "-8,8");
        assert_eq!(format_decimal(-0.01, 1), "0,0");
        assert_eq!(format_decimal(1233.5, 1), "1.233,5");
    }

    #[test]
    fn times_are_shown_in_copenhagen_time_with_danish_month_names() {
        let winter = Utc.with_ymd_and_hms(2024, 1, 15, 9, 5, 0).unwrap();
        assert_eq!(format_datetime(winter), "15. januar 2024 kl. 10.05");
        let summer = Utc.with_ymd_and_hms(2024, 6, 30, 22, 30, 0).unwrap();
        assert_eq!(format_datetime(summer), "1. juli 2024 kl. 00.30");
    }
}
