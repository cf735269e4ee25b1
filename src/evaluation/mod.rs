//! Real-market evaluation (`backtest --odds DIR`, `GET /api/v1/evaluation`): what the product's
//! prices and edge rules would have done against real books' openers and closes, walk-forward,
//! every figure with its 95% interval.
//!
//! What a price may see: the model at the opener is [`PricingEngine::open_view`] (results before
//! the previous week, last known starters, no weather); at kickoff it is the week's cutoff the
//! live product uses. The blend weights of each season are the games-file backtest's
//! walk-forward choice for that season (five earlier seasons, never the season scored); the
//! sharp books of each season are chosen on earlier archive seasons only (`books`).
//!
//! Pieces: [`game`] (one game made ready), [`bets`] (the product's opener bets and line
//! shopping), [`cross_book`] (arbitrage and middles), [`books`] (per-book profiles), [`stats`]
//! (the estimate shape) and [`report`] (grouping records into the published figures).

pub mod bets;
pub mod books;
pub mod cross_book;
pub mod game;
pub mod periods;
pub mod report;
pub mod stats;

pub use report::{Evaluation, Figures};

use crate::config::schema::{AnalyticsConfig, ModelWeights, PlausibilityConfig};
use crate::domain::Scope;
use crate::ingest::archive::{Archive, JoinReport};
use crate::pricing::opener::{MoveModel, OpenerPoint};
use crate::pricing::PricingEngine;
use game::GameEval;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Everything the figures are grouped from, one record per game, bet or board.
#[derive(Debug, Clone, Default)]
pub struct Records {
    pub games: Vec<GameRecordRow>,
    pub opener_bets: Vec<bets::BetRecord>,
    pub model_opener_bets: Vec<bets::BetRecord>,
    /// The opener rule with the move model (seasons after the archive's first only).
    pub move_model_bets: Vec<bets::BetRecord>,
    /// The move model each season was priced with, fitted on the seasons before it.
    pub move_models: BTreeMap<i32, Option<MoveModel>>,
    pub shopping: Vec<bets::BetRecord>,
    pub boards: Vec<cross_book::BoardRecord>,
    pub books: Vec<books::BookRecord>,
}

/// One played game's probabilities and lines: also the `--predictions` row.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GameRecordRow {
    pub game_id: String,
    pub season: i32,
    pub week: i32,
    pub home_score: i32,
    pub away_score: i32,
    /// When the opener was taken to be posted (UTC ms) and the cutoff its model saw.
    pub open_cutoff: String,
    pub opener_home_win: Option<f64>,
    pub close_home_win: Option<f64>,
    pub model_open_home_win: f64,
    pub model_kickoff_home_win: f64,
    pub blend_open_home_win: Option<f64>,
    pub blend_close_home_win: Option<f64>,
    /// Expected home margins: the opener's and the closing consensus's (negated home spread),
    /// the model's at the opener and at kickoff.
    pub opener_margin: Option<f64>,
    pub close_margin: Option<f64>,
    pub model_open_margin: f64,
    pub model_kickoff_margin: f64,
    pub opener_total: Option<f64>,
    pub close_total: Option<f64>,
    pub model_open_total: f64,
    pub model_kickoff_total: f64,
    /// Whether each team's starter at the opener's cutoff differs from the game's actual one.
    pub qb_changed: bool,
    /// Closing quotes the live plausibility guard kept out of pricing.
    pub closes_kept_out: usize,
}

impl GameRecordRow {
    /// The opener, model-at-the-opener and close on both axes, when all are known.
    pub fn opener_point(&self) -> Option<OpenerPoint> {
        Some(OpenerPoint {
            opener_margin: self.opener_margin?,
            model_margin: self.model_open_margin,
            close_margin: self.close_margin?,
            opener_total: self.opener_total?,
            model_total: self.model_open_total,
            close_total: self.close_total?,
        })
    }

    pub fn home_won(&self) -> Option<bool> {
        (self.home_score != self.away_score).then_some(self.home_score > self.away_score)
    }
}

/// The evaluation's inputs beside the archive.
pub struct Inputs<'a> {
    pub engine: &'a PricingEngine,
    pub cfg: &'a AnalyticsConfig,
    /// The blend weights each season is priced with (chosen on earlier seasons).
    pub weights: BTreeMap<i32, ModelWeights>,
    /// The live guard that keeps implausible and outlying quotes out of pricing.
    pub plausibility: &'a PlausibilityConfig,
}

/// Prices every played, joined game and makes every record. Deterministic: records come back in
/// archive order whatever the thread count.
pub fn records(joined: &JoinReport, inputs: &Inputs<'_>) -> Records {
    let games: Vec<GameEval> = joined
        .joined
        .par_iter()
        .filter_map(|j| GameEval::of(j, inputs.engine, inputs.plausibility))
        .collect();
    // The closing consensus CLV is measured against: every book, equal weights.
    let mut clv_cfg = inputs.cfg.clone();
    clv_cfg.sharp_books.clear();
    let model_only = ModelWeights {
        moneyline: 1.0,
        spread: 1.0,
        total: 1.0,
    };
    let per_game: Vec<Records> = games
        .par_iter()
        .map(|g| {
            let mut cfg = clv_cfg.clone();
            cfg.model_weight = inputs
                .weights
                .get(&g.season)
                .copied()
                .unwrap_or(inputs.cfg.model_weight);
            let open_sim = inputs
                .engine
                .simulate_scopes(&[g.open_slate()], &[Scope::Game], 0, 0);
            let kickoff_sim =
                inputs
                    .engine
                    .simulate_scopes(&[g.kickoff_slate()], &[Scope::Game], 0, 0);
            let mut model_cfg = cfg.clone();
            model_cfg.model_weight = model_only;
            Records {
                games: vec![row(g, &cfg, inputs.engine)],
                opener_bets: bets::opener_bets(g, &open_sim, &cfg, &clv_cfg),
                model_opener_bets: bets::opener_bets(g, &open_sim, &model_cfg, &clv_cfg),
                move_model_bets: Vec::new(),
                move_models: BTreeMap::new(),
                shopping: bets::shopping_bets(g, &clv_cfg),
                boards: vec![cross_book::board(g, &kickoff_sim, &cfg)],
                books: books::records(g, &clv_cfg),
            }
        })
        .collect();
    let mut out = Records::default();
    for r in per_game {
        out.games.extend(r.games);
        out.opener_bets.extend(r.opener_bets);
        out.model_opener_bets.extend(r.model_opener_bets);
        out.shopping.extend(r.shopping);
        out.boards.extend(r.boards);
        out.books.extend(r.books);
    }
    // The move model of each season, fitted on the archive's earlier seasons only; then the
    // opener bets it prices.
    let seasons: std::collections::BTreeSet<i32> = out.games.iter().map(|r| r.season).collect();
    for s in seasons {
        let points: Vec<OpenerPoint> = out
            .games
            .iter()
            .filter(|r| r.season < s)
            .filter_map(GameRecordRow::opener_point)
            .collect();
        out.move_models.insert(s, MoveModel::fit(&points));
    }
    let move_bets: Vec<Vec<bets::BetRecord>> = games
        .par_iter()
        .map(|g| {
            let Some(Some(m)) = out.move_models.get(&g.season) else {
                return Vec::new();
            };
            // The rule sets its own weights and threshold over the closing consensus's settings.
            bets::move_model_bets(g, m, inputs.engine, &clv_cfg, &clv_cfg).unwrap_or_default()
        })
        .collect();
    out.move_model_bets = move_bets.into_iter().flatten().collect();
    out
}

fn row(g: &GameEval, cfg: &AnalyticsConfig, engine: &PricingEngine) -> GameRecordRow {
    let opener = game::home_win(&g.opener, cfg);
    let close = game::home_win(&g.closes, cfg);
    let (mo, mk) = (
        g.model_home_win(&g.model_open),
        g.model_home_win(&g.model_kickoff),
    );
    let w = cfg.model_weight.moneyline;
    let blend = |m: f64, market: Option<f64>| market.map(|p| w * m + (1.0 - w) * p);
    let actual = engine.game(&g.event.event_id);
    let starters = engine.starters();
    let qb_changed = actual.is_some_and(|r| {
        let cutoff = &g.model_open.cutoff;
        starters.before(&r.home_team, cutoff) != r.home_qb_id.as_deref()
            || starters.before(&r.away_team, cutoff) != r.away_qb_id.as_deref()
    });
    GameRecordRow {
        game_id: g.event.event_id.clone(),
        season: g.season,
        week: g.week,
        home_score: g.home_score,
        away_score: g.away_score,
        open_cutoff: g.model_open.cutoff.as_str().to_string(),
        opener_home_win: opener,
        close_home_win: close,
        model_open_home_win: mo,
        model_kickoff_home_win: mk,
        blend_open_home_win: blend(mo, opener),
        blend_close_home_win: blend(mk, close),
        opener_margin: game::home_margin(&g.opener),
        close_margin: game::home_margin(&g.closes),
        model_open_margin: g.model_open.prediction.margin,
        model_kickoff_margin: g.model_kickoff.prediction.margin,
        opener_total: game::total_line(&g.opener),
        close_total: game::total_line(&g.closes),
        model_open_total: g.model_open.prediction.total,
        model_kickoff_total: g.model_kickoff.prediction.total,
        qb_changed,
        closes_kept_out: g.kept_out,
    }
}

/// Why an evaluation could not be made.
#[derive(Debug, thiserror::Error)]
pub enum EvaluationError {
    #[error(transparent)]
    Archive(#[from] crate::ingest::archive::ArchiveError),
    #[error(transparent)]
    Games(#[from] crate::pricing::GamesError),
    #[error(transparent)]
    Pricing(#[from] crate::pricing::PricingError),
    #[error("no archive game joined to a played game of the games file ({joined} joined, {unjoined} not)")]
    NothingPlayed { joined: usize, unjoined: usize },
}

/// An archive folder, the games file and their join.
pub struct Loaded {
    pub archive: Archive,
    pub games: Vec<crate::pricing::GameRecord>,
    pub joined: JoinReport,
}

impl Loaded {
    pub fn from_paths(
        dir: &std::path::Path,
        games_path: &std::path::Path,
    ) -> Result<Loaded, EvaluationError> {
        let archive = crate::ingest::archive::load_dir(dir)?;
        let games = crate::pricing::games::load_games(games_path)?;
        let joined = crate::ingest::archive::join(&archive.games, &games);
        Ok(Loaded {
            archive,
            games,
            joined,
        })
    }
}

/// The whole evaluation of a loaded archive, walk-forward, and the records it was built from.
/// Each season's blend weights are the games-file backtest's walk-forward choice for it.
pub fn evaluate(
    loaded: &Loaded,
    cfg: &AnalyticsConfig,
    plausibility: &PlausibilityConfig,
) -> Result<(Evaluation, Records), EvaluationError> {
    let engine = PricingEngine::from_games(&loaded.games, cfg)?;
    let seasons = loaded.archive.seasons();
    let (first, last) = (
        seasons.first().copied().unwrap_or(0),
        seasons.last().copied().unwrap_or(0),
    );
    let (backtest, _) = crate::pricing::backtest::run(&loaded.games, cfg, first, last);
    let inputs = Inputs {
        engine: &engine,
        cfg,
        weights: backtest
            .by_season
            .iter()
            .map(|s| (s.season, s.weights))
            .collect(),
        plausibility,
    };
    let recs = records(&loaded.joined, &inputs);
    let eval = report::build(&loaded.archive, &loaded.joined, &inputs, &recs);
    if eval.archive.played == 0 {
        return Err(EvaluationError::NothingPlayed {
            joined: loaded.joined.joined.len(),
            unjoined: loaded.joined.unjoined.len(),
        });
    }
    Ok((eval, recs))
}
