//! Query-string parsing with problem-document errors naming the parameter and what it expects.

use super::problem::Problem;
use std::collections::HashMap;
use std::str::FromStr;

pub struct Params(pub HashMap<String, String>);

pub const MAX_LIMIT: usize = 1000;

impl Params {
    pub fn str(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(|s| s.as_str())
            .filter(|s| !s.is_empty())
    }

    pub fn parse<T: FromStr>(&self, key: &str, expected: &str) -> Result<Option<T>, Problem> {
        match self.str(key) {
            None => Ok(None),
            Some(v) => v.parse::<T>().map(Some).map_err(|_| {
                Problem::bad_request(format!(
                    "query parameter `{key}`: expected {expected}, got {v:?}"
                ))
            }),
        }
    }

    pub fn required(&self, key: &str) -> Result<&str, Problem> {
        self.str(key)
            .ok_or_else(|| Problem::bad_request(format!("query parameter `{key}` is required")))
    }

    /// `limit` (1..=1000, default 100) and `offset` (default 0).
    pub fn page(&self) -> Result<(usize, usize), Problem> {
        let limit = self
            .parse::<usize>("limit", "an integer from 1 to 1000")?
            .unwrap_or(100);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(Problem::bad_request(format!(
                "query parameter `limit`: expected an integer from 1 to 1000, got {limit}"
            )));
        }
        let offset = self
            .parse::<usize>("offset", "a non-negative integer")?
            .unwrap_or(0);
        Ok((limit, offset))
    }
}

/// A page of results with the total before pagination.
#[derive(Debug, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: usize,
    pub limit: usize,
    pub offset: usize,
}

pub fn paginate<T>(all: Vec<T>, limit: usize, offset: usize) -> Page<T> {
    let total = all.len();
    let items = all.into_iter().skip(offset).take(limit).collect();
    Page {
        items,
        total,
        limit,
        offset,
    }
}
