//! One archive game made ready for every figure: its opener and closes as quotes, the model's
//! view at the opener's cutoff and at kickoff, and the probabilities the scores compare.

use crate::config::schema::{AnalyticsConfig, PlausibilityConfig};
use crate::domain::{devig, Event, MarketKind, Quote, Scope, Selection};
use crate::edges::consensus::{consensus, MarketKey};
use crate::ingest::archive::{paths, Joined};
use crate::ingest::plausible::judge;
use crate::pricing::keynumbers::MAX_MARGIN;
use crate::pricing::prices::IntPmf;
use crate::pricing::{GameInputs, GameRecord, ModelView, PricingEngine, ScoreModel, SlateGame};
use std::sync::Arc;

/// A played archive game with everything the evaluation reads.
#[derive(Debug, Clone)]
pub struct GameEval {
    pub season: i32,
    pub week: i32,
    pub event: Event,
    pub home_score: i32,
    pub away_score: i32,
    pub open_ms: i64,
    pub close_ms: i64,
    /// The opener as the site's book 8 quoted it, observed at `open_ms`.
    pub opener: Vec<Quote>,
    /// Every book's close, observed at `close_ms`, less what the live plausibility guard keeps
    /// out of pricing (`ingest::plausible`).
    pub closes: Vec<Quote>,
    /// Closing quotes the guard kept out.
    pub kept_out: usize,
    pub model_open: ModelView,
    pub model_kickoff: ModelView,
    pub score_model: Arc<ScoreModel>,
}

impl GameEval {
    /// `None` for a game with no final score (cancelled, or not yet played in the games file).
    pub fn of(
        j: &Joined,
        engine: &PricingEngine,
        plausibility: &PlausibilityConfig,
    ) -> Option<GameEval> {
        let row: &GameRecord = engine.games().get(j.row)?;
        let (home_score, away_score) = (row.home_score?, row.away_score?);
        let model_open = engine.open_view(&row.game_id)?;
        let open_ms = paths::posted_ms(&model_open.cutoff)?;
        let opener = paths::opener_quotes(j, row, open_ms);
        let all = paths::close_quotes(j, row);
        let refs: Vec<&Quote> = all.iter().collect();
        let out: std::collections::HashSet<usize> = judge(&refs, plausibility)
            .into_iter()
            .map(|r| r.index)
            .collect();
        let closes: Vec<Quote> = all
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !out.contains(i))
            .map(|(_, q)| q)
            .collect();
        Some(GameEval {
            season: row.season,
            week: row.week,
            event: paths::event(j, row),
            home_score,
            away_score,
            open_ms: opener.first().map_or(open_ms, |q| q.observed_ms),
            close_ms: j.game.kickoff_ms - paths::CLOSE_BEFORE_KICKOFF_MS,
            opener,
            closes,
            kept_out: out.len(),
            model_open,
            model_kickoff: engine.kickoff_view(&row.game_id)?,
            score_model: engine.score_model(row.season),
        })
    }

    pub fn id(&self) -> &str {
        &self.event.event_id
    }

    /// The slate entry of the model at the opener's cutoff.
    pub fn open_slate(&self) -> SlateGame {
        slate(&self.event.event_id, &self.model_open)
    }

    pub fn kickoff_slate(&self) -> SlateGame {
        slate(&self.event.event_id, &self.model_kickoff)
    }

    /// Home won (ties are `None`: a moneyline probability is "given no tie").
    pub fn home_won(&self) -> Option<bool> {
        (self.home_score != self.away_score).then_some(self.home_score > self.away_score)
    }

    pub fn margin(&self) -> i32 {
        self.home_score - self.away_score
    }

    pub fn total(&self) -> i32 {
        self.home_score + self.away_score
    }

    /// P(home wins | no tie) under the model's margin distribution centred on `view`.
    pub fn model_home_win(&self, view: &ModelView) -> f64 {
        let pmf = IntPmf::new(
            -MAX_MARGIN,
            self.score_model.margin_pmf(view.prediction.margin),
        );
        let (above, _, below) = pmf.split(0.0);
        if above + below > 0.0 {
            above / (above + below)
        } else {
            0.5
        }
    }
}

fn slate(id: &str, v: &ModelView) -> SlateGame {
    SlateGame {
        event_id: id.to_string(),
        inputs: GameInputs {
            mean_margin: v.prediction.margin,
            mean_total: v.prediction.total,
        },
        season: v.season,
        model_opinion: v.opinion,
    }
}

/// The de-vigged home win probability of a moneyline pool (one book, or many as a consensus)
/// under `cfg`'s method and book weights.
pub fn home_win<'a>(
    quotes: impl IntoIterator<Item = &'a Quote>,
    cfg: &AnalyticsConfig,
) -> Option<f64> {
    let ml: Vec<&Quote> = quotes
        .into_iter()
        .filter(|q| q.market == MarketKind::Moneyline && q.scope == Scope::Game)
        .collect();
    let key = MarketKey::of(ml.first()?)?;
    consensus(&key, &ml, cfg)?
        .prob
        .get(&Selection::Home)
        .copied()
}

/// The home team's spread line a pool agrees on most (the median of the books' home lines), as
/// an expected home margin (a home line of -3 expects +3).
pub fn home_margin(quotes: &[Quote]) -> Option<f64> {
    let mut lines: Vec<f64> = quotes
        .iter()
        .filter(|q| q.market == MarketKind::Spread && q.selection == Selection::Home)
        .filter_map(|q| q.line)
        .collect();
    crate::domain::sample::median(&mut lines).map(|l| -l)
}

/// The median total line of a pool.
pub fn total_line(quotes: &[Quote]) -> Option<f64> {
    let mut lines: Vec<f64> = quotes
        .iter()
        .filter(|q| q.market == MarketKind::Total && q.selection == Selection::Over)
        .filter_map(|q| q.line)
        .collect();
    crate::domain::sample::median(&mut lines)
}

/// The booksum minus one of one book's two-way market in `quotes`.
pub fn hold(quotes: &[&Quote]) -> Option<f64> {
    let pi: Vec<f64> = quotes.iter().map(|q| 1.0 / q.decimal()).collect();
    (pi.len() == 2 && pi.iter().all(|p| p.is_finite() && *p > 0.0)).then(|| devig::overround(&pi))
}
