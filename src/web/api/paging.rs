//! Keyset paging: lists come in a stable order, and the opaque `cursor` carries the sort
//! key of the last item returned, so a page never skips or repeats rows when others are
//! added meanwhile (OFFSET would), and a deep page costs what the first one does.

use super::{Kind, Problem};
use crate::crypto;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
}

impl PageQuery {
    pub fn limit(&self) -> Result<i64, Problem> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(Problem::new(
                Kind::InvalidRequest,
                format!("limit must be between 1 and {MAX_LIMIT}"),
            )),
        }
    }

    /// The sort key the cursor carries, if any.
    pub fn after<K: DeserializeOwned>(&self) -> Result<Option<K>, Problem> {
        self.cursor.as_deref().map(Cursor::decode).transpose()
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows: the extra row only says there is more.
    pub fn from_rows<K: Serialize>(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> K) -> Self {
        let more = rows.len() as i64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        let next_cursor = more
            .then(|| rows.last().map(|last| Cursor::encode(&key(last))))
            .flatten();
        Page {
            items: rows,
            next_cursor,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

/// The opaque cursor: base64url JSON of a sort key. Opaque to clients, not secret.
pub struct Cursor;

impl Cursor {
    pub fn encode<K: Serialize>(key: &K) -> String {
        crypto::b64url(&serde_json::to_vec(key).unwrap_or_default())
    }

    pub fn decode<K: DeserializeOwned>(text: &str) -> Result<K, Problem> {
        crypto::b64url_decode(text)
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| Problem::new(Kind::InvalidRequest, "the cursor is not valid"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_limit_plus_one_rows_has_a_cursor_at_its_last_item() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |n| *n);
        assert_eq!(page.items, vec![1, 2]);
        let next: i32 = Cursor::decode(page.next_cursor.as_deref().unwrap()).unwrap();
        assert_eq!(next, 2);
        assert!(Page::from_rows(vec![1, 2], 2, |n| *n).next_cursor.is_none());
    }

    #[test]
    fn a_forged_cursor_is_a_clear_error() {
        assert!(Cursor::decode::<i64>("not base64!").is_err());
    }
}
