//! The canonical market taxonomy every source is normalised into: what is being priced
//! (market, scope, selection, line) independent of how a book labels it.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarketKind {
    Moneyline,
    /// Three-way result (home / away / tie), for halves and quarters where ties are common.
    Moneyline3Way,
    Spread,
    Total,
    TeamTotal,
    /// Alternate ladders: every rung is its own line, so the ladder key includes the line.
    SpreadAlt,
    TotalAlt,
}

impl MarketKind {
    pub const ALL: [MarketKind; 7] = [
        MarketKind::Moneyline,
        MarketKind::Moneyline3Way,
        MarketKind::Spread,
        MarketKind::Total,
        MarketKind::TeamTotal,
        MarketKind::SpreadAlt,
        MarketKind::TotalAlt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MarketKind::Moneyline => "moneyline",
            MarketKind::Moneyline3Way => "moneyline_3way",
            MarketKind::Spread => "spread",
            MarketKind::Total => "total",
            MarketKind::TeamTotal => "team_total",
            MarketKind::SpreadAlt => "spread_alt",
            MarketKind::TotalAlt => "total_alt",
        }
    }

    /// Alternate and team-total markets list several lines for one selection at once.
    pub fn is_ladder(self) -> bool {
        matches!(
            self,
            MarketKind::SpreadAlt | MarketKind::TotalAlt | MarketKind::TeamTotal
        )
    }

    pub fn has_line(self) -> bool {
        !matches!(self, MarketKind::Moneyline | MarketKind::Moneyline3Way)
    }

    /// The family shown in freshness panes and used by the stalled-ingestion policy.
    pub fn group(self) -> &'static str {
        match self {
            MarketKind::Moneyline | MarketKind::Moneyline3Way => "moneyline",
            MarketKind::Spread | MarketKind::SpreadAlt => "spread",
            MarketKind::Total | MarketKind::TotalAlt | MarketKind::TeamTotal => "total",
        }
    }
}

impl fmt::Display for MarketKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MarketKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MarketKind::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| format!("unknown market {s:?}"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "game")]
    Game,
    #[serde(rename = "1h")]
    H1,
    #[serde(rename = "2h")]
    H2,
    #[serde(rename = "1q")]
    Q1,
    #[serde(rename = "2q")]
    Q2,
    #[serde(rename = "3q")]
    Q3,
    #[serde(rename = "4q")]
    Q4,
}

impl Scope {
    pub const ALL: [Scope; 7] = [
        Scope::Game,
        Scope::H1,
        Scope::H2,
        Scope::Q1,
        Scope::Q2,
        Scope::Q3,
        Scope::Q4,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Game => "game",
            Scope::H1 => "1h",
            Scope::H2 => "2h",
            Scope::Q1 => "1q",
            Scope::Q2 => "2q",
            Scope::Q3 => "3q",
            Scope::Q4 => "4q",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase();
        let alias = match norm.as_str() {
            "full" | "full_game" | "fg" => "game",
            "first_half" | "h1" => "1h",
            "second_half" | "h2" => "2h",
            "q1" => "1q",
            "q2" => "2q",
            "q3" => "3q",
            "q4" => "4q",
            other => other,
        };
        Scope::ALL
            .into_iter()
            .find(|x| x.as_str() == alias)
            .ok_or_else(|| format!("unknown scope {s:?}"))
    }
}

/// Who or what a quote backs. Team totals carry both the team and the over/under side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    Home,
    Away,
    Tie,
    Over,
    Under,
    HomeOver,
    HomeUnder,
    AwayOver,
    AwayUnder,
}

impl Selection {
    pub const ALL: [Selection; 9] = [
        Selection::Home,
        Selection::Away,
        Selection::Tie,
        Selection::Over,
        Selection::Under,
        Selection::HomeOver,
        Selection::HomeUnder,
        Selection::AwayOver,
        Selection::AwayUnder,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Selection::Home => "home",
            Selection::Away => "away",
            Selection::Tie => "tie",
            Selection::Over => "over",
            Selection::Under => "under",
            Selection::HomeOver => "home_over",
            Selection::HomeUnder => "home_under",
            Selection::AwayOver => "away_over",
            Selection::AwayUnder => "away_under",
        }
    }

    /// The other side of a two-way market, used to pair quotes for de-vigging.
    pub fn opposite(self) -> Option<Selection> {
        Some(match self {
            Selection::Home => Selection::Away,
            Selection::Away => Selection::Home,
            Selection::Over => Selection::Under,
            Selection::Under => Selection::Over,
            Selection::HomeOver => Selection::HomeUnder,
            Selection::HomeUnder => Selection::HomeOver,
            Selection::AwayOver => Selection::AwayUnder,
            Selection::AwayUnder => Selection::AwayOver,
            Selection::Tie => return None,
        })
    }
}

impl fmt::Display for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Selection {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Selection::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| format!("unknown selection {s:?}"))
    }
}

/// One canonical game, matched across books.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Stable id: the nflverse `game_id` when the schedule knows the game, else
    /// `{season}_{kickoff date}_{away}_{home}`.
    pub event_id: String,
    pub game_id: Option<String>,
    pub season: Option<i32>,
    pub week: Option<i32>,
    pub home_team: String,
    pub away_team: String,
    /// Kickoff, milliseconds since the Unix epoch (UTC).
    pub commence_ms: i64,
}

impl Event {
    pub fn label(&self) -> String {
        format!("{}@{}", self.away_team, self.home_team)
    }
}

/// One price from one book at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    pub event_id: String,
    pub book: String,
    pub market: MarketKind,
    pub scope: Scope,
    pub selection: Selection,
    /// Spread (from the selection's point of view: -3.5 means it gives 3.5) or total.
    pub line: Option<f64>,
    pub american: i64,
    /// When the book last changed or confirmed this price, ms since epoch.
    pub observed_ms: i64,
    pub source: String,
}

impl Quote {
    /// Key identifying one price slot; main-line markets keep one slot per selection so a moving
    /// line shows as a change in the odds path, ladders keep one slot per rung.
    pub fn ladder_key(&self) -> String {
        match (self.market.is_ladder(), self.line) {
            (true, Some(l)) => format!("{l:.1}"),
            _ => String::new(),
        }
    }

    /// The whole slot as one string: event, book, market, scope, selection and ladder rung.
    /// The store keeps one latest price per slot.
    pub fn slot_key(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}|{}",
            self.event_id,
            self.book,
            self.market,
            self.scope,
            self.selection,
            self.ladder_key()
        )
    }

    pub fn decimal(&self) -> f64 {
        crate::domain::odds::american_to_decimal(self.american).unwrap_or(f64::NAN)
    }
}

// The market rules every way in shares (feeds, the file drop, the bet ledger): which selections
// a market has and what its line may be.

/// Checks a line for its market: spreads within +/-100, totals in (0, 200).
pub fn check_line(kind: MarketKind, line: Option<f64>) -> Result<Option<f64>, String> {
    if !kind.has_line() {
        return Ok(None);
    }
    let l = line.ok_or_else(|| format!("{kind} needs a line"))?;
    let ok = match kind {
        MarketKind::Spread | MarketKind::SpreadAlt => l.is_finite() && l.abs() <= 100.0,
        _ => l.is_finite() && l > 0.0 && l < 200.0,
    };
    if ok {
        Ok(Some(l))
    } else {
        Err(format!("line {l} is out of range for {kind}"))
    }
}

/// Which selections a market may carry.
pub fn selection_fits(kind: MarketKind, sel: Selection) -> bool {
    use Selection::*;
    match kind {
        MarketKind::Moneyline | MarketKind::Spread | MarketKind::SpreadAlt => {
            matches!(sel, Home | Away)
        }
        MarketKind::Moneyline3Way => matches!(sel, Home | Away | Tie),
        MarketKind::Total | MarketKind::TotalAlt => matches!(sel, Over | Under),
        MarketKind::TeamTotal => matches!(sel, HomeOver | HomeUnder | AwayOver | AwayUnder),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for m in MarketKind::ALL {
            assert_eq!(m.as_str().parse::<MarketKind>().unwrap(), m);
        }
        for s in Scope::ALL {
            assert_eq!(s.as_str().parse::<Scope>().unwrap(), s);
        }
        for s in Selection::ALL {
            assert_eq!(s.as_str().parse::<Selection>().unwrap(), s);
            if let Some(o) = s.opposite() {
                assert_eq!(o.opposite(), Some(s));
            }
        }
        assert_eq!("first_half".parse::<Scope>().unwrap(), Scope::H1);
    }
}
