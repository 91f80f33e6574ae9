//! Paging parameters, parsed once at the edge into a [`Page`] with bounds, so no handler does
//! arithmetic on what a client sent: a journal `cursor=18446744073709551615` used to wrap to
//! `next_cursor: "1"`. A parameter out of bounds, negative or not a number is
//! `invalid_paging` (400) naming it, never clamped or wrapped.

use crate::api::applications::{DEFAULT_PAGE_SIZE, JournalQuery, MAX_PAGE_SIZE};
use crate::api::problem::{FieldProblem, Problem, ProblemCode};
use crate::server::problem::ApiError;

/// The furthest a page may start: far beyond any list we keep, small enough that an offset
/// plus a page always fits every integer type it meets (SQLite's `i64` included).
pub const MAX_OFFSET: u64 = u32::MAX as u64;

/// The query parameters that page; a query string that fails to parse on one of them is
/// `invalid_paging` too (`extract::Query`).
pub const PARAMETERS: [&str; 4] = ["cursor", "page", "per_page", "limit"];

/// A page of a list: where it starts and how many rows at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    offset: u64,
    size: u32,
}

/// `invalid_paging` naming the parameter.
pub fn invalid(parameter: &str) -> ApiError {
    Problem::new(ProblemCode::InvalidPaging)
        .with_param("parameter", parameter)
        .with_fields(vec![
            FieldProblem::new(parameter, ProblemCode::InvalidPaging.message_key())
                .with_param("parameter", parameter),
        ])
        .into()
}

/// A page size from 1 to `max`; `default` when not given.
fn size(given: Option<u32>, default: u32, max: u32, parameter: &str) -> Result<u32, ApiError> {
    match given {
        None => Ok(default),
        Some(size) if (1..=max).contains(&size) => Ok(size),
        Some(_) => Err(invalid(parameter)),
    }
}

impl Page {
    /// The journal's page: by `cursor` (the offset of the next page, digits only, as
    /// `next_cursor` gives it) or by 1-based `page`, `per_page` rows from 1 to
    /// [`MAX_PAGE_SIZE`].
    pub fn of_journal(query: &JournalQuery) -> Result<Page, ApiError> {
        Page::of(query.cursor.as_deref(), query.page, query.per_page)
    }

    /// A page of any list paged like the journal.
    pub fn of(
        cursor: Option<&str>,
        page: Option<u32>,
        per_page: Option<u32>,
    ) -> Result<Page, ApiError> {
        let size = size(per_page, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, "per_page")?;
        let offset = match (cursor, page) {
            (Some(cursor), _) => Some(cursor)
                .filter(|c| !c.is_empty() && c.len() <= 10 && c.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|c| c.parse::<u64>().ok())
                .filter(|offset| *offset <= MAX_OFFSET)
                .ok_or_else(|| invalid("cursor"))?,
            (None, Some(page)) => {
                let last = MAX_OFFSET / u64::from(size) + 1;
                u64::from(page)
                    .checked_sub(1)
                    .filter(|_| u64::from(page) <= last)
                    .map(|before| before * u64::from(size))
                    .ok_or_else(|| invalid("page"))?
            }
            (None, None) => 0,
        };
        Ok(Page { offset, size })
    }

    /// The first `limit` rows (from 1 to `max`, `max` when not given).
    pub fn first(limit: Option<u32>, max: u32) -> Result<Page, ApiError> {
        Ok(Page {
            offset: 0,
            size: size(limit, max, max, "limit")?,
        })
    }

    pub fn offset(&self) -> u64 {
        self.offset
    }

    pub fn size(&self) -> u32 {
        self.size
    }

    /// The cursor of the next page when `returned` rows of `total` came back, if any are left.
    pub fn next_cursor(&self, returned: usize, total: u64) -> Option<String> {
        let next = self.offset.checked_add(u64::try_from(returned).ok()?)?;
        (next < total).then(|| next.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal(cursor: Option<&str>, page: Option<u32>, per_page: Option<u32>) -> JournalQuery {
        JournalQuery {
            cursor: cursor.map(str::to_owned),
            page,
            per_page,
            ..JournalQuery::default()
        }
    }

    fn refused(query: JournalQuery) -> String {
        let error = Page::of_journal(&query).expect_err("refused");
        assert_eq!(error.code(), ProblemCode::InvalidPaging);
        error.0.params["parameter"].clone()
    }

    #[test]
    fn pages_within_bounds_are_taken() {
        let page = Page::of_journal(&journal(None, None, None)).unwrap();
        assert_eq!((page.offset(), page.size()), (0, DEFAULT_PAGE_SIZE));
        let page = Page::of_journal(&journal(None, Some(3), Some(100))).unwrap();
        assert_eq!((page.offset(), page.size()), (200, 100));
        let page = Page::of_journal(&journal(Some("4294967295"), None, Some(500))).unwrap();
        assert_eq!(page.offset(), MAX_OFFSET);
        assert_eq!(page.next_cursor(500, u64::MAX), Some("4294967795".into()));
        assert_eq!(page.next_cursor(0, 10), None);
        assert_eq!(Page::first(None, 500).unwrap().size(), 500);
    }

    #[test]
    fn out_of_bounds_and_non_numbers_are_refused_not_wrapped() {
        assert_eq!(
            refused(journal(Some("18446744073709551615"), None, None)),
            "cursor"
        );
        assert_eq!(refused(journal(Some("4294967296"), None, None)), "cursor");
        for bad in ["-1", "+5", " 5", "1e3", "", "0x10", "٣"] {
            assert_eq!(refused(journal(Some(bad), None, None)), "cursor", "{bad:?}");
        }
        assert_eq!(refused(journal(None, Some(0), None)), "page");
        assert_eq!(refused(journal(None, Some(u32::MAX), Some(500))), "page");
        assert_eq!(refused(journal(None, None, Some(0))), "per_page");
        assert_eq!(refused(journal(None, None, Some(501))), "per_page");
        assert_eq!(
            Page::first(Some(0), 500).unwrap_err().code(),
            ProblemCode::InvalidPaging
        );
        assert!(Page::first(Some(501), 500).is_err());
    }
}
