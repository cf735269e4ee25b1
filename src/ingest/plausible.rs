//! The one judge of whether a price is believable, used where quotes enter the store (every
//! source, through the scheduler) and again where they enter pricing (quotes of one market can
//! arrive from different sources in different polls, so only the whole board can see an
//! outlier between them). A desk acts on our prices: one absurd quote must never become an
//! "edge", an arbitrage or a shift of the consensus.

use crate::config::schema::PlausibilityConfig;
use crate::domain::Quote;
use std::collections::HashMap;

/// Quarantine reason: the price lies outside `ingestion.plausibility`'s bounds.
pub const IMPLAUSIBLE_PRICE: &str = "implausible_price";
/// Quarantine reason: the price is far from what the other books quote for the same selection.
pub const OUTLIER_PRICE: &str = "outlier_price";

/// Quarantine reason: a book name no sportsbook has (control characters, absurd length).
pub const INVALID_BOOK: &str = "invalid_book";

/// Longest book name kept; real ones are a word or two.
pub const MAX_BOOK_CHARS: usize = 64;

/// Quarantine reason: an event kicks off before any season the product knows or years ahead.
pub const IMPLAUSIBLE_KICKOFF: &str = "implausible_kickoff";

/// The kickoffs an event may have at `now_ms`: from the first season of the shipped history
/// (1999) to two years ahead (schedules are published months before a season).
pub fn kickoff_bounds(now_ms: i64) -> (i64, i64) {
    const SEPT_1999_MS: i64 = 936_144_000_000;
    (SEPT_1999_MS, now_ms.saturating_add(2 * 366 * 86_400_000))
}

/// Why one quote is kept out: its index in the judged slice, a reason code, and a sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub index: usize,
    pub reason: &'static str,
    pub detail: String,
}

fn describe(q: &Quote) -> String {
    let line = q.line.map(|l| format!(" {l}")).unwrap_or_default();
    format!(
        "{} {} {} {} {}{} at {:+}",
        q.book,
        q.event_id,
        q.market.as_str(),
        q.scope.as_str(),
        q.selection.as_str(),
        line,
        q.american
    )
}

/// One selection of one market at one line: event, market, scope, selection, line in hundredths.
type SelectionKey<'a> = (&'a str, &'a str, &'a str, &'a str, Option<i64>);

/// Judges every quote against the bounds, then against the other books quoting the same
/// selection of the same market at the same line. The reference is the median over all books
/// of that selection (the judged one included), so one wild book cannot drag the reference
/// toward itself and make a sane book look wild; with fewer than `outlier_min_books + 1` books
/// nothing can tell which one is off, and the bounds alone decide.
pub fn judge(quotes: &[&Quote], cfg: &PlausibilityConfig) -> Vec<Rejection> {
    let mut out = Vec::new();
    let mut groups: HashMap<SelectionKey, Vec<usize>> = HashMap::new();
    for (i, q) in quotes.iter().enumerate() {
        if q.book.is_empty()
            || q.book.chars().count() > MAX_BOOK_CHARS
            || q.book.chars().any(char::is_control)
        {
            let shown: String = q.book.chars().take(MAX_BOOK_CHARS).collect();
            out.push(Rejection {
                index: i,
                reason: INVALID_BOOK,
                detail: format!(
                    "book name {:?} ({} characters) is empty, longer than {MAX_BOOK_CHARS} or holds control characters",
                    shown,
                    q.book.chars().count()
                ),
            });
            continue;
        }
        if q.american < cfg.min_american || q.american > cfg.max_american {
            out.push(Rejection {
                index: i,
                reason: IMPLAUSIBLE_PRICE,
                detail: format!(
                    "{}: outside ingestion.plausibility [{:+}, {:+}]",
                    describe(q),
                    cfg.min_american,
                    cfg.max_american
                ),
            });
            continue;
        }
        let line = q
            .line
            .filter(|l| l.is_finite())
            .map(|l| (l * 100.0).round() as i64);
        groups
            .entry((
                q.event_id.as_str(),
                q.market.as_str(),
                q.scope.as_str(),
                q.selection.as_str(),
                line,
            ))
            .or_default()
            .push(i);
    }
    let min_books = cfg.outlier_min_books as usize + 1;
    for members in groups.values() {
        let mut books: Vec<&str> = members.iter().map(|&i| quotes[i].book.as_str()).collect();
        books.sort_unstable();
        books.dedup();
        if books.len() < min_books {
            continue;
        }
        let mut probs: Vec<f64> = members.iter().map(|&i| 1.0 / quotes[i].decimal()).collect();
        probs.sort_by(f64::total_cmp);
        let n = probs.len();
        let median = if n % 2 == 1 {
            probs[n / 2]
        } else {
            (probs[n / 2 - 1] + probs[n / 2]) / 2.0
        };
        for &i in members {
            let p = 1.0 / quotes[i].decimal();
            if (p - median).abs() > cfg.outlier_max_gap {
                out.push(Rejection {
                    index: i,
                    reason: OUTLIER_PRICE,
                    detail: format!(
                        "{}: implied probability {p:.3} is more than {} from the median {median:.3} of {} books",
                        describe(quotes[i]),
                        cfg.outlier_max_gap,
                        books.len()
                    ),
                });
            }
        }
    }
    out.sort_by_key(|r| r.index);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{MarketKind, Scope, Selection};

    fn q(book: &str, sel: Selection, american: i64) -> Quote {
        Quote {
            event_id: "2025_08_WAS_KC".into(),
            book: book.into(),
            market: MarketKind::Moneyline,
            scope: Scope::Game,
            selection: sel,
            line: None,
            american,
            observed_ms: 0,
            source: "file".into(),
        }
    }

    #[test]
    fn an_absurd_price_is_out_of_bounds_and_a_wild_one_is_an_outlier() {
        let cfg = PlausibilityConfig::default();
        let quotes = [
            q("pinnacle", Selection::Home, -120),
            q("circa", Selection::Home, -118),
            q("fatfinger", Selection::Home, 100_000),
            q("pinnacle", Selection::Away, 105),
            q("circa", Selection::Away, 102),
            q("wild", Selection::Away, -600),
        ];
        let refs: Vec<&Quote> = quotes.iter().collect();
        let r = judge(&refs, &cfg);
        let got: Vec<(usize, &str)> = r.iter().map(|r| (r.index, r.reason)).collect();
        assert_eq!(
            got,
            vec![(2, IMPLAUSIBLE_PRICE), (5, OUTLIER_PRICE)],
            "{r:#?}"
        );
    }

    #[test]
    fn two_books_cannot_outvote_each_other() {
        let cfg = PlausibilityConfig::default();
        let quotes = [
            q("pinnacle", Selection::Home, -120),
            q("wild", Selection::Home, 900),
        ];
        let refs: Vec<&Quote> = quotes.iter().collect();
        assert!(judge(&refs, &cfg).is_empty());
    }
}
