//! Paging of lists: a clamped `limit` and an opaque cursor.
//!
//! The cursor is an offset wrapped in an opaque token (`o<offset>` in base 36). Offsets are
//! simple and identical on both backends; a row inserted while a client pages may shift one
//! row between pages, which list views tolerate. Keyset cursors can replace it without
//! changing the wire format, since clients never look inside.

use serde::Serialize;

use crate::error::{DomainError, Result};

/// Default page size of list routes.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size of list routes.
pub const MAX_LIMIT: u32 = 200;
/// Largest offset a cursor may carry; deeper paging is refused rather than scanned.
pub const MAX_OFFSET: u64 = 10_000_000;

/// An opaque position in a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cursor {
    offset: u64,
}

impl Cursor {
    /// The cursor after `offset` rows.
    pub fn at(offset: u64) -> Self {
        Self { offset }
    }

    /// Rows to skip.
    pub fn offset(self) -> u64 {
        self.offset
    }

    /// Encodes the cursor for the wire.
    pub fn encode(self) -> String {
        format!("o{}", to_base36(self.offset))
    }

    /// Decodes a cursor from the wire.
    ///
    /// # Errors
    /// [`DomainError::Validation`] on `cursor` when the token is not `o` and 1 to 12 base-36
    /// digits (lower case); a larger offset than [`MAX_OFFSET`] is clamped to it.
    pub fn decode(token: &str) -> Result<Self> {
        let invalid = || DomainError::field("cursor", "is not a valid cursor");
        let digits = token.strip_prefix('o').ok_or_else(invalid)?;
        let base36 = |b: u8| b.is_ascii_digit() || b.is_ascii_lowercase();
        if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(base36) {
            return Err(invalid());
        }
        let offset = u64::from_str_radix(digits, 36).map_err(|_| invalid())?;
        // A well-formed but huge offset is clamped: past the end is simply an empty page.
        Ok(Self {
            offset: offset.min(MAX_OFFSET),
        })
    }
}

fn to_base36(mut value: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(value % 36) as usize]);
        value /= 36;
        if value == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// What page of a list to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Rows per page, 1..=[`MAX_LIMIT`].
    pub limit: u32,
    /// Where to start.
    pub cursor: Cursor,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
            cursor: Cursor::default(),
        }
    }
}

impl PageRequest {
    /// Builds a request, clamping `limit` into 1..=`max` and decoding the cursor.
    ///
    /// # Errors
    /// [`DomainError::Validation`] when the cursor is invalid.
    pub fn new(limit: Option<u32>, cursor: Option<&str>, default: u32, max: u32) -> Result<Self> {
        let limit = limit.unwrap_or(default).clamp(1, max);
        let cursor = match cursor {
            Some(token) if !token.is_empty() => Cursor::decode(token)?,
            _ => Cursor::default(),
        };
        Ok(Self { limit, cursor })
    }

    /// Builds the page from `limit + 1` fetched rows: the extra row only tells that more exist.
    pub fn page_from<T>(self, mut rows: Vec<T>) -> Page<T> {
        let has_more = rows.len() > self.limit as usize;
        rows.truncate(self.limit as usize);
        let next_cursor =
            has_more.then(|| Cursor::at(self.cursor.offset() + u64::from(self.limit)).encode());
        Page {
            data: rows,
            next_cursor,
        }
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    /// The rows of this page.
    pub data: Vec<T>,
    /// The cursor of the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Maps every row, keeping the cursor.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            data: self.data.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_foreign_tokens() {
        for offset in [0, 1, 35, 36, 1234, MAX_OFFSET] {
            assert_eq!(
                Cursor::decode(&Cursor::at(offset).encode())
                    .unwrap()
                    .offset(),
                offset
            );
        }
        for bad in [
            "",
            "o",
            "x12",
            "o-1",
            "o!!",
            "ozzzzzzzzzzzzzzzz",
            "o1'; drop",
        ] {
            assert!(Cursor::decode(bad).is_err(), "{bad} accepted");
        }
        for bad in ["o+1", "oA", "o 1"] {
            assert!(Cursor::decode(bad).is_err(), "{bad} accepted");
        }
        let huge = Cursor::decode(&Cursor::at(MAX_OFFSET + 1).encode()).unwrap();
        assert_eq!(huge.offset(), MAX_OFFSET);
        assert_eq!(
            Cursor::decode("ozzzzzzzzzzzz").unwrap().offset(),
            MAX_OFFSET
        );
    }

    #[test]
    fn limits_are_clamped_and_the_extra_row_makes_the_next_cursor() {
        let request = PageRequest::new(Some(1000), None, DEFAULT_LIMIT, MAX_LIMIT).unwrap();
        assert_eq!(request.limit, MAX_LIMIT);
        let request = PageRequest::new(Some(0), None, DEFAULT_LIMIT, MAX_LIMIT).unwrap();
        assert_eq!(request.limit, 1);
        let request = PageRequest::new(Some(2), None, DEFAULT_LIMIT, MAX_LIMIT).unwrap();
        let page = request.page_from(vec![1, 2, 3]);
        assert_eq!(page.data, vec![1, 2]);
        let next = Cursor::decode(page.next_cursor.as_deref().unwrap()).unwrap();
        assert_eq!(next.offset(), 2);
        assert_eq!(request.page_from(vec![1, 2]).next_cursor, None);
    }
}
