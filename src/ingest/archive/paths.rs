//! A joined archive game as the odds paths a feed would have left: the opener (the site's book 8)
//! at the time it was posted, then every book's close five minutes before kickoff. The store's
//! slot-diff turns these into history rows like any poll's, so CLV, steam and book profiles read
//! them as they read live data.

use super::{book_name, Joined, Lines, OPENER_BOOK};
use crate::domain::{Event, Quote, Scope};
use crate::ingest::normalize::eastern_to_utc_ms;
use crate::pricing::known::Cutoff;
use crate::pricing::GameRecord;
use chrono::{NaiveDate, NaiveTime};

/// The `source` column of every quote the archive writes.
pub const SOURCE: &str = "odds-archive";

/// How long before kickoff a close is stamped: the site's "last line before the game".
pub const CLOSE_BEFORE_KICKOFF_MS: i64 = 5 * 60 * 1000;

/// The moment an opener posted "before the cutoff day's games" is stamped: 06:00 US Eastern of
/// that day, before its earliest kickoff (09:30 London games).
pub fn posted_ms(cutoff: &Cutoff) -> Option<i64> {
    let day = NaiveDate::parse_from_str(cutoff.as_str(), "%Y-%m-%d").ok()?;
    Some(eastern_to_utc_ms(
        day.and_time(NaiveTime::from_hms_opt(6, 0, 0)?),
    ))
}

/// The event of a joined game (its nflverse id and schedule teams, the site's kickoff).
pub fn event(j: &Joined, row: &GameRecord) -> Event {
    Event {
        event_id: row.game_id.clone(),
        game_id: Some(row.game_id.clone()),
        season: Some(row.season),
        week: Some(row.week),
        home_team: row.home_team.clone(),
        away_team: row.away_team.clone(),
        commence_ms: j.game.kickoff_ms,
    }
}

/// One book's lines as quotes observed at `observed_ms`.
pub fn quotes_of(event_id: &str, book: &str, lines: &Lines, observed_ms: i64) -> Vec<Quote> {
    let mut out = Vec::new();
    for side in lines.sides() {
        for (selection, line, american) in side.legs {
            out.push(Quote {
                event_id: event_id.to_string(),
                book: book.to_string(),
                market: side.market,
                scope: Scope::Game,
                selection,
                line,
                american,
                observed_ms,
                source: SOURCE.to_string(),
            });
        }
    }
    out
}

/// The opener's quotes (posted at `open_ms`, never after the close) and every book's closes.
pub fn opener_quotes(j: &Joined, row: &GameRecord, open_ms: i64) -> Vec<Quote> {
    let close_ms = j.game.kickoff_ms - CLOSE_BEFORE_KICKOFF_MS;
    quotes_of(
        &row.game_id,
        &book_name(OPENER_BOOK),
        &j.game.opener,
        open_ms.min(close_ms - 1),
    )
}

pub fn close_quotes(j: &Joined, row: &GameRecord) -> Vec<Quote> {
    let close_ms = j.game.kickoff_ms - CLOSE_BEFORE_KICKOFF_MS;
    j.game
        .closes
        .iter()
        .flat_map(|(id, lines)| quotes_of(&row.game_id, &book_name(*id), lines, close_ms))
        .collect()
}
