//! The panes (Books lives in `books`). Each is useful alone: it names its thresholds and says what it is showing.

use super::format;
use super::table::{self, aligned, col, flex, Col};
use super::{pane_block, Ctx};
use crate::ingest::breaker::BreakerState;
use crate::snapshot::{AlertRow, EdgeKind, Snapshot};
use crate::tui::command::{Pane, SortColumn};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Wrap};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

pub fn draw_pane(frame: &mut Frame, area: Rect, pane: Pane, cx: &Ctx) {
    let focused = cx.view.focus == pane;
    match pane {
        Pane::Odds => odds(frame, area, cx, focused),
        Pane::Edges => edges(frame, area, cx, focused),
        Pane::Sims => sims(frame, area, cx, focused),
        Pane::Alerts => alerts(frame, area, cx, focused),
        Pane::Log => log(frame, area, cx, focused),
        Pane::Bets => bets(frame, area, cx, focused),
        Pane::Books => super::books::books(frame, area, cx, focused),
        Pane::Futures => super::futures::futures(frame, area, cx, focused),
    }
}

/// Table rows that fit in `area` for `pane` (paging and scrolling use the same figure as drawing).
pub fn table_rows(pane: Pane, area: Rect, snap: &Snapshot) -> usize {
    let inner = area.height.saturating_sub(2) as usize;
    let chrome = match pane {
        Pane::Sims => 2,
        Pane::Alerts => 1 + delivery_lines(snap),
        _ => 1,
    };
    inner.saturating_sub(chrome)
}

fn state_cell<'a>(glyph: &str, word: &str, style: Style) -> Cell<'a> {
    Cell::from(Span::styled(format!("{glyph} {word}"), style))
}

fn empty_message(frame: &mut Frame, area: Rect, cx: &Ctx, text: String) {
    let p = Paragraph::new(Line::from(Span::styled(text, cx.theme.roles.muted)))
        .wrap(Wrap { trim: true });
    frame.render_widget(p, area);
}

// ---------------------------------------------------------------- odds freshness

const ODDS_COLS: [Col; 8] = [
    col(0, "Book", 10, false, 0),
    col(1, "Group", 9, false, 0),
    col(2, "Age", 6, true, 0),
    col(3, "State", 7, false, 0),
    col(4, "Succ", 4, true, 3),
    col(5, "Poll latency", 12, false, 5),
    col(6, "Last", 5, true, 4),
    col(7, "Breaker", 9, false, 1),
];

/// Freshness rows shown for a text filter on book or market group.
pub fn odds_rows(snap: &Snapshot, filter: &str) -> Vec<usize> {
    let f = filter.to_lowercase();
    let rows = &snap.ingest.freshness;
    (0..rows.len())
        .filter(|&i| {
            f.is_empty()
                || rows[i].book.to_lowercase().contains(&f)
                || rows[i].market_group.contains(&f)
        })
        .collect()
}

fn odds(frame: &mut Frame, area: Rect, cx: &Ctx, focused: bool) {
    let r = &cx.theme.roles;
    let g = &cx.theme.glyphs;
    let ing = &cx.snap.ingest;
    let filter = cx.view.text_filters[Pane::Odds.index()].to_lowercase();
    let rows = odds_rows(cx.snap, &filter);
    let stalled = ing
        .freshness
        .iter()
        .filter(|f| f.age_seconds + cx.drift() > ing.stalled_after_seconds)
        .count();
    let mut info = vec![Span::styled(
        format!(
            "target {} · stalled {}",
            format::age(ing.freshness_target_seconds),
            format::age(ing.stalled_after_seconds)
        ),
        r.muted,
    )];
    if let Some(down) = &ing.store_down {
        // Ages below are as of the last read: the store is out, not (as far as we know) the feed.
        let for_s = (cx.snap.taken_ms - down.since_ms) as f64 / 1000.0 + cx.drift();
        info.push(Span::styled(
            format!(" · {} store unreachable {}", g.bad, format::age(for_s)),
            r.bad,
        ));
    } else if stalled > 0 {
        info.push(Span::styled(
            format!(" · {} {stalled} stalled", g.bad),
            r.bad,
        ));
    }
    if !filter.is_empty() {
        info.push(Span::styled(format!(" · /{filter}"), r.accent));
    }
    let mut block = pane_block(cx, Pane::Odds, focused, area.width, info);
    block = block.title_bottom(Line::from(Span::styled(
        format!(
            " {} latest · {} history · {} quarantined ",
            format::count(ing.quotes_latest as u64),
            format::count(ing.quotes_history as u64),
            ing.quarantined
        ),
        r.muted,
    )));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if rows.is_empty() {
        empty_message(
            frame,
            inner,
            cx,
            if ing.freshness.is_empty() {
                "No quotes yet: waiting for the first poll.".into()
            } else {
                format!("No books match /{filter}")
            },
        );
        return;
    }
    let state = cx.view.tables[Pane::Odds.index()];
    // One scale for every book, so a slow book stands out against the others.
    let lat_max = ing
        .sources
        .iter()
        .flat_map(|s| s.poll_latency_seconds.iter().copied())
        .fold(0.0, f64::max);
    // State columns hold a glyph and a word; ASCII glyphs are wider.
    let gw = [&g.ok, &g.warn, &g.bad]
        .iter()
        .map(|s| s.width())
        .max()
        .unwrap_or(1) as u16
        + 1;
    let mut cols = ODDS_COLS;
    cols[3].width += gw;
    cols[7].width += gw;
    table::render(
        frame,
        inner,
        cx,
        &cols,
        rows.len(),
        state,
        focused,
        |c| c.title.to_string(),
        |c, i| {
            let row = &ing.freshness[rows[i]];
            let first_of_book = i == 0 || ing.freshness[rows[i - 1]].book != row.book;
            let src = ing.sources.iter().find(|s| s.name == row.book).or_else(|| {
                let name = ing.book_sources.get(&row.book)?;
                ing.sources.iter().find(|s| &s.name == name)
            });
            let age = row.age_seconds + cx.drift();
            match c.id {
                0 => Cell::from(if first_of_book {
                    row.book.clone()
                } else {
                    String::new()
                }),
                1 => Cell::from(row.market_group.clone()),
                2 => aligned(format::age(age), true),
                3 => {
                    if ing.store_down.is_some() {
                        // Aged since the last read, not since the last quote: unknown.
                        state_cell(&g.warn, "unknown", r.warn)
                    } else if age <= ing.freshness_target_seconds {
                        state_cell(&g.ok, "fresh", r.ok)
                    } else if age <= ing.stalled_after_seconds {
                        state_cell(&g.warn, "slow", r.warn)
                    } else {
                        state_cell(&g.bad, "stalled", r.bad)
                    }
                }
                _ if !first_of_book => Cell::from(""),
                4 => {
                    let rate = src.map(|s| s.success_rate).unwrap_or(f64::NAN);
                    let style = match ing.judge().success(rate) {
                        crate::health::Level::Healthy => r.text,
                        crate::health::Level::Degraded => r.warn,
                        crate::health::Level::Failing => r.bad,
                    };
                    Cell::from(
                        Line::from(Span::styled(format::pct(rate, 0), style)).right_aligned(),
                    )
                }
                5 => Cell::from(Span::styled(
                    src.map(|s| {
                        format::spark(
                            s.poll_latency_seconds.iter().copied(),
                            c.width as usize,
                            &g.spark,
                            Some(lat_max),
                        )
                    })
                    .unwrap_or_default(),
                    r.chart,
                )),
                6 => aligned(
                    src.and_then(|s| s.poll_latency_seconds.back().copied())
                        .map(format::secs)
                        .unwrap_or_default(),
                    true,
                ),
                7 => match src.map(|s| s.breaker) {
                    Some(BreakerState::Closed) => state_cell(&g.ok, "closed", r.ok),
                    Some(BreakerState::HalfOpen) => state_cell(&g.warn, "half-open", r.warn),
                    Some(BreakerState::Open) => state_cell(&g.bad, "open", r.bad),
                    None => Cell::from("—"),
                },
                _ => Cell::from(""),
            }
        },
    );
}

// ---------------------------------------------------------------- edges

const EDGE_COLS: [Col; 13] = [
    col(12, "Kind", 5, false, 2),
    col(0, "Event", 9, false, 0),
    col(1, "Mkt", 6, false, 5),
    col(2, "Scope", 5, false, 8),
    flex(3, "Selection", 10, 0),
    col(4, "Book", 10, false, 0),
    col(5, "Price", 5, true, 0),
    col(6, "Fair", 6, true, 4),
    col(7, "EV", 6, true, 0),
    col(8, "Kelly", 6, true, 3),
    col(9, "Stake", 7, true, 9),
    col(10, "Age", 5, true, 6),
    col(11, "Move", 5, true, 7),
];

fn col_sort(id: u8) -> SortColumn {
    SortColumn::ALL[id as usize]
}

pub fn market_short(m: &str) -> &str {
    match m {
        "moneyline" | "h2h" => "ML",
        "team_total" => "TT",
        // Six columns: `total_alt` cut to `total_` read as a typo on the trading screen.
        "spread_alt" => "alt sp",
        "total_alt" => "alt ou",
        "moneyline_3way" => "ML 3w",
        other => other,
    }
}

fn edges(frame: &mut Frame, area: Rect, cx: &Ctx, focused: bool) {
    let r = &cx.theme.roles;
    let g = &cx.theme.glyphs;
    let ev = &cx.view.edges;
    let all = &cx.snap.edges;
    let arrow = if ev.descending {
        &g.sort_desc
    } else {
        &g.sort_asc
    };
    let mut info = vec![Span::styled(
        format!("{} of {}", ev.rows.len(), all.len()),
        r.text,
    )];
    info.push(Span::styled(
        format!(" · sort {} {arrow}", ev.sort.name()),
        r.muted,
    ));
    if !ev.filter_text.is_empty() {
        info.push(Span::styled(" · filter ", r.muted));
        info.push(Span::styled(ev.filter_text.clone(), r.accent));
    }
    // Halves and quarters are held to the period gate's EV until the period backtest on the
    // user's own scores shows the model calibrated.
    if let Some(gate) = cx.snap.meta.period_gate.as_ref().filter(|g| !g.is_open()) {
        info.push(Span::styled(
            format!(" · periods EV>={}", format::signed_pct(gate.min_ev, 0)),
            r.warn,
        ));
    }
    let block = pane_block(cx, Pane::Edges, focused, area.width, info);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if ev.rows.is_empty() {
        let msg = if all.is_empty() {
            format!(
                "No edges above the value threshold ({}).",
                format::signed_pct(cx.snap.meta.value_threshold, 1)
            )
        } else {
            format!(
                "No edges match `{}` ({} hidden). :filter clears it.",
                ev.filter_text,
                all.len()
            )
        };
        empty_message(frame, inner, cx, msg);
        return;
    }
    let state = cx.view.tables[Pane::Edges.index()];
    let drift = cx.drift();
    // Narrow screens drop the Scope column; a half or quarter then shows beside the selection,
    // or a first-half moneyline would read as a second price for the same bet.
    let scope_shown = table::shown_columns(cx, &EDGE_COLS, inner.width)
        .iter()
        .any(|c| c.id == 2);
    let header = |c: &Col| {
        if col_sort(c.id) == ev.sort {
            if c.right {
                format!("{arrow}{}", c.title)
            } else {
                format!("{}{arrow}", c.title)
            }
        } else {
            c.title.to_string()
        }
    };
    table::render(
        frame,
        inner,
        cx,
        &EDGE_COLS,
        ev.rows.len(),
        state,
        focused,
        header,
        |c, i| {
            let e = &all[ev.rows[i]];
            match c.id {
                0 => Cell::from(e.event.clone()),
                1 => Cell::from(market_short(&e.market).to_string()),
                2 => Cell::from(e.scope.clone()),
                3 => {
                    let label = format::selection(&e.event, &e.selection, e.line);
                    Cell::from(if !scope_shown && e.scope != "game" {
                        format!("{label} {}", e.scope)
                    } else {
                        label
                    })
                }
                4 => Cell::from(e.book.clone()),
                5 => aligned(format::american(e.american), true),
                6 => aligned(format::pct(e.fair_prob, 1), true),
                7 => Cell::from(
                    Line::from(Span::styled(
                        format::signed_pct(e.ev, 1),
                        if e.ev >= 0.0 { r.edge_pos } else { r.edge_neg },
                    ))
                    .right_aligned(),
                ),
                8 => aligned(format::pct(e.kelly, 2), true),
                9 => aligned(format::money(e.stake), true),
                10 => aligned(format::age(e.age_seconds + drift), true),
                11 => aligned(
                    e.movement_points
                        .map(|m| {
                            if m == 0.0 {
                                "0".into()
                            } else {
                                format!("{m:+.1}")
                            }
                        })
                        .unwrap_or_else(|| "·".into()),
                    true,
                ),
                12 => match e.kind {
                    EdgeKind::Value => Cell::from(Span::styled("value", r.muted)),
                    EdgeKind::Stale => Cell::from(Span::styled("stale", r.accent)),
                },
                _ => Cell::from(""),
            }
        },
    );
}

// ---------------------------------------------------------------- simulation latency

const SIM_COLS: [Col; 7] = [
    col(0, "Time", 8, false, 0),
    col(1, "Trigger", 8, false, 4),
    col(2, "Iter", 6, true, 2),
    col(3, "Took", 6, true, 0),
    col(4, "Target", 6, true, 3),
    col(5, "State", 6, false, 0),
    col(6, "MC |z|/limit", 12, true, 1),
];

use crate::pricing::montecarlo::CHECK_Z_LIMIT;

fn sims(frame: &mut Frame, area: Rect, cx: &Ctx, focused: bool) {
    let r = &cx.theme.roles;
    let g = &cx.theme.glyphs;
    let runs = &cx.snap.simulations;
    let over = runs.iter().filter(|s| s.latency_ms > s.target_ms).count();
    let info = if over > 0 {
        vec![Span::styled(
            format!("{} {over} of {} over target", g.warn, runs.len()),
            r.warn,
        )]
    } else {
        vec![Span::styled(format!("{} runs", runs.len()), r.muted)]
    };
    let block = pane_block(cx, Pane::Sims, focused, area.width, info);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(last) = runs.last() else {
        empty_message(frame, inner, cx, "No simulation runs yet.".into());
        return;
    };
    let [summary, rest] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    let ratio = last.latency_ms / last.target_ms.max(1.0);
    let spark_w = (summary.width as usize).saturating_sub(30).min(runs.len());
    let line = Line::from(vec![
        Span::styled("last ", r.muted),
        Span::styled(
            format::millis(last.latency_ms),
            if ratio > 1.0 { r.warn } else { r.text },
        ),
        Span::styled(format!(" / {} ", format::millis(last.target_ms)), r.muted),
        Span::styled(format!("({:.0}%)", ratio * 100.0), r.muted),
        Span::raw("  "),
        Span::styled(
            format::spark(
                runs.iter().map(|s| s.latency_ms / s.target_ms.max(1.0)),
                spark_w,
                &g.spark,
                None,
            ),
            r.chart,
        ),
    ]);
    frame.render_widget(Paragraph::new(line), summary);
    let state = cx.view.tables[Pane::Sims.index()];
    let n = runs.len();
    table::render(
        frame,
        rest,
        cx,
        &SIM_COLS,
        n,
        state,
        focused,
        |c| c.title.to_string(),
        |c, i| {
            let s = &runs[n - 1 - i];
            match c.id {
                0 => Cell::from(format::clock(s.started_ms)),
                1 => Cell::from(s.trigger.clone()),
                2 => aligned(
                    if s.iterations.is_multiple_of(1000) {
                        format!("{}k", s.iterations / 1000)
                    } else {
                        s.iterations.to_string()
                    },
                    true,
                ),
                3 => aligned(format::millis(s.latency_ms), true),
                4 => aligned(format::millis(s.target_ms), true),
                5 => {
                    if s.latency_ms <= s.target_ms {
                        state_cell(&g.ok, "ok", r.ok)
                    } else {
                        state_cell(&g.warn, "slow", r.warn)
                    }
                }
                6 => {
                    let limit = s.check_limit.max(CHECK_Z_LIMIT);
                    match s.max_abs_z {
                        Some(z) if z > limit => {
                            state_cell(&g.warn, &format!("{z:.1}/{limit:.1}"), r.warn)
                        }
                        Some(z) => aligned(format!("{z:.1}/{limit:.1}"), true),
                        None => aligned("-".to_string(), true),
                    }
                }
                _ => Cell::from(""),
            }
        },
    );
}

// ---------------------------------------------------------------- alerts

const ALERT_COLS: [Col; 6] = [
    col(0, "ID", 4, true, 0),
    col(1, "State", 8, false, 0),
    col(2, "Sev", 4, false, 3),
    col(3, "Rule", 21, false, 2),
    col(4, "Age", 6, true, 1),
    flex(5, "Message", 12, 0),
];

/// Alerts as listed: firing first, then acked, then resolved; newest first within each.
pub fn alert_order(snap: &Snapshot, filter: &str) -> Vec<usize> {
    let rank = |a: &AlertRow| match a.state.as_str() {
        "firing" => 0,
        "acked" => 1,
        _ => 2,
    };
    let f = filter.to_lowercase();
    let list = &snap.alerts.alerts;
    let mut v: Vec<usize> = (0..list.len())
        .filter(|&i| {
            f.is_empty()
                || list[i].rule.contains(&f)
                || list[i].message.to_lowercase().contains(&f)
                || list[i].state.contains(&f)
        })
        .collect();
    v.sort_by_key(|&i| (rank(&list[i]), -list[i].since_ms, list[i].id));
    v
}

fn delivery_lines(snap: &Snapshot) -> usize {
    1 + snap.alerts.channels.len().max(1) + usize::from(!snap.alerts.silences.is_empty())
}

fn alerts(frame: &mut Frame, area: Rect, cx: &Ctx, focused: bool) {
    let r = &cx.theme.roles;
    let g = &cx.theme.glyphs;
    let av = &cx.snap.alerts;
    let firing = av.alerts.iter().filter(|a| a.state == "firing").count();
    let acked = av.alerts.iter().filter(|a| a.state == "acked").count();
    let mut info = Vec::new();
    if firing > 0 {
        info.push(Span::styled(
            format!("{} {firing} firing", g.firing),
            r.firing,
        ));
    } else {
        info.push(Span::styled(format!("{} none firing", g.ok), r.ok));
    }
    if acked > 0 {
        info.push(Span::styled(format!(" · {acked} acked"), r.acked));
    }
    let block = pane_block(cx, Pane::Alerts, focused, area.width, info);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [list, delivery] = Layout::vertical([
        Constraint::Min(0),
        Constraint::Length(delivery_lines(cx.snap) as u16),
    ])
    .areas(inner);
    let order = alert_order(cx.snap, &cx.view.text_filters[Pane::Alerts.index()]);
    if order.is_empty() {
        empty_message(frame, list, cx, "No alerts.".into());
    } else {
        let state = cx.view.tables[Pane::Alerts.index()];
        let mut cols = ALERT_COLS;
        cols[1].width += [&g.firing, &g.acked, &g.resolved]
            .iter()
            .map(|s| s.width())
            .max()
            .unwrap_or(1) as u16
            + 1;
        table::render(
            frame,
            list,
            cx,
            &cols,
            order.len(),
            state,
            focused,
            |c| c.title.to_string(),
            |c, i| {
                let a = &av.alerts[order[i]];
                match c.id {
                    0 => aligned(format!("#{}", a.id), true),
                    1 => match a.state.as_str() {
                        "firing" => state_cell(&g.firing, "firing", r.firing),
                        "acked" => state_cell(&g.acked, "acked", r.acked),
                        other => state_cell(&g.resolved, other, r.resolved),
                    },
                    2 => Cell::from(
                        match a.severity.as_str() {
                            "critical" => "crit",
                            "warning" => "warn",
                            s => s,
                        }
                        .to_string(),
                    ),
                    3 => Cell::from(a.rule.clone()),
                    4 => aligned(format::age(format::ms_between(cx.now_ms, a.since_ms)), true),
                    5 => Cell::from(a.message.clone()),
                    _ => Cell::from(""),
                }
            },
        );
    }
    let mut lines = vec![Line::from(Span::styled("Delivery", r.header))];
    if av.channels.is_empty() {
        lines.push(Line::from(Span::styled(
            "  no channels configured",
            r.muted,
        )));
    }
    for ch in &av.channels {
        let mut spans = if ch.ok {
            vec![Span::styled(format!("  {} {:<10}", g.ok, ch.channel), r.ok)]
        } else {
            vec![Span::styled(
                format!("  {} {:<10}", g.bad, ch.channel),
                r.bad,
            )]
        };
        spans.push(Span::styled(format!(" {:>4} sent", ch.delivered), r.text));
        if ch.pending > 0 {
            spans.push(Span::styled(format!(" · {} pending", ch.pending), r.warn));
        }
        if let Some(ms) = ch.last_delivery_ms {
            spans.push(Span::styled(
                format!(
                    " · last {} ago",
                    format::age(format::ms_between(cx.now_ms, ms))
                ),
                r.muted,
            ));
        }
        if let Some(e) = &ch.last_error {
            spans.push(Span::styled(format!(" · {e}"), r.bad));
        }
        lines.push(Line::from(spans));
    }
    if !av.silences.is_empty() {
        let s: Vec<String> = av
            .silences
            .iter()
            .map(|s| {
                format!(
                    "{} until {} ({} left)",
                    s.rule,
                    format::hhmm(s.until_ms),
                    format::age(format::ms_between(s.until_ms, cx.now_ms))
                )
            })
            .collect();
        lines.push(Line::from(vec![
            Span::styled("Silenced ", r.header),
            Span::styled(s.join(", "), r.acked),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), delivery);
}

// ---------------------------------------------------------------- log

fn log(frame: &mut Frame, area: Rect, cx: &Ctx, focused: bool) {
    let r = &cx.theme.roles;
    let block = pane_block(cx, Pane::Log, focused, area.width, vec![]);
    if cx.view.live_log {
        let w = tui_logger::TuiLoggerWidget::default()
            .block(block)
            .output_separator(' ')
            .output_timestamp(Some("%H:%M:%S".into()))
            .output_level(Some(tui_logger::TuiLoggerLevelOutput::Abbreviated))
            .output_target(false)
            .output_file(false)
            .output_line(false)
            .style(r.text)
            .style_error(r.bad)
            .style_warn(r.warn)
            .style_info(r.text)
            .style_debug(r.muted)
            .style_trace(r.muted);
        frame.render_widget(w, area);
        return;
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line> = cx
        .view
        .warnings
        .iter()
        .map(|w| {
            Line::from(vec![
                Span::styled("WARN ", r.warn),
                Span::styled(w.clone(), r.text),
            ])
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::from(Span::styled(
            "Log capture runs in the live dashboard only.",
            r.muted,
        )));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

// ---------------------------------------------------------------- bets

const BET_COLS: [Col; 10] = [
    col(0, "State", 8, false, 0),
    col(1, "Event", 15, false, 4),
    col(2, "Market", 9, false, 3),
    flex(3, "Selection", 12, 0),
    col(4, "Book", 10, false, 2),
    col(5, "Price", 6, true, 0),
    col(6, "Stake", 8, true, 5),
    col(7, "CLV", 7, true, 0),
    col(8, "P&L", 8, true, 0),
    col(9, "Placed", 6, true, 6),
];

/// The ledger: open bets (live CLV against the board, `~` until the close is recorded) then
/// settled ones with P&L; the header sums it up.
fn bets(frame: &mut Frame, area: Rect, cx: &Ctx, focused: bool) {
    let r = &cx.theme.roles;
    let g = &cx.theme.glyphs;
    let b = &cx.snap.bets;
    let mut info = vec![Span::styled(
        format!("{} open · {} settled", b.open, b.settled),
        r.muted,
    )];
    if b.settled > 0 {
        let style = if b.pnl >= 0.0 { r.edge_pos } else { r.edge_neg };
        info.push(Span::styled(" · P&L ", r.muted));
        info.push(Span::styled(signed_money(b.pnl), style));
    }
    if let Some(m) = b.clv_mean {
        info.push(Span::styled(
            format!(" · CLV {:+.2} pts (n={})", m * 100.0, b.clv_n),
            r.muted,
        ));
    }
    let block = pane_block(cx, Pane::Bets, focused, area.width, info);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let filter = cx.view.text_filters[Pane::Bets.index()].to_lowercase();
    let order: Vec<usize> = (0..b.rows.len())
        .filter(|&i| {
            let x = &b.rows[i];
            filter.is_empty()
                || x.event_id.to_lowercase().contains(&filter)
                || x.book.to_lowercase().contains(&filter)
                || x.status.contains(&filter)
                || x.market.contains(&filter)
        })
        .collect();
    if order.is_empty() {
        empty_message(
            frame,
            inner,
            cx,
            "No bets yet: paper trading logs alerted edges; :bet records one.".into(),
        );
        return;
    }
    let state = cx.view.tables[Pane::Bets.index()];
    table::render(
        frame,
        inner,
        cx,
        &BET_COLS,
        order.len(),
        state,
        focused,
        |c| c.title.to_string(),
        |c, i| {
            let x = &b.rows[order[i]];
            match c.id {
                0 => match x.status.as_str() {
                    "won" => state_cell(&g.ok, "won", r.ok),
                    "lost" => state_cell(&g.bad, "lost", r.bad),
                    "push" => state_cell(&g.resolved, "push", r.muted),
                    "void" => state_cell(&g.paused, "void", r.muted),
                    "ungraded" => state_cell(&g.warn, "ungr", r.warn),
                    _ => state_cell(&g.live, if x.paper { "paper" } else { "open" }, r.accent),
                },
                1 => Cell::from(x.event_id.clone()),
                2 => Cell::from(format!(
                    "{}{}",
                    market_short(&x.market),
                    if x.scope == "game" {
                        String::new()
                    } else {
                        format!(" {}", x.scope)
                    }
                )),
                3 => Cell::from(format::selection(
                    &event_label(&x.event_id),
                    &x.selection,
                    x.line,
                )),
                4 => Cell::from(x.book.clone()),
                5 => aligned(format!("{:.3}", x.decimal), true),
                6 => aligned(format::money(x.stake), true),
                7 => match x.clv {
                    Some(v) => {
                        let text =
                            format!("{}{:+.1}", if x.clv_final { "" } else { "~" }, v * 100.0);
                        let style = if v >= 0.0 { r.edge_pos } else { r.edge_neg };
                        Cell::from(Line::from(Span::styled(text, style)).right_aligned())
                    }
                    None => aligned("-".into(), true),
                },
                8 => match x.pnl {
                    Some(p) if x.status != "void" => {
                        let style = if p > 0.0 {
                            r.edge_pos
                        } else if p < 0.0 {
                            r.edge_neg
                        } else {
                            r.muted
                        };
                        Cell::from(Line::from(Span::styled(signed_money(p), style)).right_aligned())
                    }
                    _ => aligned("-".into(), true),
                },
                9 => aligned(format::hhmm(x.placed_ms), true),
                _ => Cell::from(""),
            }
        },
    );
}

/// `+$26.39`, `-$28.00`, `$0.00`: the sign ahead of the currency, as a ledger reads.
fn signed_money(v: f64) -> String {
    if v > 0.0 {
        format!("+{}", format::money(v))
    } else if v < 0.0 {
        format!("-{}", format::money(-v))
    } else {
        format::money(0.0)
    }
}

/// `AWAY@HOME` from an nflverse id (`2025_12_ATL_NO`), which the selection text reads.
fn event_label(event_id: &str) -> String {
    let parts: Vec<&str> = event_id.split('_').collect();
    match parts.as_slice() {
        [.., away, home] => format!("{away}@{home}"),
        _ => event_id.to_string(),
    }
}
