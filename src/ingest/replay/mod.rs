//! The embedded default source: a real NFL week from nflverse data traded as a live market.
//!
//! Each game opens a seeded distance from its real closing line and drifts to the close over
//! `market_hours` of simulated time, compressed by `time_compression`; at kickoff it goes off
//! the board while it is played (its final is the games file's score), then its market reopens.
//! Kickoffs are staggered across the cycle, as a slate's are. Books deal around that
//! path with their own lag, margin and noise (see `books`), so soft books trail sharp moves and
//! real edges appear and vanish. Everything is a pure function of (seed, wall time): two runs with
//! the same seed and clock produce the same quotes.

mod books;
pub mod real;
mod week;

pub use books::BookProfile;
pub use week::{pick_week, ReplayGame, WeekError};

use super::source::{SourceBatch, SourceError};
use crate::config::ReplaySource;
use crate::domain::normal::cdf;
use crate::domain::odds::decimal_to_american;
use crate::domain::{Event, MarketKind, Quote, Scope, Selection};
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use rand_pcg::Pcg64Mcg;
use std::path::Path;

/// How a scope relates to the full game: its share of the expected margin and total, and the
/// spread of its margin (NFL quarters 2 and 4 score more than 1 and 3).
#[derive(Debug, Clone, Copy)]
struct ScopeShape {
    margin_share: f64,
    total_share: f64,
    sd: f64,
}

fn shape(scope: Scope) -> ScopeShape {
    let s = |margin_share, total_share, sd| ScopeShape {
        margin_share,
        total_share,
        sd,
    };
    match scope {
        Scope::Game => s(1.0, 1.0, 13.5),
        Scope::H1 => s(0.55, 0.49, 9.8),
        Scope::H2 => s(0.45, 0.51, 9.8),
        Scope::Q1 => s(0.25, 0.21, 6.3),
        Scope::Q2 => s(0.3, 0.29, 7.4),
        Scope::Q3 => s(0.2, 0.21, 6.3),
        Scope::Q4 => s(0.25, 0.29, 7.4),
    }
}

/// Simulated hours from kickoff to the final score, and from kickoff to the game's next market.
const GAME_HOURS: f64 = 3.5;
const DARK_HOURS: f64 = 6.0;
/// The dark time never shrinks below this much wall time, however high the compression: an
/// engine refreshing every second or two must see a game between its final and its reopening
/// to grade the bets on it with the right close.
const MIN_DARK_MS: f64 = 10_000.0;

fn dark_ms(cfg: &ReplaySource) -> f64 {
    (DARK_HOURS * 3_600_000.0 / cfg.time_compression).max(MIN_DARK_MS)
}

/// Wall time from a replayed game's kickoff to its final score: a game's length, compressed,
/// and within the first half of its dark time. Results are the games file's final scores.
pub fn final_delay_ms(cfg: &ReplaySource) -> i64 {
    (GAME_HOURS * 3_600_000.0 / cfg.time_compression).min(dark_ms(cfg) / 2.0) as i64
}

/// One game's place in its cycle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GameClock {
    pub cycle: u64,
    /// Progress from market open (0) to kickoff (1); at or above 1 the game is off the board.
    pub tau: f64,
    /// This cycle's kickoff (in the past while the game is off the board).
    pub kickoff_ms: i64,
}

pub struct ReplayFeed {
    cfg: ReplaySource,
    games: Vec<ReplayGame>,
    books: Vec<BookProfile>,
    scopes: Vec<Scope>,
    /// Wall-clock start of the first market cycle.
    origin_ms: i64,
    name: String,
}

impl ReplayFeed {
    pub fn new(cfg: &ReplaySource, origin_ms: i64) -> Result<ReplayFeed, WeekError> {
        // The same nflverse loader the pricing model uses, read once for the week and the
        // archive's join.
        let rows = crate::pricing::games::load_games(Path::new(&cfg.games_path))?;
        let mut games = pick_week(&rows, &cfg.games_path, cfg.season, cfg.week)?;
        // A week the real archive holds trades its real books; any other keeps the synthetic
        // opener and the configured books. An unreadable archive is said, never fatal.
        let real_books = match real::attach(&mut games, Path::new(&cfg.odds_path), &rows) {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "replay: the odds archive could not be read; trading the synthetic market");
                None
            }
        };
        let mut feed = Self::from_games(cfg, games, origin_ms);
        if let Some(books) = real_books {
            feed.books = books;
        }
        Ok(feed)
    }

    /// The books the feed deals (the archive's real books for a week it holds).
    pub fn books(&self) -> &[BookProfile] {
        &self.books
    }

    pub fn from_games(cfg: &ReplaySource, games: Vec<ReplayGame>, origin_ms: i64) -> ReplayFeed {
        ReplayFeed {
            books: cfg.books.iter().map(|b| BookProfile::for_name(b)).collect(),
            scopes: cfg.scopes.iter().filter_map(|s| s.parse().ok()).collect(),
            cfg: cfg.clone(),
            games,
            origin_ms,
            name: "replay".into(),
        }
    }

    pub fn games(&self) -> &[ReplayGame] {
        &self.games
    }

    /// Wall time from a game's market opening to its kickoff.
    pub fn market_ms(&self) -> f64 {
        self.cfg.market_hours * 3_600_000.0 / self.cfg.time_compression
    }

    /// Wall time a game is off the board: from kickoff to its next market opening.
    pub fn dark_ms(&self) -> f64 {
        dark_ms(&self.cfg)
    }

    /// One game's whole cycle: its market, then the dark time after kickoff.
    pub fn cycle_ms(&self) -> f64 {
        self.market_ms() + self.dark_ms()
    }

    /// Where game `gi` stands at wall time `now_ms`. Kickoffs are staggered evenly across the
    /// cycle, as a slate's are across a weekend, so the board is never empty at once.
    pub fn game_clock(&self, gi: usize, now_ms: i64) -> GameClock {
        let period = self.cycle_ms();
        let shift = period * gi as f64 / self.games.len().max(1) as f64;
        // One period added keeps the phase non-negative from the origin on.
        let t = (now_ms - self.origin_ms).max(0) as f64 + period - shift;
        let cycle = (t / period).floor();
        let pos = t - cycle * period;
        // From the cycle's start rather than from `now_ms`, so every poll of a cycle stamps
        // the very same kickoff.
        let start = self.origin_ms as f64 - period + shift + cycle * period;
        GameClock {
            cycle: cycle as u64,
            tau: pos / self.market_ms(),
            kickoff_ms: (start + self.market_ms()).round() as i64,
        }
    }

    pub async fn poll(&mut self, now_ms: i64) -> Result<SourceBatch, SourceError> {
        Ok(self.snapshot(now_ms))
    }

    /// Every quote the market shows at `now_ms`. A game that has kicked off keeps its event
    /// (with the kickoff that passed) but has no quotes until its next market opens.
    pub fn snapshot(&self, now_ms: i64) -> SourceBatch {
        let mut batch = SourceBatch::default();
        for (gi, g) in self.games.iter().enumerate() {
            let GameClock {
                cycle,
                tau,
                kickoff_ms,
            } = self.game_clock(gi, now_ms);
            batch.events.push(Event {
                event_id: g.game_id.clone(),
                game_id: Some(g.game_id.clone()),
                season: Some(g.season),
                week: Some(g.week),
                home_team: g.home.clone(),
                away_team: g.away.clone(),
                commence_ms: kickoff_ms,
            });
            if now_ms >= kickoff_ms {
                continue; // off the board: the game is being played
            }
            for (bi, book) in self.books.iter().enumerate() {
                let window = (tau * 48.0).floor() as u64;
                if unit(self.key(&[cycle, 7, bi as u64, window])) < book.stale_share {
                    continue; // this book's feed is frozen for the window
                }
                let seen = (tau - book.lag).max(0.0);
                let noise = |stream: u64| {
                    normal(self.key(&[cycle, 11, gi as u64, bi as u64, window, stream]))
                        * book.noise_points
                };
                let (margin, total) = match &g.real {
                    // A real book drifts from the real opener to its own real close, its noise
                    // dying out as it gets there.
                    Some(real) => {
                        if real.close(&book.name).is_none() {
                            continue; // this book did not deal the game
                        }
                        let (m, t) = real.book_close(&book.name);
                        let fade = 1.0 - seen.min(1.0);
                        (
                            self.path(cycle, gi, 2, real.open_margin, real.close_margin, seen, 0.6)
                                + (m - real.close_margin) * seen.min(1.0).powf(1.5)
                                + noise(0) * fade,
                            self.path(cycle, gi, 4, real.open_total, real.close_total, seen, 0.8)
                                + (t - real.close_total) * seen.min(1.0).powf(1.5)
                                + noise(1) * fade,
                        )
                    }
                    None => (
                        self.true_margin(cycle, gi, seen) + noise(0),
                        self.true_total(cycle, gi, seen) + noise(1),
                    ),
                };
                let ctx = QuoteCtx {
                    event_id: &g.game_id,
                    book,
                    observed_ms: now_ms,
                    source: &self.name,
                };
                let from = batch.quotes.len();
                for &scope in &self.scopes {
                    self.quote_scope(&ctx, scope, margin, total, &mut batch.quotes);
                }
                let exact = g
                    .real
                    .as_ref()
                    .and_then(|r| r.exact(&book.name, tau, seen, &g.game_id, now_ms));
                if let Some(mut exact) = exact {
                    // The archive's own full-game prices replace the synthetic ones.
                    let mut kept = batch.quotes.split_off(from);
                    kept.retain(|q| !real::archive_kind(q));
                    exact.iter_mut().for_each(|q| q.source = self.name.clone());
                    batch.quotes.extend(exact);
                    batch.quotes.extend(kept);
                }
            }
        }
        batch
    }

    fn key(&self, parts: &[u64]) -> u64 {
        parts
            .iter()
            .fold(self.cfg.seed ^ 0x9E37_79B9_7F4A_7C15, |h, p| {
                splitmix(h ^ p.wrapping_mul(0xA24B_AED4_963E_E407))
            })
    }

    fn true_margin(&self, cycle: u64, gi: usize, tau: f64) -> f64 {
        let g = &self.games[gi];
        let open = g.close_margin + 1.5 * normal(self.key(&[cycle, 1, gi as u64]));
        self.path(cycle, gi, 2, open, g.close_margin, tau, 0.6)
    }

    fn true_total(&self, cycle: u64, gi: usize, tau: f64) -> f64 {
        let g = &self.games[gi];
        let open = g.close_total + 2.0 * normal(self.key(&[cycle, 3, gi as u64]));
        self.path(cycle, gi, 4, open, g.close_total, tau, 0.8)
    }

    /// Open-to-close drift plus a random walk that dies out toward the close, which it hits.
    #[allow(clippy::too_many_arguments)]
    fn path(
        &self,
        cycle: u64,
        gi: usize,
        stream: u64,
        open: f64,
        close: f64,
        tau: f64,
        wiggle: f64,
    ) -> f64 {
        let drift = open + (close - open) * tau.powf(1.5);
        let knots = 24.0;
        let k = (tau * knots).floor();
        let frac = tau * knots - k;
        let knot = |i: f64| {
            normal(self.key(&[cycle, stream, gi as u64, i as u64])) * wiggle * (1.0 - i / knots)
        };
        drift + knot(k) * (1.0 - frac) + knot(k + 1.0) * frac
    }

    fn quote_scope(
        &self,
        ctx: &QuoteCtx<'_>,
        scope: Scope,
        game_margin: f64,
        game_total: f64,
        out: &mut Vec<Quote>,
    ) {
        let sh = shape(scope);
        let mu = game_margin * sh.margin_share;
        let tot = game_total * sh.total_share;
        let sd = sh.sd;
        let main_spread = half_point(mu);
        let main_total = half_point(tot);

        if scope == Scope::Game || scope == Scope::H1 || scope == Scope::H2 {
            let (w, _, l) = outcome(mu, sd, 0.0);
            ctx.two_way(
                out,
                MarketKind::Moneyline,
                scope,
                (Selection::Home, Selection::Away),
                (None, None),
                w / (w + l),
            );
        } else {
            // Quarters tie far more often than a rounded normal says (0-0, 7-7, 3-3): books
            // price the tie from empirical quarter-score rates and split the rest by the margin.
            let (w, _, l) = outcome(mu, sd, 0.0);
            let tie = quarter_tie_rate(scope);
            let share = w / (w + l);
            ctx.three_way(
                out,
                scope,
                [(1.0 - tie) * share, tie, (1.0 - tie) * (1.0 - share)],
            );
        }
        // Spread: home line -main_spread (home gives the points it is expected to win by).
        let (w, _, l) = outcome(mu, sd, -main_spread);
        ctx.two_way(
            out,
            MarketKind::Spread,
            scope,
            (Selection::Home, Selection::Away),
            (Some(-main_spread), Some(main_spread)),
            w / (w + l),
        );
        let (o, _, u) = outcome(tot, sd, -main_total);
        ctx.two_way(
            out,
            MarketKind::Total,
            scope,
            (Selection::Over, Selection::Under),
            (Some(main_total), Some(main_total)),
            o / (o + u),
        );

        if scope == Scope::Game && self.cfg.alternate_lines {
            for step in [-7.0, -3.0, 3.0, 7.0] {
                let line = -main_spread + step;
                let (w, _, l) = outcome(mu, sd, line);
                ctx.two_way(
                    out,
                    MarketKind::SpreadAlt,
                    scope,
                    (Selection::Home, Selection::Away),
                    (Some(line), Some(-line)),
                    w / (w + l),
                );
                let tl = main_total + step;
                let (o, _, u) = outcome(tot, sd, -tl);
                ctx.two_way(
                    out,
                    MarketKind::TotalAlt,
                    scope,
                    (Selection::Over, Selection::Under),
                    (Some(tl), Some(tl)),
                    o / (o + u),
                );
            }
            for (team_mu, over, under) in [
                ((tot + mu) / 2.0, Selection::HomeOver, Selection::HomeUnder),
                ((tot - mu) / 2.0, Selection::AwayOver, Selection::AwayUnder),
            ] {
                let line = half_point(team_mu);
                let (o, _, u) = outcome(team_mu, 9.5, -line);
                ctx.two_way(
                    out,
                    MarketKind::TeamTotal,
                    scope,
                    (over, under),
                    (Some(line), Some(line)),
                    o / (o + u),
                );
            }
        }
    }
}

struct QuoteCtx<'a> {
    event_id: &'a str,
    book: &'a BookProfile,
    observed_ms: i64,
    source: &'a str,
}

impl QuoteCtx<'_> {
    fn push(
        &self,
        out: &mut Vec<Quote>,
        market: MarketKind,
        scope: Scope,
        selection: Selection,
        line: Option<f64>,
        american: i64,
    ) {
        out.push(Quote {
            event_id: self.event_id.to_string(),
            book: self.book.name.clone(),
            market,
            scope,
            selection,
            line,
            american,
            observed_ms: self.observed_ms,
            source: self.source.to_string(),
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn two_way(
        &self,
        out: &mut Vec<Quote>,
        market: MarketKind,
        scope: Scope,
        sel: (Selection, Selection),
        lines: (Option<f64>, Option<f64>),
        p_first: f64,
    ) {
        let p = p_first.clamp(0.01, 0.99);
        self.push(
            out,
            market,
            scope,
            sel.0,
            lines.0,
            self.price(p, self.book.vig),
        );
        self.push(
            out,
            market,
            scope,
            sel.1,
            lines.1,
            self.price(1.0 - p, self.book.vig),
        );
    }

    fn three_way(&self, out: &mut Vec<Quote>, scope: Scope, p: [f64; 3]) {
        let vig = self.book.vig * 1.5;
        for (sel, pi) in [Selection::Home, Selection::Tie, Selection::Away]
            .into_iter()
            .zip(p)
        {
            self.push(
                out,
                MarketKind::Moneyline3Way,
                scope,
                sel,
                None,
                self.price(pi.clamp(0.01, 0.98), vig),
            );
        }
    }

    /// A fair probability marked up by the book's margin and rounded in the book's favour.
    fn price(&self, p: f64, vig: f64) -> i64 {
        let implied = (p * (1.0 + vig)).min(0.985);
        let a = decimal_to_american(1.0 / implied);
        let step = self.book.price_step.max(1);
        if a > 0 {
            ((a / step) * step).max(100)
        } else {
            let m = (-a + step - 1) / step * step;
            -(m.max(100))
        }
    }
}

/// (win, push, lose) for "value + line > 0" where value ~ round(Normal(mu, sd)) to integers.
/// Spreads pass the selection's line; an over passes minus the total.
fn outcome(mu: f64, sd: f64, line: f64) -> (f64, f64, f64) {
    let need = -line;
    let win = 1.0 - cdf((need.floor() + 0.5 - mu) / sd);
    let lose = cdf((need.ceil() - 0.5 - mu) / sd);
    let push = (1.0 - win - lose).max(0.0);
    (win, push, lose)
}

/// Share of NFL quarters that end level: first and third quarters open cagier than the others.
fn quarter_tie_rate(scope: Scope) -> f64 {
    match scope {
        Scope::Q1 => 0.24,
        Scope::Q3 => 0.22,
        _ => 0.15,
    }
}

fn half_point(x: f64) -> f64 {
    (x * 2.0).round() / 2.0
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn normal(key: u64) -> f64 {
    Pcg64Mcg::seed_from_u64(key).sample(StandardNormal)
}

fn unit(key: u64) -> f64 {
    Pcg64Mcg::seed_from_u64(key).random::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::odds::american_to_implied;

    fn feed() -> ReplayFeed {
        let cfg = ReplaySource {
            games_path: concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv").into(),
            ..Default::default()
        };
        ReplayFeed::new(&cfg, 0).unwrap()
    }

    #[test]
    fn picks_a_complete_recent_week() {
        let f = feed();
        assert!(f.games().len() >= 13, "{}", f.games().len());
        assert!(f.games().iter().all(|g| g.season >= 2025));
    }

    #[test]
    fn same_clock_same_quotes_and_prices_are_valid() {
        let f = feed();
        let a = f.snapshot(123_456_789);
        let b = f.snapshot(123_456_789);
        assert_eq!(a, b);
        assert!(a.quotes.len() > 1000, "{}", a.quotes.len());
        for q in &a.quotes {
            assert!(american_to_implied(q.american).is_ok(), "{q:?}");
        }
        assert_eq!(a.events.len(), f.games().len());
    }

    #[test]
    fn the_market_reaches_the_real_close() {
        let f = feed();
        for (gi, g) in f.games().iter().enumerate() {
            // Just before this game's kickoff in some later cycle.
            let kickoff = f.game_clock(gi, 50_000_000_000).kickoff_ms;
            let batch = f.snapshot(kickoff - 1);
            let q = batch
                .quotes
                .iter()
                .find(|q| {
                    q.book == "pinnacle"
                        && q.event_id == g.game_id
                        && q.market == MarketKind::Spread
                        && q.scope == Scope::Game
                        && q.selection == Selection::Home
                })
                .unwrap();
            let home_line = q.line.unwrap();
            assert!(
                (home_line + g.close_margin).abs() <= 0.5,
                "{}: {home_line} vs close {}",
                g.game_id,
                g.close_margin
            );
        }
    }

    #[test]
    fn games_go_off_the_board_at_kickoff_and_reopen_after_the_dark() {
        let f = feed();
        let dark = f.dark_ms() as i64;
        assert!(dark >= 10_000);
        let delay = final_delay_ms(&f.cfg);
        assert!(delay > 0 && delay <= dark / 2, "{delay} {dark}");
        let mut kickoffs = Vec::new();
        for (gi, g) in f.games().iter().enumerate() {
            let k = f.game_clock(gi, 50_000_000_000).kickoff_ms;
            kickoffs.push(k);
            let quotes_of = |t: i64| {
                let b = f.snapshot(t);
                let ev = b.events.iter().find(|e| e.event_id == g.game_id).cloned();
                let n = b.quotes.iter().filter(|q| q.event_id == g.game_id).count();
                (ev.map(|e| e.commence_ms), n)
            };
            let (ev, n) = quotes_of(k - 1);
            assert_eq!(ev, Some(k));
            assert!(n > 0, "{} has no quotes before kickoff", g.game_id);
            for t in [k, k + 1, k + delay, k + dark - 2] {
                let (ev, n) = quotes_of(t);
                assert_eq!(ev, Some(k), "the event keeps the kickoff that passed");
                assert_eq!(n, 0, "{} quoted {t} ms after kickoff {k}", g.game_id);
            }
            let (ev, n) = quotes_of(k + dark + 1);
            assert_eq!(ev, Some(k + f.cycle_ms().round() as i64));
            assert!(n > 0, "{} did not reopen", g.game_id);
        }
        // Staggered: no two games kick off together, and most of the slate is always quoted.
        kickoffs.sort_unstable();
        kickoffs.dedup();
        assert_eq!(kickoffs.len(), f.games().len());
        for step in 0..50 {
            let t = 50_000_000_000 + (f.cycle_ms() * step as f64 / 50.0) as i64;
            let b = f.snapshot(t);
            let quoted: std::collections::BTreeSet<&str> =
                b.quotes.iter().map(|q| q.event_id.as_str()).collect();
            assert!(
                quoted.len() + 2 >= f.games().len(),
                "{} at {t}",
                quoted.len()
            );
        }
    }

    #[test]
    fn two_way_books_carry_their_margin() {
        let f = feed();
        let batch = f.snapshot(1_000_000);
        let pick = |book: &str, sel: Selection| {
            batch
                .quotes
                .iter()
                .find(|q| {
                    q.book == book
                        && q.market == MarketKind::Total
                        && q.scope == Scope::Game
                        && q.selection == sel
                })
                .map(|q| american_to_implied(q.american).unwrap())
        };
        for book in ["pinnacle", "draftkings"] {
            if let (Some(o), Some(u)) = (pick(book, Selection::Over), pick(book, Selection::Under))
            {
                let over = o + u - 1.0;
                assert!(over > 0.0 && over < 0.09, "{book}: overround {over}");
            }
        }
    }

    #[test]
    fn soft_books_lag_so_lines_disagree_sometimes() {
        let f = feed();
        let cycle = f.market_ms();
        let mut disagreements = 0;
        for step in 1..20 {
            let batch = f.snapshot((cycle * step as f64 / 20.0) as i64);
            let line = |book: &str, id: &str| {
                batch
                    .quotes
                    .iter()
                    .find(|q| {
                        q.book == book
                            && q.event_id == id
                            && q.market == MarketKind::Spread
                            && q.scope == Scope::Game
                            && q.selection == Selection::Home
                    })
                    .and_then(|q| q.line)
            };
            for g in f.games() {
                if let (Some(a), Some(b)) =
                    (line("pinnacle", &g.game_id), line("betmgm", &g.game_id))
                {
                    if (a - b).abs() >= 0.5 {
                        disagreements += 1;
                    }
                }
            }
        }
        assert!(disagreements > 10, "{disagreements}");
    }
}

#[cfg(test)]
mod real_week_tests {
    use super::*;
    use crate::ingest::archive;

    fn real_feed(season: i32, week: i32) -> ReplayFeed {
        let cfg = ReplaySource {
            games_path: concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv").into(),
            odds_path: concat!(env!("CARGO_MANIFEST_DIR"), "/data/odds").into(),
            season: Some(season),
            week: Some(week),
            ..Default::default()
        };
        ReplayFeed::new(&cfg, 0).unwrap()
    }

    /// A wall time at which game `gi` stands at market progress `tau`.
    fn at_tau(f: &ReplayFeed, gi: usize, tau: f64) -> i64 {
        // A later cycle, so that no time before the feed's origin is asked for.
        let kickoff = f.game_clock(gi, (10.0 * f.cycle_ms()) as i64).kickoff_ms;
        kickoff - ((1.0 - tau) * f.market_ms()).round() as i64
    }

    #[test]
    fn a_week_the_archive_holds_trades_its_real_books_from_opener_to_close() {
        let f = real_feed(2024, 10);
        let names: Vec<&str> = f.books().iter().map(|b| b.name.as_str()).collect();
        assert!(names.contains(&"book-8") && names.len() >= 10, "{names:?}");
        let week = archive::load_week(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data/odds")),
            2024,
            10,
        )
        .unwrap()
        .unwrap();
        let games = crate::pricing::games::load_games(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/data/games.csv"
        ))
        .unwrap();
        let joined = archive::join(&week.games, &games);
        assert!(f.games().iter().all(|g| g.real.is_some()));
        let (mut checked, mut stale, mut openers) = (0, 0, 0);
        for (gi, g) in f.games().iter().enumerate() {
            let j = joined
                .joined
                .iter()
                .find(|j| games[j.row].game_id == g.game_id)
                .expect("joined");
            // Just before kickoff every real book deals exactly its real close.
            let late = f.snapshot(at_tau(&f, gi, 0.995));
            let dealt = |snap: &SourceBatch, book: &str| {
                snap.quotes
                    .iter()
                    .any(|q| q.event_id == g.game_id && q.book == book)
            };
            for (id, lines) in &j.game.closes {
                let book = archive::book_name(*id);
                if !dealt(&late, &book) {
                    stale += 1; // the book's feed is frozen for this window
                    continue;
                }
                checked += 1;
                for w in archive::paths::quotes_of(&g.game_id, &book, lines, 0) {
                    let got = late
                        .quotes
                        .iter()
                        .find(|q| {
                            q.event_id == w.event_id
                                && q.book == w.book
                                && q.market == w.market
                                && q.scope == w.scope
                                && q.selection == w.selection
                        })
                        .unwrap_or_else(|| {
                            panic!("{book} has no {:?} {:?}", w.market, w.selection)
                        });
                    assert_eq!(
                        (got.line, got.american),
                        (w.line, w.american),
                        "{book} {}",
                        g.game_id
                    );
                    assert_eq!(got.source, "replay");
                }
            }
            // At the open the opener's book deals the real opener.
            let early = f.snapshot(at_tau(&f, gi, 0.001));
            if dealt(&early, "book-8") {
                openers += 1;
                for w in archive::paths::quotes_of(&g.game_id, "book-8", &j.game.opener, 0) {
                    assert!(
                        early.quotes.iter().any(|q| q.event_id == w.event_id
                            && q.book == "book-8"
                            && q.market == w.market
                            && q.selection == w.selection
                            && q.line == w.line
                            && q.american == w.american),
                        "book-8 opener {:?} {:?} of {}",
                        w.market,
                        w.selection,
                        g.game_id
                    );
                }
            }
            // In between, the halves and quarters stay synthetic around the book's line.
            let mid = f.snapshot(at_tau(&f, gi, 0.5));
            assert!(mid
                .quotes
                .iter()
                .any(|q| q.event_id == g.game_id && q.scope == Scope::H1));
        }
        // A stale window now and then is the replay's dynamics; most books are live.
        assert!(
            checked > 10 * stale.max(1),
            "{checked} books checked, {stale} stale"
        );
        assert!(openers > f.games().len() / 2, "{openers} openers seen");
    }

    #[test]
    fn a_week_outside_the_archive_keeps_the_configured_books() {
        let f = real_feed(2017, 10);
        assert!(f.games().iter().all(|g| g.real.is_none()));
        let names: Vec<&str> = f.books().iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names[0], "pinnacle");
    }
}
