//! The officer's region report (issue 13): the store's [`RegionReport`] on the wire, and its
//! exports: CSV (UTF-8 with a byte order mark, so that Excel reads Cyrillic right; RFC 4180
//! quoting) and XLSX (`rust_xlsxwriter`), both with headings in the asker's language.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::api::report::{RegionReport as WireReport, ReportRow};
use crate::domain::report::{MonthRange, WaitHistogram};
use crate::i18n::Lang;
use crate::server::http::public::cohorts;
use crate::server::store::{RegionReport, ReportMonth};

/// The percentile of the wait the report gives.
pub const WAIT_PERCENTILE: u32 = 90;

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the XLSX workbook: {0}")]
    Xlsx(#[from] XlsxError),
}

/// The store's report of `region` over `range` as it travels, with the range's total.
pub fn wire(region: &str, range: MonthRange, report: RegionReport) -> WireReport {
    let mut total = ReportMonth::empty(range.from());
    for month in &report.months {
        total.offers_made += month.offers_made;
        total.offers_declined += month.offers_declined;
        total.offers_expired += month.offers_expired;
        total.directions += month.directions;
        total.enrollments += month.enrollments;
        total.waits.merge(&month.waits);
    }
    WireReport {
        region: region.to_owned(),
        from: range.from().to_string(),
        to: range.to().to_string(),
        queue: cohorts(report.queue),
        months: report
            .months
            .iter()
            .map(|m| row(m.month.to_string(), m))
            .collect(),
        total: row(format!("{}..{}", range.from(), range.to()), &total),
    }
}

fn row(period: String, month: &ReportMonth) -> ReportRow {
    let waits: &WaitHistogram = &month.waits;
    ReportRow {
        period,
        offers_made: month.offers_made,
        offers_accepted: month.directions,
        offers_declined: month.offers_declined,
        offers_expired: month.offers_expired,
        directions: month.directions,
        enrollments: month.enrollments,
        wait_average_days: waits.average_days(),
        wait_p90_days: waits.percentile_days(WAIT_PERCENTILE),
    }
}

/// The i18n keys of the month table's columns, in order (the TUI's table uses them too).
pub const MONTH_COLUMNS: [&str; 9] = [
    "report.column.month",
    "report.column.offers_made",
    "report.column.offers_accepted",
    "report.column.offers_declined",
    "report.column.offers_expired",
    "report.column.directions",
    "report.column.enrollments",
    "report.column.wait_average",
    "report.column.wait_p90",
];

/// The i18n keys of the queue table's columns, in order.
pub const QUEUE_COLUMNS: [&str; 4] = [
    "report.column.birth_year",
    "stats.benefit_none",
    "stats.benefit_first",
    "stats.benefit_out",
];

fn heading(key: &str, lang: Lang) -> String {
    rust_i18n::t!(key, locale = lang.code()).into_owned()
}

/// A cell of a row: a count, or a wait in days.
enum Cell {
    Text(String),
    Count(u64),
    Days(Option<f64>),
}

fn cells(row: &ReportRow, lang: Lang, total: bool) -> Vec<Cell> {
    let period = if total {
        heading("report.total", lang)
    } else {
        row.period.clone()
    };
    vec![
        Cell::Text(period),
        Cell::Count(row.offers_made),
        Cell::Count(row.offers_accepted),
        Cell::Count(row.offers_declined),
        Cell::Count(row.offers_expired),
        Cell::Count(row.directions),
        Cell::Count(row.enrollments),
        Cell::Days(row.wait_average_days),
        Cell::Days(row.wait_p90_days.map(f64::from)),
    ]
}

/// The rows of the month table: every month, then the total.
fn month_rows(report: &WireReport, lang: Lang) -> Vec<Vec<Cell>> {
    report
        .months
        .iter()
        .map(|m| cells(m, lang, false))
        .chain(std::iter::once(cells(&report.total, lang, true)))
        .collect()
}

fn queue_rows(report: &WireReport) -> Vec<[u64; 4]> {
    report
        .queue
        .iter()
        .map(|c| {
            [
                u64::try_from(c.birth_year).unwrap_or(0),
                u64::from(c.general),
                u64::from(c.first_turn),
                u64::from(c.out_of_turn),
            ]
        })
        .collect()
}

/// One CSV field, quoted when it holds a separator, a quote or a line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The report as CSV: a byte order mark, the month table (months, then the total), an empty
/// line, the queue table. Lines end with CRLF (RFC 4180); waits have one decimal.
pub fn csv(report: &WireReport, lang: Lang) -> String {
    let mut out = String::from("\u{feff}");
    let mut line = |fields: Vec<String>| {
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    };
    line(
        MONTH_COLUMNS
            .iter()
            .map(|k| csv_field(&heading(k, lang)))
            .collect(),
    );
    for row in month_rows(report, lang) {
        line(
            row.into_iter()
                .map(|cell| match cell {
                    Cell::Text(text) => csv_field(&text),
                    Cell::Count(n) => n.to_string(),
                    Cell::Days(days) => days.map(|d| format!("{d:.1}")).unwrap_or_default(),
                })
                .collect(),
        );
    }
    line(Vec::new());
    line(
        QUEUE_COLUMNS
            .iter()
            .map(|k| csv_field(&heading(k, lang)))
            .collect(),
    );
    for row in queue_rows(report) {
        line(row.iter().map(u64::to_string).collect());
    }
    out
}

/// The report as an XLSX workbook: a sheet of months (the total last, in bold) and a sheet of
/// the queue.
pub fn xlsx(report: &WireReport, lang: Lang) -> Result<Vec<u8>, ReportError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let days = Format::new().set_num_format("0.0");
    let bold_days = Format::new().set_bold().set_num_format("0.0");

    let months = workbook.add_worksheet();
    months.set_name(sheet_name(&heading("report.sheet.months", lang)))?;
    for (col, key) in (0u16..).zip(MONTH_COLUMNS) {
        months.write_string_with_format(0, col, heading(key, lang), &bold)?;
        months.set_column_width(col, if col == 0 { 18 } else { 14 })?;
    }
    let plain = Format::new();
    let rows = month_rows(report, lang);
    let last = rows.len();
    for (r, row) in (1u32..).zip(rows) {
        // The total, last, in bold.
        let (text_format, days_format) = if r as usize == last {
            (&bold, &bold_days)
        } else {
            (&plain, &days)
        };
        for (col, cell) in (0u16..).zip(row) {
            match cell {
                Cell::Text(text) => {
                    months.write_string_with_format(r, col, text, text_format)?;
                }
                Cell::Count(n) => {
                    months.write_number_with_format(r, col, n as f64, text_format)?;
                }
                Cell::Days(Some(d)) => {
                    months.write_number_with_format(r, col, d, days_format)?;
                }
                Cell::Days(None) => {}
            }
        }
    }

    let queue = workbook.add_worksheet();
    queue.set_name(sheet_name(&heading("report.sheet.queue", lang)))?;
    for (col, key) in (0u16..).zip(QUEUE_COLUMNS) {
        queue.write_string_with_format(0, col, heading(key, lang), &bold)?;
        queue.set_column_width(col, 16)?;
    }
    for (r, row) in (1u32..).zip(queue_rows(report)) {
        for (col, n) in (0u16..).zip(row) {
            queue.write_number(r, col, n as f64)?;
        }
    }
    Ok(workbook.save_to_buffer()?)
}

/// A sheet's name as Excel takes it: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(text: &str) -> String {
    text.chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::public::CohortStats;

    fn sample() -> WireReport {
        WireReport {
            region: "almaty".into(),
            from: "2026-01".into(),
            to: "2026-02".into(),
            queue: vec![CohortStats {
                birth_year: 2021,
                general: 10,
                first_turn: 2,
                out_of_turn: 1,
            }],
            months: vec![ReportRow {
                period: "2026-01".into(),
                offers_made: 5,
                offers_accepted: 3,
                offers_declined: 1,
                offers_expired: 1,
                directions: 3,
                enrollments: 2,
                wait_average_days: Some(400.26),
                wait_p90_days: Some(612),
            }],
            total: ReportRow {
                period: "2026-01..2026-02".into(),
                offers_made: 5,
                offers_accepted: 3,
                offers_declined: 1,
                offers_expired: 1,
                directions: 3,
                enrollments: 2,
                wait_average_days: Some(400.26),
                wait_p90_days: Some(612),
            },
        }
    }

    #[test]
    fn csv_starts_with_a_bom_and_has_both_tables() {
        let text = csv(&sample(), Lang::Ru);
        assert!(text.starts_with('\u{feff}'));
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
        // Headings holding a comma are quoted.
        assert!(
            lines[0].starts_with("Месяц,Предложено мест,"),
            "{}",
            lines[0]
        );
        assert!(lines[0].ends_with(",\"Среднее ожидание, дней\",\"Ожидание 90%, дней\""));
        assert_eq!(lines[1], "2026-01,5,3,1,1,3,2,400.3,612.0");
        assert!(lines[2].starts_with("Итого,5,"), "{}", lines[2]);
        assert_eq!(lines[3], "");
        assert_eq!(lines[5], "2021,10,2,1");
    }

    #[test]
    fn csv_fields_with_separators_are_quoted() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }

    #[test]
    fn xlsx_is_a_zip_workbook() {
        let bytes = xlsx(&sample(), Lang::Kk).unwrap();
        assert!(bytes.starts_with(b"PK\x03\x04"));
        assert!(bytes.len() > 1000);
    }

    #[test]
    fn sheet_names_are_cut_to_what_excel_takes() {
        assert_eq!(sheet_name("a[b]:c*d?e/f\\g"), "abcdefg");
        assert_eq!(sheet_name(&"ж".repeat(40)).chars().count(), 31);
    }
}
