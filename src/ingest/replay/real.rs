//! A replayed week that the real-odds archive holds: each game opens at the real opener and each
//! real book (`book-<id>`) drifts to its own real close, with the replay's lag and noise in
//! between. The archive quotes full-game moneylines, spreads and totals only; halves, quarters,
//! ladders and team totals stay synthetic around each book's drifting line.

use super::books::BookProfile;
use super::week::ReplayGame;
use crate::domain::sample::median;
use crate::domain::{Quote, Scope};
use crate::ingest::archive::{self, book_name, Lines, BOOK_IDS, OPENER_BOOK};
use crate::pricing::GameRecord;
use std::path::Path;

/// The real market of one replayed game.
#[derive(Debug, Clone, PartialEq)]
pub struct RealMarket {
    pub opener: Lines,
    /// Each real book's close, by name.
    pub closes: Vec<(String, Lines)>,
    /// Expected home margin and total at the opener and at the closing consensus (median).
    pub open_margin: f64,
    pub open_total: f64,
    pub close_margin: f64,
    pub close_total: f64,
}

impl RealMarket {
    fn of(opener: Lines, closes: Vec<(String, Lines)>) -> Option<RealMarket> {
        let mut margins: Vec<f64> = closes
            .iter()
            .filter_map(|(_, l)| l.spread?.line.map(|x| -x))
            .collect();
        let mut totals: Vec<f64> = closes.iter().filter_map(|(_, l)| l.total?.line).collect();
        let close_margin = median(&mut margins)?;
        let close_total = median(&mut totals)?;
        Some(RealMarket {
            open_margin: opener
                .spread
                .and_then(|s| s.line)
                .map_or(close_margin, |l| -l),
            open_total: opener.total.and_then(|t| t.line).unwrap_or(close_total),
            opener,
            closes,
            close_margin,
            close_total,
        })
    }

    pub fn close(&self, book: &str) -> Option<&Lines> {
        self.closes.iter().find(|(b, _)| b == book).map(|(_, l)| l)
    }

    /// A book's own closing home margin and total (the consensus where it quoted neither).
    pub fn book_close(&self, book: &str) -> (f64, f64) {
        let l = self.close(book);
        (
            l.and_then(|l| l.spread?.line)
                .map_or(self.close_margin, |x| -x),
            l.and_then(|l| l.total?.line).unwrap_or(self.close_total),
        )
    }

    /// The exact full-game quotes a book shows at market progress `tau` (and `seen`, the
    /// progress its lag lets it see), if any: the opener's own prices at the very start (the
    /// opener's book only) and, over the last stretch before kickoff, the book's real close
    /// whatever its lag (the archive's close is the book's last line before the game).
    pub fn exact(
        &self,
        book: &str,
        tau: f64,
        seen: f64,
        event_id: &str,
        now_ms: i64,
    ) -> Option<Vec<Quote>> {
        let lines = if tau >= CLOSE_FROM {
            self.close(book)?
        } else if seen < OPEN_UNTIL && book == book_name(OPENER_BOOK) {
            &self.opener
        } else {
            return None;
        };
        Some(archive::paths::quotes_of(event_id, book, lines, now_ms))
    }
}

/// Progress from which a book deals its real close, and until which the opener's book deals
/// the real opener.
pub const CLOSE_FROM: f64 = 0.97;
pub const OPEN_UNTIL: f64 = 0.03;

/// Attaches the archive's market to every game of `games` the archive week holds; returns the
/// real books that quote the week (with the hold of their closes as their margin), or `None` when
/// the archive has no file for the week or places none of its games.
pub fn attach(
    games: &mut [ReplayGame],
    odds_dir: &Path,
    schedule: &[GameRecord],
) -> Result<Option<Vec<BookProfile>>, String> {
    let Some(first) = games.first() else {
        return Ok(None);
    };
    let (season, week) = (first.season, first.week);
    let Some(week_archive) =
        archive::load_week(odds_dir, season, week).map_err(|e| e.to_string())?
    else {
        return Ok(None);
    };
    let joined = archive::join(&week_archive.games, schedule);
    let mut any = false;
    let mut holds: Vec<(u32, Vec<f64>)> = BOOK_IDS.iter().map(|b| (*b, Vec::new())).collect();
    for j in &joined.joined {
        let id = &schedule[j.row].game_id;
        let Some(g) = games.iter_mut().find(|g| &g.game_id == id) else {
            continue;
        };
        let closes: Vec<(String, Lines)> = j
            .game
            .closes
            .iter()
            .map(|(b, l)| (book_name(*b), *l))
            .collect();
        for (b, l) in &j.game.closes {
            if let Some(h) = l.spread.and_then(|s| two_way_hold(s.first, s.second)) {
                if let Some(slot) = holds.iter_mut().find(|(id, _)| id == b) {
                    slot.1.push(h);
                }
            }
        }
        g.real = RealMarket::of(j.game.opener, closes);
        any |= g.real.is_some();
    }
    if !any {
        return Ok(None);
    }
    let books = holds
        .into_iter()
        .filter(|(_, h)| !h.is_empty())
        .map(|(id, h)| {
            let vig = h.iter().sum::<f64>() / h.len() as f64;
            BookProfile::archive(&book_name(id), vig)
        })
        .collect();
    Ok(Some(books))
}

fn two_way_hold(a: i64, b: i64) -> Option<f64> {
    let p = |x: i64| crate::domain::odds::american_to_implied(x).ok();
    Some(p(a)? + p(b)? - 1.0).filter(|h| h.is_finite() && *h > -0.5)
}

/// Whether a quote is one the archive supplies exactly (full-game moneyline, spread or total).
pub fn archive_kind(q: &Quote) -> bool {
    q.scope == Scope::Game
        && matches!(
            q.market,
            crate::domain::MarketKind::Moneyline
                | crate::domain::MarketKind::Spread
                | crate::domain::MarketKind::Total
        )
}
