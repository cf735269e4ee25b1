//! How each book behaves, from the live board and the odds path: its hold per market, how far its
//! de-vigged prices sit from the consensus, how often it moves first, how far it lags the
//! originators, and how often it is left stale. This is what tells an originator (Pinnacle, Circa)
//! from a copier.

use super::consensus::{is_sharp, MarketKey};
use super::hold::hold_of;
use super::steam::SteamReport;
use crate::config::schema::AnalyticsConfig;
use crate::domain::{devig, MarketKind, Quote};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BookProfile {
    pub book: String,
    /// Configured as an originator (steam starts at its moves).
    pub originator: bool,
    /// Mean hold of its complete main markets, by market.
    pub hold_by_market: BTreeMap<String, f64>,
    /// Mean hold over every complete main market it quotes.
    pub hold: Option<f64>,
    /// Mean absolute distance of its de-vigged probabilities from the consensus.
    pub consensus_distance: Option<f64>,
    /// Moves in the lookback that no other book had made within the window before it, and that
    /// another book then followed...
    pub first_moves: usize,
    /// ...out of all its followed-or-following moves.
    pub moves: usize,
    pub first_share: Option<f64>,
    /// Median seconds behind the originators' steam, over the events it followed.
    pub median_lag_seconds: Option<f64>,
    /// Steam events (closed windows) where it was quoting the market...
    pub steam_seen: usize,
    /// ...and how many of them it left stale.
    pub steam_stale: usize,
    pub stale_share: Option<f64>,
    /// Measured, not configured: `sharp` for a low hold that is rarely left stale.
    pub class: String,
}

/// Hold under which, with a stale share under [`SHARP_STALE_SHARE`], a book reads as sharp.
pub const SHARP_HOLD: f64 = 0.035;
pub const SHARP_STALE_SHARE: f64 = 0.25;

fn main_market(m: MarketKind) -> bool {
    matches!(
        m,
        MarketKind::Moneyline | MarketKind::Spread | MarketKind::Total
    )
}

/// One profile per book on the board, by name. `steam` is the report at the configured
/// originators; `leaders` the same detection with every book an originator (who moves first).
pub fn book_profiles(
    latest: &[&Quote],
    steam: &SteamReport,
    leaders: &SteamReport,
    cfg: &AnalyticsConfig,
) -> Vec<BookProfile> {
    let mut markets: BTreeMap<MarketKey, Vec<&Quote>> = BTreeMap::new();
    for q in latest.iter().copied().filter(|q| main_market(q.market)) {
        if let Some(k) = MarketKey::of(q) {
            markets.entry(k).or_default().push(q);
        }
    }
    let mut holds: BTreeMap<&str, BTreeMap<MarketKind, Vec<f64>>> = BTreeMap::new();
    let mut dist: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut books: BTreeMap<String, BookProfile> = BTreeMap::new();
    for q in latest {
        books.entry(q.book.clone()).or_default();
    }
    for (key, quotes) in &markets {
        let mut by_book: BTreeMap<&str, Vec<Option<f64>>> = BTreeMap::new();
        for q in quotes {
            if let Some(i) = key.selections().iter().position(|s| *s == q.selection) {
                by_book
                    .entry(q.book.as_str())
                    .or_insert_with(|| vec![None; key.selections().len()])[i] = Some(q.decimal());
            }
        }
        // Each book's fair probabilities once; the consensus is their weighted mean (sharp books
        // weighted up, as in `consensus`), without the worst-case pass the edges need.
        let mut fairs: Vec<(&str, Vec<f64>)> = Vec::new();
        for (book, slots) in by_book {
            let Some(d) = slots.into_iter().collect::<Option<Vec<f64>>>() else {
                continue;
            };
            if let Some(h) = hold_of(&d) {
                holds
                    .entry(book)
                    .or_default()
                    .entry(key.market)
                    .or_default()
                    .push(h);
            }
            let implied: Vec<f64> = d.iter().map(|x| 1.0 / x).collect();
            if let Ok(fair) = devig(&implied, cfg.devig_method) {
                fairs.push((book, fair));
            }
        }
        let weight = |book: &str| {
            if is_sharp(book, cfg) {
                cfg.sharp_weight.max(0.0)
            } else {
                1.0
            }
        };
        let total: f64 = fairs.iter().map(|(b, _)| weight(b)).sum();
        // Also skips a NaN total.
        if total.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            continue;
        }
        let cons: Vec<f64> = (0..key.selections().len())
            .map(|i| fairs.iter().map(|(b, f)| weight(b) * f[i]).sum::<f64>() / total)
            .collect();
        for (book, fair) in &fairs {
            let d = dist.entry(book).or_default();
            d.extend(fair.iter().zip(&cons).map(|(f, c)| (f - c).abs()));
        }
    }
    let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    for (book, p) in books.iter_mut() {
        p.book = book.clone();
        p.originator = cfg
            .markets
            .originators(&cfg.sharp_books)
            .iter()
            .any(|o| o.eq_ignore_ascii_case(book));
        if let Some(h) = holds.get(book.as_str()) {
            let all: Vec<f64> = h.values().flatten().copied().collect();
            p.hold = mean(&all);
            p.hold_by_market = h
                .iter()
                .filter_map(|(m, v)| Some((m.to_string(), mean(v)?)))
                .collect();
        }
        p.consensus_distance = dist.get(book.as_str()).and_then(|v| mean(v));
    }
    // A move nobody follows is a book's own noise, not leadership: only followed moves count.
    for e in leaders.events.iter().filter(|e| !e.followers.is_empty()) {
        if let Some(p) = books.get_mut(&e.originator) {
            p.first_moves += 1;
            p.moves += 1;
        }
        for f in &e.followers {
            if let Some(p) = books.get_mut(&f.book) {
                p.moves += 1;
            }
        }
    }
    let mut lags: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for e in steam.events.iter().filter(|e| e.window_closed) {
        for f in &e.followers {
            lags.entry(f.book.as_str()).or_default().push(f.lag_seconds);
            if let Some(p) = books.get_mut(&f.book) {
                p.steam_seen += 1;
            }
        }
        for b in &e.stale_books {
            if let Some(p) = books.get_mut(b) {
                p.steam_seen += 1;
                p.steam_stale += 1;
            }
        }
    }
    for (book, p) in books.iter_mut() {
        p.first_share = (p.moves > 0).then(|| p.first_moves as f64 / p.moves as f64);
        p.stale_share = (p.steam_seen > 0).then(|| p.steam_stale as f64 / p.steam_seen as f64);
        p.median_lag_seconds = lags.get(book.as_str()).and_then(|v| median(v));
        let sharp = p.hold.is_some_and(|h| h < SHARP_HOLD)
            && p.stale_share.unwrap_or(0.0) < SHARP_STALE_SHARE;
        p.class = if sharp { "sharp" } else { "soft" }.to_string();
    }
    books.into_values().collect()
}

fn median(v: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(super::bankroll::quantile(&v, 0.5))
}

#[cfg(test)]
mod tests {
    use super::super::steam::{detect_steam, tests::params, tests::two_sided_steam_board};
    use super::*;

    #[test]
    fn the_steam_board_profiles_its_three_books() {
        let board = two_sided_steam_board();
        let now = 1_300_000;
        let latest: Vec<&Quote> = board.iter().filter(|q| q.observed_ms == now).collect();
        let origin = vec!["pinnacle".to_string()];
        let steam = detect_steam(&board, &params(&origin), now);
        let books: Vec<String> = ["pinnacle", "draftkings", "bovada"]
            .map(String::from)
            .to_vec();
        let leaders = detect_steam(&board, &params(&books), now);
        let cfg = AnalyticsConfig {
            sharp_books: origin.clone(),
            ..AnalyticsConfig::default()
        };
        let p = book_profiles(&latest, &steam, &leaders, &cfg);
        let by: BTreeMap<&str, &BookProfile> = p.iter().map(|b| (b.book.as_str(), b)).collect();
        assert_eq!(by["pinnacle"].class, "sharp");
        assert!(by["pinnacle"].originator && by["pinnacle"].first_share == Some(1.0));
        assert_eq!(by["draftkings"].median_lag_seconds, Some(40.0));
        assert_eq!(by["draftkings"].first_share, Some(0.0));
        assert_eq!(by["bovada"].stale_share, Some(1.0));
        assert_eq!(by["bovada"].class, "soft");
        assert!(by["bovada"].hold.expect("hold") > by["pinnacle"].hold.expect("hold"));
        assert!(by["pinnacle"].consensus_distance.is_some());
        assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }
}
