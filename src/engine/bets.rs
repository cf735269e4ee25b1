//! One pass of the bet lifecycle over the ledger: once an event has kicked off, each open bet on
//! it gets its closing-line value from the stored odds path; once its final score is known, it
//! is graded. The engine's pricing leader runs it every refresh; `bets settle` runs it once.

use crate::config::schema::AnalyticsConfig;
use crate::domain::{Event, MarketKind, Scope, Selection};
use crate::edges::clv::{self, BetLine, LineModel};
use crate::edges::settle::{grade_on, GameScores, Grade};
use crate::pricing::model::{GameInputs, ScoreModel};
use crate::pricing::PricingEngine;
use crate::store::bets::{Bet, BetFilter};
use crate::store::{Store, StoreError};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// What the pass may use and when results count.
pub struct PassInputs<'a> {
    /// Final scores (home, away) by nflverse `game_id`.
    pub finals: &'a HashMap<String, (i32, i32)>,
    /// Quarter scores by `game_id` (the optional periods.csv): halves and quarters are graded
    /// from them, and stay ungraded without.
    pub periods: &'a crate::data::periods::PeriodScores,
    /// The model that values moved lines; without it a moved line has no CLV.
    pub pricing: Option<Arc<PricingEngine>>,
    pub analytics: &'a AnalyticsConfig,
    /// How long after kickoff a final score is trusted (the replay releases its results a
    /// game's length after kickoff); `None` grades any bet whose game has a final, at once.
    pub final_delay_ms: Option<i64>,
    pub now_ms: i64,
    /// Bets valued per pass at most (a moved total walks the joint distribution): an engine
    /// works a backlog off over a few refreshes; a one-shot command takes them all.
    pub max_valued: usize,
}

/// A bet graded by the pass.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Graded {
    pub id: i64,
    pub event_id: String,
    pub status: &'static str,
    pub pnl: Option<f64>,
    #[serde(rename = "final")]
    pub final_score: (i32, i32),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassReport {
    /// Bets whose CLV was recorded.
    pub valued: Vec<i64>,
    pub graded: Vec<Graded>,
}

/// Runs the pass. `tried` holds the bets already valued (or found unvaluable) by this process,
/// so a bet with no close is not searched again every refresh.
pub async fn run_pass(
    store: &Store,
    inp: &PassInputs<'_>,
    tried: &mut HashSet<i64>,
) -> Result<PassReport, StoreError> {
    let mut open = Vec::new();
    for status in ["open", "ungraded"] {
        open.extend(
            store
                .list_bets(BetFilter {
                    status: Some(status.into()),
                    ..Default::default()
                })
                .await?,
        );
    }
    let mut report = PassReport::default();
    if open.is_empty() {
        return Ok(report);
    }
    let events: HashMap<String, Event> = store
        .events()
        .await?
        .into_iter()
        .map(|e| (e.event_id.clone(), e))
        .collect();
    let mut closes: HashMap<String, Arc<Vec<crate::domain::Quote>>> = HashMap::new();
    // Oldest first, so the ledger fills in the order the bets were placed.
    open.sort_by_key(|b| (b.placed_ms, b.id));
    let mut jobs = Vec::new();
    for b in &open {
        let Some(ev) = events.get(&b.event_id) else {
            continue;
        };
        let kickoff = ev.commence_ms;
        let closed = inp.now_ms >= kickoff && b.placed_ms < kickoff;
        if !closed || b.clv_book.is_some() || b.clv_consensus.is_some() {
            continue;
        }
        if jobs.len() >= inp.max_valued || !tried.insert(b.id) {
            continue;
        }
        let close = match closes.get(&b.event_id) {
            Some(c) => c.clone(),
            None => {
                let q = Arc::new(store.closing_quotes(b.event_id.clone(), kickoff).await?);
                closes.insert(b.event_id.clone(), q.clone());
                q
            }
        };
        if let Some(job) = clv_job(b, ev, close, inp) {
            jobs.push(job);
        }
    }
    // Valuing a moved line walks the model's distribution: CPU work, off the async workers.
    let valued = tokio::task::spawn_blocking(move || {
        jobs.into_iter()
            .filter_map(|j| {
                let id = j.id;
                j.run().map(|v| (id, v))
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    for (id, (book, cons)) in valued {
        if store.set_bet_clv(id, book, cons).await? {
            report.valued.push(id);
        }
    }
    for b in &open {
        let Some(ev) = events.get(&b.event_id) else {
            continue;
        };
        let kickoff = ev.commence_ms;
        // A bet placed after the stored kickoff belongs to a later market (the replay reopens
        // the same game): its close is not this one.
        let closed = inp.now_ms >= kickoff && b.placed_ms < kickoff;
        let due = match inp.final_delay_ms {
            None => true,
            Some(d) => closed && inp.now_ms >= kickoff.saturating_add(d),
        };
        // A bet still waiting for its turn to be valued is graded after it, so that grading
        // (which takes it out of the open bets) never skips its CLV.
        let unvalued = b.clv_book.is_none() && b.clv_consensus.is_none();
        if !due || (closed && unvalued && !tried.contains(&b.id)) {
            continue;
        }
        let game_id = ev.game_id.as_deref().unwrap_or(&b.event_id);
        let Some(&(home, away)) = inp
            .finals
            .get(game_id)
            .or_else(|| inp.finals.get(&b.event_id))
        else {
            continue;
        };
        let scores = GameScores {
            final_score: (home, away),
            periods: inp
                .periods
                .get(game_id)
                .or_else(|| inp.periods.get(&b.event_id)),
            second_half_overtime: inp.analytics.periods.second_half_overtime,
        };
        let g = grade_on(&b.market, &b.scope, &b.selection, b.line, &scores);
        if matches!(g, Grade::Ungraded(_)) && b.status == "ungraded" {
            continue;
        }
        let note = match &g {
            Grade::Ungraded(why) => why.clone(),
            _ => match b.scope.parse::<Scope>() {
                Ok(sc) if sc != Scope::Game => {
                    let (h, a) = scores
                        .periods
                        .map(|p| p.score(sc, scores.second_half_overtime))
                        .unwrap_or((home, away));
                    format!("{} {h}-{a} (final {home}-{away})", sc.as_str())
                }
                _ => format!("final {home}-{away}"),
            },
        };
        let pnl = g.pnl(b.decimal, b.stake);
        if store
            .settle_bet(b.id, g.status(), pnl, inp.now_ms, Some(note))
            .await?
        {
            report.graded.push(Graded {
                id: b.id,
                event_id: b.event_id.clone(),
                status: g.status(),
                pnl,
                final_score: (home, away),
            });
        }
    }
    Ok(report)
}

/// What an engine values per refresh.
pub const MAX_VALUED_PER_PASS: usize = 16;

/// One bet to value at its close, owning all it needs to run off the async workers.
struct ClvJob {
    id: i64,
    line: BetLine,
    event: Event,
    close: Arc<Vec<crate::domain::Quote>>,
    pricing: Option<Arc<PricingEngine>>,
    analytics: AnalyticsConfig,
}

impl ClvJob {
    /// CLV in probability points against the bet's book and the consensus; `None` when
    /// neither can be measured (the reasons go to the debug log).
    fn run(self) -> Option<(Option<f64>, Option<f64>)> {
        // The event's ratings and score model: cached once the engine has priced it, fitted
        // here (off the async workers) when it has not.
        let fitted: Option<(Arc<ScoreModel>, GameInputs)> = self.pricing.as_ref().map(|p| {
            let game = p.slate_game(&self.event);
            (p.score_model(game.season), game.inputs)
        });
        let model = fitted.as_ref().map(|(m, base)| LineModel {
            model: m,
            base: *base,
        });
        let r = clv::clv(&self.line, &self.close, model, &self.analytics);
        if let Err(why) = &r.book {
            tracing::debug!(bet = self.id, reason = %why, "no CLV against the bet's book");
        }
        if let Err(why) = &r.consensus {
            tracing::debug!(bet = self.id, reason = %why, "no CLV against the consensus");
        }
        let book = r.book.ok().map(|c| c.points);
        let cons = r.consensus.ok().map(|c| c.points);
        (book.is_some() || cons.is_some()).then_some((book, cons))
    }
}

/// A bet on an edge of the board at its price and fair figures, validated like any other
/// (the dashboard's `+` and the paper trade of an alerted edge both record one).
pub(super) fn bet_on_edge(
    edge: &crate::snapshot::EdgeRow,
    stake: f64,
    paper: bool,
    note: String,
    now_ms: i64,
) -> Result<crate::store::bets::NewBet, crate::edges::ledger::LedgerError> {
    let req = crate::edges::ledger::BetRequest {
        event_id: edge.event_id.clone(),
        market: edge.market.clone(),
        scope: Some(edge.scope.clone()),
        selection: edge.selection.clone(),
        line: edge.line,
        book: edge.book.clone(),
        price: format!("{}", edge.decimal),
        stake,
        paper,
        note: Some(note),
    };
    let mut bet = crate::edges::ledger::validate(&req, now_ms)?;
    bet.fair_prob = Some(edge.fair_prob);
    bet.ev = Some(edge.ev);
    bet.model_prob = edge.model_prob;
    bet.consensus_prob = edge.consensus_prob;
    Ok(bet)
}

fn clv_job(
    b: &Bet,
    ev: &Event,
    close: Arc<Vec<crate::domain::Quote>>,
    inp: &PassInputs<'_>,
) -> Option<ClvJob> {
    let line = BetLine {
        market: b.market.parse::<MarketKind>().ok()?,
        scope: b.scope.parse::<Scope>().ok()?,
        selection: b.selection.parse::<Selection>().ok()?,
        line: b.line,
        book: b.book.clone(),
        decimal: b.decimal,
    };
    Some(ClvJob {
        id: b.id,
        line,
        event: ev.clone(),
        close,
        pricing: inp.pricing.clone(),
        analytics: inp.analytics.clone(),
    })
}

/// Rows the Bets pane keeps of each kind: far more than a screen shows.
const VIEW_ROWS: usize = 200;

/// The ledger as the Bets pane and the metrics show it. Open bets get a live CLV against
/// `board` (the latest quotes) as if it were the close; a line that has moved is left blank
/// there rather than valued through the model on every refresh.
pub fn view(
    bets: &[Bet],
    board: &[crate::store::read::LatestQuote],
    analytics: &AnalyticsConfig,
) -> crate::snapshot::BetsView {
    use crate::snapshot::{BetRow, BetsView};
    let settled_status = |s: &str| matches!(s, "won" | "lost" | "push");
    let recorded = |b: &Bet| b.clv_consensus.or(b.clv_book);
    let clvs: Vec<f64> = bets
        .iter()
        .filter(|b| b.status != "void")
        .filter_map(recorded)
        .collect();
    let settled: Vec<&Bet> = bets.iter().filter(|b| settled_status(&b.status)).collect();
    let mut by_event: HashMap<&str, Vec<crate::domain::Quote>> = HashMap::new();
    for l in board {
        by_event
            .entry(l.quote.event_id.as_str())
            .or_default()
            .push(l.quote.clone());
    }
    let row = |b: &Bet, clv: Option<f64>, clv_final: bool| BetRow {
        id: b.id,
        paper: b.paper,
        event_id: b.event_id.clone(),
        market: b.market.clone(),
        scope: b.scope.clone(),
        selection: b.selection.clone(),
        line: b.line,
        book: b.book.clone(),
        decimal: b.decimal,
        stake: b.stake,
        placed_ms: b.placed_ms,
        status: b.status.clone(),
        pnl: b.pnl,
        clv,
        clv_final,
    };
    let mut newest: Vec<&Bet> = bets.iter().collect();
    newest.sort_by_key(|b| std::cmp::Reverse((b.placed_ms, b.id)));
    let mut rows: Vec<BetRow> = newest
        .iter()
        .filter(|b| b.status == "open")
        .take(VIEW_ROWS)
        .map(|b| match recorded(b) {
            Some(c) => row(b, Some(c), true),
            None => {
                let live = by_event
                    .get(b.event_id.as_str())
                    .and_then(|qs| live_clv(b, qs, analytics));
                row(b, live, false)
            }
        })
        .collect();
    rows.extend(
        newest
            .iter()
            .filter(|b| b.status != "open")
            .take(VIEW_ROWS)
            .map(|b| row(b, recorded(b), recorded(b).is_some())),
    );
    BetsView {
        open: bets.iter().filter(|b| b.status == "open").count(),
        settled: settled.len(),
        staked: settled.iter().map(|b| b.stake).sum(),
        pnl: settled.iter().filter_map(|b| b.pnl).sum(),
        clv_mean: (!clvs.is_empty()).then(|| clvs.iter().sum::<f64>() / clvs.len() as f64),
        clv_n: clvs.len(),
        rows,
    }
}

/// An open bet's CLV against the board as it stands, consensus first.
fn live_clv(b: &Bet, board: &[crate::domain::Quote], cfg: &AnalyticsConfig) -> Option<f64> {
    let line = BetLine {
        market: b.market.parse().ok()?,
        scope: b.scope.parse().ok()?,
        selection: b.selection.parse().ok()?,
        line: b.line,
        book: b.book.clone(),
        decimal: b.decimal,
    };
    let r = clv::clv(&line, board, None, cfg);
    r.consensus.or(r.book).ok().map(|c| c.points)
}
