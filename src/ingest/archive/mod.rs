//! The real-odds archive: one advance opener and up to 15 books' closes per game, 2018-2024
//! (`data/odds/<season>/week_<n>.csv`, see `data/odds/README.md`).
//!
//! [`parse`] reads the site's layout (two rows per game, the lower rotation number the away
//! team) into [`ArchiveGame`]s, quarantining what it cannot trust with file, line and column;
//! [`join`] places each game on its nflverse schedule row; [`paths`] turns a joined game into the
//! odds paths the store keeps (the opener at its posting time, each book's close just before
//! kickoff) for `data import-odds` and the replay.
//!
//! Established from the data, not from the layout (which does not say): the away row's total
//! price is the over. Across the 24,000 (book, game) closes, a book whose total sits below the
//! other books' median prices the away row 0.63 points of probability dearer, and one above
//! prices it 0.62 points cheaper: a lower total makes the over likelier, so the over is dearer.
//! Against `games.csv`'s own over/under prices at the same line the away row agrees in sign
//! 57% of the time (a different feed at another hour, but the same direction).

pub mod join;
pub mod parse;
pub mod paths;

pub use join::{join, JoinReport, Joined, Unjoined};
pub use parse::{load_dir, load_week, Archive, ArchiveError};

use crate::domain::{MarketKind, Selection};

/// The site's book ids in the layout's column order. Names are not given: a book is `book-<id>`.
pub const BOOK_IDS: [u32; 15] = [8, 9, 10, 16, 20, 28, 29, 36, 44, 54, 82, 84, 123, 127, 130];

/// The book whose line the `opening_*` columns hold.
pub const OPENER_BOOK: u32 = 8;

/// The name a book carries in the store, the evaluation and the replay.
pub fn book_name(id: u32) -> String {
    format!("book-{id}")
}

/// A two-way line: `line` from the home (spread) or over (total) point of view, with both prices
/// (American). Moneylines have no line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TwoWay {
    pub line: Option<f64>,
    /// Home (moneyline, spread) or over (total).
    pub first: i64,
    /// Away or under.
    pub second: i64,
}

/// One book's (or the opener's) moneyline, spread and total for a game, any of them missing.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Lines {
    pub moneyline: Option<TwoWay>,
    /// `line` is the home team's spread as a quote writes it (-3.5: home gives 3.5).
    pub spread: Option<TwoWay>,
    pub total: Option<TwoWay>,
}

impl Lines {
    pub fn is_empty(&self) -> bool {
        self.moneyline.is_none() && self.spread.is_none() && self.total.is_none()
    }

    /// Each present market as (kind, first selection, its line, price, second selection, its
    /// line, price): the shape a quote takes.
    pub fn sides(&self) -> Vec<Side> {
        let mut out = Vec::new();
        if let Some(m) = self.moneyline {
            out.push(Side::of(MarketKind::Moneyline, m, Selection::Home, None));
        }
        if let Some(s) = self.spread {
            out.push(Side::of(
                MarketKind::Spread,
                s,
                Selection::Home,
                s.line.map(|l| -l),
            ));
        }
        if let Some(t) = self.total {
            out.push(Side::of(MarketKind::Total, t, Selection::Over, t.line));
        }
        out
    }
}

/// Both selections of one market as quotes carry them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Side {
    pub market: MarketKind,
    pub legs: [(Selection, Option<f64>, i64); 2],
}

impl Side {
    fn of(market: MarketKind, w: TwoWay, first: Selection, second_line: Option<f64>) -> Side {
        let second = match first {
            Selection::Over => Selection::Under,
            _ => Selection::Away,
        };
        Side {
            market,
            legs: [(first, w.line, w.first), (second, second_line, w.second)],
        }
    }
}

/// One game of the archive as the site wrote it, teams as nflverse franchise codes.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchiveGame {
    /// `<season>/week_<n>.csv` and the line of the game's away row.
    pub file: String,
    pub line: u64,
    /// The site's game id.
    pub site_id: String,
    pub season: i32,
    pub week: i32,
    pub away: String,
    pub home: String,
    /// Kickoff from the site's date and time (US Eastern).
    pub kickoff_ms: i64,
    pub away_score: Option<i32>,
    pub home_score: Option<i32>,
    pub opener: Lines,
    /// Each book's last line before kickoff, in [`BOOK_IDS`] order; books with nothing left out.
    pub closes: Vec<(u32, Lines)>,
}

impl ArchiveGame {
    /// `AWAY@HOME season week`, for messages.
    pub fn label(&self) -> String {
        format!(
            "{}@{} {} week {}",
            self.away, self.home, self.season, self.week
        )
    }

    /// The same game seen with home and away exchanged (a neutral site the schedule lists the
    /// other way round).
    pub fn swapped(&self) -> ArchiveGame {
        let flip = |l: &Lines| Lines {
            moneyline: l.moneyline.map(|m| TwoWay {
                line: None,
                first: m.second,
                second: m.first,
            }),
            spread: l.spread.map(|s| TwoWay {
                line: s.line.map(|x| -x),
                first: s.second,
                second: s.first,
            }),
            total: l.total,
        };
        ArchiveGame {
            away: self.home.clone(),
            home: self.away.clone(),
            away_score: self.home_score,
            home_score: self.away_score,
            opener: flip(&self.opener),
            closes: self.closes.iter().map(|(b, l)| (*b, flip(l))).collect(),
            ..self.clone()
        }
    }
}
