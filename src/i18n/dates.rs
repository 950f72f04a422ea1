//! Dates in each language's own form: "23 វិច្ឆិកា ២០២៦" in Khmer, "23 November 2026" in English.
//!
//! Written by hand: the only crates that know Khmer month names and digits (ICU4X and its
//! data) would add megabytes to the binary for twelve words and ten digits.

use chrono::{Datelike, NaiveDateTime, Timelike};

use super::Lang;

const KHMER_MONTHS: [&str; 12] = [
    "មករា",
    "កុម្ភៈ",
    "មីនា",
    "មេសា",
    "ឧសភា",
    "មិថុនា",
    "កក្កដា",
    "សីហា",
    "កញ្ញា",
    "តុលា",
    "វិច្ឆិកា",
    "ធ្នូ",
];

const ENGLISH_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Replaces ASCII digits with Khmer digits (០១២៣៤៥៦៧៨៩).
pub fn khmer_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x17E0 + d).unwrap_or(c),
            None => c,
        })
        .collect()
}

/// The date part of a UTC timestamp, in the given language.
pub fn format_date(at: NaiveDateTime, lang: Lang) -> String {
    let month = at.month0() as usize;
    match lang {
        Lang::Km => khmer_digits(&format!(
            "{} {} {}",
            at.day(),
            KHMER_MONTHS[month % 12],
            at.year()
        )),
        Lang::En => format!("{} {} {}", at.day(), ENGLISH_MONTHS[month % 12], at.year()),
    }
}

/// Date and time (UTC+7, Cambodia's time, which has no daylight saving).
pub fn format_datetime(at: NaiveDateTime, lang: Lang) -> String {
    let local = at + chrono::Duration::hours(7);
    let time = format!("{:02}:{:02}", local.hour(), local.minute());
    match lang {
        Lang::Km => format!("{} ម៉ោង {}", format_date(local, lang), khmer_digits(&time)),
        Lang::En => format!("{} {}", format_date(local, lang), time),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(3, 5, 0))
            .unwrap_or_default()
    }

    #[test]
    fn khmer_dates_use_khmer_months_and_digits() {
        assert_eq!(format_date(day(2026, 11, 23), Lang::Km), "២៣ វិច្ឆិកា ២០២៦");
        assert_eq!(format_date(day(2026, 1, 9), Lang::En), "9 January 2026");
    }

    #[test]
    fn times_are_shown_in_cambodian_time() {
        assert_eq!(
            format_datetime(day(2026, 11, 23), Lang::En),
            "23 November 2026 10:05"
        );
        assert_eq!(
            format_datetime(day(2026, 11, 23), Lang::Km),
            "២៣ វិច្ឆិកា ២០២៦ ម៉ោង ១០:០៥"
        );
    }
}
