//! Season-long ("outright", "futures") prices: who wins the Super Bowl, a conference or a
//! division, who makes the playoffs, and a team's regular-season win total. They settle once, at
//! the end of the regular season or of the playoffs, so a price is a team's, not a game's.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What an outright pays on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutrightMarket {
    /// Wins the Super Bowl; one field of 32 clubs.
    SuperBowl,
    /// Wins its conference (reaches the Super Bowl); a field of 16 per conference.
    Conference,
    /// Wins its division; a field of 4.
    Division,
    /// Makes the playoffs: yes or no, a two-way price per team.
    Playoffs,
    /// Regular-season wins over or under a line, a two-way price per team and line.
    WinTotal,
}

impl OutrightMarket {
    pub const ALL: [OutrightMarket; 5] = [
        OutrightMarket::SuperBowl,
        OutrightMarket::Conference,
        OutrightMarket::Division,
        OutrightMarket::Playoffs,
        OutrightMarket::WinTotal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutrightMarket::SuperBowl => "super_bowl",
            OutrightMarket::Conference => "conference",
            OutrightMarket::Division => "division",
            OutrightMarket::Playoffs => "playoffs",
            OutrightMarket::WinTotal => "win_total",
        }
    }

    /// Many runners, one winner (de-vigged across the field), or a two-way price per team.
    pub fn is_field(self) -> bool {
        matches!(
            self,
            OutrightMarket::SuperBowl | OutrightMarket::Conference | OutrightMarket::Division
        )
    }

    /// An Odds API outright sport key to the market it prices; `None` for keys it does not
    /// know. The API documents `americanfootball_nfl_super_bowl_winner`; conference and division
    /// keys are read from their names (`..._afc_championship_winner`, `..._nfc_west_winner`).
    pub fn of_sport_key(key: &str) -> Option<OutrightMarket> {
        let k = key.trim().to_ascii_lowercase();
        let rest = k.strip_prefix("americanfootball_nfl_")?;
        if rest == "super_bowl_winner" {
            return Some(OutrightMarket::SuperBowl);
        }
        let conf = rest
            .strip_prefix("afc_")
            .or_else(|| rest.strip_prefix("nfc_"))?;
        match conf {
            "championship_winner" | "conference_winner" | "winner" => {
                Some(OutrightMarket::Conference)
            }
            "east_winner" | "north_winner" | "south_winner" | "west_winner" => {
                Some(OutrightMarket::Division)
            }
            _ => None,
        }
    }

    /// The sides a quote of this market may take.
    pub fn sides(self) -> &'static [OutrightSide] {
        match self {
            OutrightMarket::SuperBowl | OutrightMarket::Conference | OutrightMarket::Division => {
                &[OutrightSide::Win]
            }
            OutrightMarket::Playoffs => &[OutrightSide::Yes, OutrightSide::No],
            OutrightMarket::WinTotal => &[OutrightSide::Over, OutrightSide::Under],
        }
    }
}

impl fmt::Display for OutrightMarket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OutrightMarket {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Ok(match t.as_str() {
            "super_bowl" | "superbowl" | "sb" | "champion" => OutrightMarket::SuperBowl,
            "conference" | "conf" => OutrightMarket::Conference,
            "division" | "div" => OutrightMarket::Division,
            "playoffs" | "make_playoffs" => OutrightMarket::Playoffs,
            "win_total" | "wins" | "season_wins" => OutrightMarket::WinTotal,
            _ => {
                return Err(format!(
                    "unknown outright market {s:?}; expected one of super_bowl, conference, \
                     division, playoffs, win_total"
                ))
            }
        })
    }
}

/// Which side of an outright: the team wins its field, yes/no, or over/under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutrightSide {
    Win,
    Yes,
    No,
    Over,
    Under,
}

impl OutrightSide {
    pub fn as_str(self) -> &'static str {
        match self {
            OutrightSide::Win => "win",
            OutrightSide::Yes => "yes",
            OutrightSide::No => "no",
            OutrightSide::Over => "over",
            OutrightSide::Under => "under",
        }
    }

    /// The other side of a two-way price (none for a field market).
    pub fn opposite(self) -> Option<OutrightSide> {
        match self {
            OutrightSide::Win => None,
            OutrightSide::Yes => Some(OutrightSide::No),
            OutrightSide::No => Some(OutrightSide::Yes),
            OutrightSide::Over => Some(OutrightSide::Under),
            OutrightSide::Under => Some(OutrightSide::Over),
        }
    }
}

impl fmt::Display for OutrightSide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OutrightSide {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "" | "win" | "winner" => OutrightSide::Win,
            "yes" => OutrightSide::Yes,
            "no" => OutrightSide::No,
            "over" | "o" => OutrightSide::Over,
            "under" | "u" => OutrightSide::Under,
            _ => {
                return Err(format!(
                    "unknown side {s:?}; expected win (or blank), yes, no, over or under"
                ))
            }
        })
    }
}

/// One book's price on one outright at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutrightQuote {
    /// The season the market settles (2024 for the Super Bowl played in February 2025).
    pub season: i32,
    pub book: String,
    pub market: OutrightMarket,
    /// The team's code (`KC`), as the team table spells it.
    pub team: String,
    pub side: OutrightSide,
    /// The win-total line; none for the other markets.
    pub line: Option<f64>,
    pub american: i64,
    /// When the book showed the price, ms since the epoch.
    pub observed_ms: i64,
    pub source: String,
}

impl OutrightQuote {
    /// One latest price per slot: season, book, market, team, side and line.
    pub fn line_key(&self) -> String {
        self.line.map(|l| format!("{l:.1}")).unwrap_or_default()
    }

    pub fn decimal(&self) -> f64 {
        crate::domain::odds::american_to_decimal(self.american).unwrap_or(f64::NAN)
    }
}

/// Checks a quote's side and line against its market: win totals need a half- or whole-number
/// line in [0, 17.5]; the other markets take none.
pub fn check_outright(
    market: OutrightMarket,
    side: OutrightSide,
    line: Option<f64>,
) -> Result<Option<f64>, String> {
    if !market.sides().contains(&side) {
        let allowed: Vec<&str> = market.sides().iter().map(|s| s.as_str()).collect();
        return Err(format!(
            "side {side} does not fit {market}; expected {}",
            allowed.join(" or ")
        ));
    }
    match (market, line) {
        (OutrightMarket::WinTotal, Some(l)) if l.is_finite() && (0.0..=17.5).contains(&l) => {
            if (l * 2.0).fract() != 0.0 {
                return Err(format!("win total line {l} is not a whole or half number"));
            }
            Ok(Some(l))
        }
        (OutrightMarket::WinTotal, Some(l)) => Err(format!(
            "win total line {l} is outside 0-17.5 (a season has 17 games)"
        )),
        (OutrightMarket::WinTotal, None) => Err("win_total needs a line".into()),
        (_, _) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for m in OutrightMarket::ALL {
            assert_eq!(m.as_str().parse::<OutrightMarket>(), Ok(m));
            for s in m.sides() {
                assert_eq!(s.as_str().parse::<OutrightSide>(), Ok(*s));
            }
        }
        assert!("mvp".parse::<OutrightMarket>().is_err());
    }

    #[test]
    fn lines_fit_their_market() {
        let m = OutrightMarket::WinTotal;
        assert_eq!(
            check_outright(m, OutrightSide::Over, Some(9.5)),
            Ok(Some(9.5))
        );
        assert!(check_outright(m, OutrightSide::Over, Some(9.25)).is_err());
        assert!(check_outright(m, OutrightSide::Over, Some(f64::NAN)).is_err());
        assert!(check_outright(m, OutrightSide::Over, Some(18.0)).is_err());
        assert!(check_outright(m, OutrightSide::Over, None).is_err());
        assert!(check_outright(m, OutrightSide::Win, Some(9.5)).is_err());
        let sb = OutrightMarket::SuperBowl;
        assert_eq!(check_outright(sb, OutrightSide::Win, Some(3.0)), Ok(None));
        assert!(check_outright(sb, OutrightSide::Yes, None).is_err());
    }
}
