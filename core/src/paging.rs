//! Lists a page at a time, newest first, and the text filters that narrow them. Every
//! list keys its pages on a row id: `next_cursor` is the last id of a page, and the next
//! page starts below it.

use types::{AppError, Page};

/// The page size (1 to 100, default 20; others are refused) and the id the page starts
/// below.
pub fn bounds(limit: Option<u32>, cursor: Option<&str>) -> Result<(i64, Option<i64>), AppError> {
    let limit = match limit.unwrap_or(20) {
        n @ 1..=100 => i64::from(n),
        _ => return Err(AppError::invalid("limit", "Ask for 1 to 100 items a page.")),
    };
    let before = match cursor.filter(|c| !c.is_empty()) {
        None => None,
        // Digits only, as the document's pattern says (`^[0-9]{0,18}$`): no sign, no space.
        Some(c) if c.len() <= 18 && c.bytes().all(|b| b.is_ascii_digit()) => c.parse().ok(),
        Some(_) => {
            return Err(AppError::invalid(
                "cursor",
                "Pass back the next_cursor of the previous page.",
            ))
        }
    };
    Ok((limit, before))
}

/// Turns `limit + 1` fetched rows into a page and the cursor of the next one.
pub fn paginate<R, T: From<R>>(mut rows: Vec<R>, limit: i64, id: impl Fn(&R) -> i64) -> Page<T> {
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| id(r).to_string())
    } else {
        None
    };
    Page {
        items: rows.into_iter().map(T::from).collect(),
        next_cursor,
    }
}

/// Text typed into a filter, without control characters (which PostgreSQL refuses);
/// `None` when nothing is left.
pub fn filter_text(text: Option<&str>) -> Option<String> {
    let text: String = text?.chars().filter(|c| !c.is_control()).collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// A case-insensitive "contains" pattern for filter text, with LIKE's wildcards taken
/// literally; `None` when there is nothing to filter by.
pub fn like_pattern(text: Option<&str>) -> Option<String> {
    let escaped = filter_text(text)?
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Some(format!("%{escaped}%"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(like_pattern(Some(" 50%_off ")).unwrap(), "%50\\%\\_off%");
        assert_eq!(like_pattern(Some(" \t ")), None);
        assert_eq!(like_pattern(None), None);
    }

    #[test]
    fn a_page_of_limit_plus_one_rows_has_a_cursor() {
        let page: Page<i64> = paginate(vec![9, 8, 7], 2, |r| *r);
        assert_eq!(page.items, vec![9, 8]);
        assert_eq!(page.next_cursor.as_deref(), Some("8"));
        let last: Page<i64> = paginate(vec![7], 2, |r| *r);
        assert_eq!(last.next_cursor, None);
    }
}
