//! The Futures pane: the background season simulation, one row per team (division, playoff,
//! conference and Super Bowl chances, expected wins, the best outright price against them), and
//! under the table the selected team's seed distribution and its best priced outrights.

use super::format;
use super::table::{self, aligned, col, Col};
use super::{pane_block, Ctx};
use crate::edges::futures::FutureEdge;
use crate::pricing::season::TeamForecast;
use crate::snapshot::{FuturesState, Snapshot};
use crate::tui::command::Pane;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Wrap};
use ratatui::Frame;
use std::cmp::Ordering;

const COLS: [Col; 10] = [
    col(0, "Team", 4, false, 0),
    col(1, "Division", 9, false, 3),
    col(2, "W", 4, true, 2),
    col(3, "xW", 5, true, 0),
    col(4, "Div", 5, true, 0),
    col(5, "Playoff", 7, true, 0),
    col(6, "Seed1", 5, true, 4),
    col(7, "Conf", 5, true, 0),
    col(8, "SB", 5, true, 0),
    col(9, "Best price", 20, false, 1),
];

/// How the Futures pane orders its teams (`rank COL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FuturesOrder {
    Team,
    Wins,
    Division,
    Playoffs,
    Conference,
    #[default]
    SuperBowl,
    /// The best EV of the team's outright prices.
    Edge,
}

impl FuturesOrder {
    pub const ALL: [FuturesOrder; 7] = [
        FuturesOrder::Team,
        FuturesOrder::Wins,
        FuturesOrder::Division,
        FuturesOrder::Playoffs,
        FuturesOrder::Conference,
        FuturesOrder::SuperBowl,
        FuturesOrder::Edge,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FuturesOrder::Team => "team",
            FuturesOrder::Wins => "wins",
            FuturesOrder::Division => "division",
            FuturesOrder::Playoffs => "playoffs",
            FuturesOrder::Conference => "conference",
            FuturesOrder::SuperBowl => "sb",
            FuturesOrder::Edge => "edge",
        }
    }

    pub fn parse(s: &str) -> Option<FuturesOrder> {
        let s = s.trim().to_ascii_lowercase();
        FuturesOrder::ALL
            .into_iter()
            .find(|o| o.name() == s || (s.len() >= 2 && o.name().starts_with(&s)))
    }

    fn key(self, t: &TeamForecast, best: Option<&FutureEdge>) -> f64 {
        match self {
            FuturesOrder::Team => 0.0,
            FuturesOrder::Wins => t.mean_wins,
            FuturesOrder::Division => t.p_division,
            FuturesOrder::Playoffs => t.p_playoffs,
            FuturesOrder::Conference => t.p_conference,
            FuturesOrder::SuperBowl => t.p_super_bowl,
            FuturesOrder::Edge => best.map(|e| e.ev).unwrap_or(f64::NEG_INFINITY),
        }
    }
}

/// The team's best-EV outright price on the board.
fn best_edge<'a>(snap: &'a Snapshot, team: &str) -> Option<&'a FutureEdge> {
    // Edges come best EV first.
    snap.futures.edges.iter().find(|e| e.team == team)
}

/// Team indices in display order: filtered by code or division, ordered by `order` (highest
/// first; team codes alphabetically for `Team` and among equals).
pub fn futures_rows(snap: &Snapshot, filter: &str, order: FuturesOrder) -> Vec<usize> {
    let Some(fc) = &snap.futures.forecast else {
        return Vec::new();
    };
    let f = filter.to_lowercase();
    let mut rows: Vec<usize> = (0..fc.teams.len())
        .filter(|&i| {
            let t = &fc.teams[i];
            f.is_empty()
                || t.team.to_lowercase().contains(&f)
                || t.division.to_lowercase().contains(&f)
        })
        .collect();
    rows.sort_by(|&a, &b| {
        let (x, y) = (&fc.teams[a], &fc.teams[b]);
        let kx = order.key(x, best_edge(snap, &x.team));
        let ky = order.key(y, best_edge(snap, &y.team));
        ky.partial_cmp(&kx)
            .unwrap_or(Ordering::Equal)
            .then_with(|| x.team.cmp(&y.team))
    });
    rows
}

fn pct0(p: f64) -> String {
    if p > 0.0 && p < 0.005 {
        "<1%".into()
    } else {
        format::pct(p, 0)
    }
}

fn price_label(e: &FutureEdge) -> String {
    let line = e.line.map(|l| format!(" {l}")).unwrap_or_default();
    let what = match e.market {
        crate::domain::outright::OutrightMarket::SuperBowl => "SB".to_string(),
        crate::domain::outright::OutrightMarket::Conference => "conf".to_string(),
        crate::domain::outright::OutrightMarket::Division => "div".to_string(),
        crate::domain::outright::OutrightMarket::Playoffs => format!("po {}", e.side),
        crate::domain::outright::OutrightMarket::WinTotal => format!("{}{line}", e.side),
    };
    format!(
        "{what} {} {}",
        format::american(e.american),
        format::signed_pct(e.ev, 0)
    )
}

fn status_line(snap: &Snapshot) -> String {
    let f = &snap.futures;
    match f.state {
        FuturesState::Idle => "waiting for the pricing model".into(),
        FuturesState::Running => format!(
            "simulating {} of {} seasons",
            format::count(u64::from(f.done)),
            format::count(u64::from(f.total))
        ),
        FuturesState::Failed => format!(
            "simulation failed: {}",
            f.error.as_deref().unwrap_or("unknown error")
        ),
        FuturesState::Ready => {
            let fc = f.forecast.as_ref();
            let edges = f.edges.iter().filter(|e| e.is_edge(f.min_ev)).count();
            format!(
                "{} as of {} · {} sims · {} prices · {} edges",
                fc.map(|c| c.season).unwrap_or_default(),
                f.as_of.as_deref().unwrap_or("?"),
                format::count(u64::from(fc.map(|c| c.simulations).unwrap_or_default())),
                f.quotes,
                edges
            )
        }
    }
}

pub fn futures(frame: &mut Frame, area: Rect, cx: &Ctx, focused: bool) {
    let r = &cx.theme.roles;
    let info = vec![Span::styled(status_line(cx.snap), r.muted)];
    let block = pane_block(cx, Pane::Futures, focused, area.width, info);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(fc) = &cx.snap.futures.forecast else {
        let text = match cx.snap.futures.state {
            FuturesState::Failed => status_line(cx.snap),
            _ => format!(
                "No season simulation yet ({}): it runs in the background once the model is fitted.",
                status_line(cx.snap)
            ),
        };
        let p = Paragraph::new(Span::styled(text, r.muted)).wrap(Wrap { trim: true });
        frame.render_widget(p, inner);
        return;
    };
    let rows = futures_rows(
        cx.snap,
        &cx.view.text_filters[Pane::Futures.index()],
        cx.view.futures_order,
    );
    let state = cx.view.tables[Pane::Futures.index()];
    let detail_h = if inner.height >= 12 { 3 } else { 0 };
    let [table_area, detail_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(detail_h)]).areas(inner);
    table::render(
        frame,
        table_area,
        cx,
        &COLS,
        rows.len(),
        state,
        focused,
        |c| c.title.to_string(),
        |c, i| {
            let t = &fc.teams[rows[i]];
            match c.id {
                0 => Cell::from(t.team.clone()),
                1 => Cell::from(t.division.clone()),
                2 => aligned(format!("{}", t.current_wins), true),
                3 => aligned(format!("{:.1}", t.mean_wins), true),
                4 => aligned(pct0(t.p_division), true),
                5 => aligned(pct0(t.p_playoffs), true),
                6 => aligned(pct0(t.p_seed.first().copied().unwrap_or(0.0)), true),
                7 => aligned(pct0(t.p_conference), true),
                8 => aligned(pct0(t.p_super_bowl), true),
                9 => match best_edge(cx.snap, &t.team) {
                    Some(e) if e.ev >= cx.snap.futures.min_ev => {
                        Cell::from(Span::styled(price_label(e), r.ok))
                    }
                    Some(e) => Cell::from(Span::styled(price_label(e), r.muted)),
                    None => Cell::from(Span::styled("·", r.muted)),
                },
                _ => Cell::from(""),
            }
        },
    );
    if detail_h == 0 {
        return;
    }
    let Some(t) = rows.get(state.selected).map(|&i| &fc.teams[i]) else {
        return;
    };
    let seeds: Vec<String> = t
        .p_seed
        .iter()
        .enumerate()
        .map(|(s, p)| format!("{}:{}", s + 1, pct0(*p)))
        .collect();
    let sd = {
        let var: f64 = t
            .wins
            .iter()
            .enumerate()
            .map(|(i, p)| (i as f64 / 2.0 - t.mean_wins).powi(2) * p)
            .sum();
        var.sqrt()
    };
    let mut prices: Vec<String> = cx
        .snap
        .futures
        .edges
        .iter()
        .filter(|e| e.team == t.team)
        .take(3)
        .map(|e| format!("{} @{}", price_label(e), e.book))
        .collect();
    if prices.is_empty() {
        prices.push("no outright prices on the board".into());
    }
    let lines = vec![
        Line::from(vec![
            Span::styled(format!("{} seeds ", t.team), r.header),
            Span::raw(seeds.join(" ")),
        ]),
        Line::from(Span::raw(format!(
            "wins {:.1} ± {:.1} · conf game {} · first pick {}",
            t.mean_wins,
            sd,
            pct0(t.p_conference_game),
            t.p_first_pick.map(pct0).unwrap_or_else(|| "·".into())
        ))),
        Line::from(Span::styled(prices.join(" · "), r.muted)),
    ];
    frame.render_widget(Paragraph::new(lines), detail_area);
}
