//! One pass of the bet lifecycle over the ledger: once an event has kicked off, each open bet on
//! it gets its closing-line value from the stored odds path; once its final score is known, it
//! is graded. The engine's pricing leader runs it every refresh; `bets settle` runs it once.

use crate::config::schema::AnalyticsConfig;
use crate::domain::{Event, MarketKind, Scope, Selection};
use crate::edges::clv::{self, BetLine, LineModel};
use crate::edges::settle::{grade, Grade};
use crate::pricing::model::GameInputs;
use crate::pricing::PricingEngine;
use crate::store::bets::{Bet, BetFilter};
use crate::store::{Store, StoreError};
use std::collections::{HashMap, HashSet};

/// What the pass may use and when results count.
pub struct PassInputs<'a> {
    /// Final scores (home, away) by nflverse `game_id`.
    pub finals: &'a HashMap<String, (i32, i32)>,
    /// The model that values moved lines; without it a moved line has no CLV.
    pub pricing: Option<&'a PricingEngine>,
    pub analytics: &'a AnalyticsConfig,
    /// How long after kickoff a final score is trusted (the replay releases its results a
    /// game's length after kickoff); `None` grades any bet whose game has a final, at once.
    pub final_delay_ms: Option<i64>,
    pub now_ms: i64,
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
    let mut closes: HashMap<String, Vec<crate::domain::Quote>> = HashMap::new();
    // Oldest first, so the ledger fills in the order the bets were placed.
    open.sort_by_key(|b| (b.placed_ms, b.id));
    for b in &open {
        let Some(ev) = events.get(&b.event_id) else {
            continue;
        };
        let kickoff = ev.commence_ms;
        // A bet placed after the stored kickoff belongs to a later market (the replay reopens
        // the same game): its close is not this one.
        let closed = inp.now_ms >= kickoff && b.placed_ms < kickoff;
        if closed && b.clv_book.is_none() && b.clv_consensus.is_none() && tried.insert(b.id) {
            if !closes.contains_key(&b.event_id) {
                let q = store.closing_quotes(b.event_id.clone(), kickoff).await?;
                closes.insert(b.event_id.clone(), q);
            }
            let close = closes.get(&b.event_id).map(Vec::as_slice).unwrap_or(&[]);
            if let Some((book, cons)) = value_bet(b, ev, close, inp) {
                if store.set_bet_clv(b.id, book, cons).await? {
                    report.valued.push(b.id);
                }
            }
        }
        let due = match inp.final_delay_ms {
            None => true,
            Some(d) => closed && inp.now_ms >= kickoff.saturating_add(d),
        };
        if !due {
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
        let g = grade(&b.market, &b.scope, &b.selection, b.line, home, away);
        if matches!(g, Grade::Ungraded(_)) && b.status == "ungraded" {
            continue;
        }
        let note = match &g {
            Grade::Ungraded(why) => why.clone(),
            _ => format!("final {home}-{away}"),
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

/// CLV in probability points against the bet's book and the consensus; `None` when neither
/// can be measured (the reasons go to the debug log).
fn value_bet(
    b: &Bet,
    ev: &Event,
    close: &[crate::domain::Quote],
    inp: &PassInputs<'_>,
) -> Option<(Option<f64>, Option<f64>)> {
    let (Ok(market), Ok(scope), Ok(selection)) = (
        b.market.parse::<MarketKind>(),
        b.scope.parse::<Scope>(),
        b.selection.parse::<Selection>(),
    ) else {
        return None;
    };
    let line = BetLine {
        market,
        scope,
        selection,
        line: b.line,
        book: b.book.clone(),
        decimal: b.decimal,
    };
    let fitted = inp.pricing.map(|p| {
        let game = p.slate_game(ev);
        (p.score_model(game.season), game.inputs)
    });
    let model = fitted.as_ref().map(|(m, base)| LineModel {
        model: m,
        base: GameInputs {
            mean_margin: base.mean_margin,
            mean_total: base.mean_total,
        },
    });
    let r = clv::clv(&line, close, model, inp.analytics);
    if let Err(why) = &r.book {
        tracing::debug!(bet = b.id, reason = %why, "no CLV against the bet's book");
    }
    if let Err(why) = &r.consensus {
        tracing::debug!(bet = b.id, reason = %why, "no CLV against the consensus");
    }
    let book = r.book.ok().map(|c| c.points);
    let cons = r.consensus.ok().map(|c| c.points);
    (book.is_some() || cons.is_some()).then_some((book, cons))
}
