//! The Markets overlay: arbitrage (by guaranteed return), middles (by EV) and low-hold markets
//! (by hold) across books, from the latest pricing pass. Stale arbitrage is marked in words, not
//! only colour: its oldest leg may already be gone.

use super::overlays::overlay_block;
use super::{centered, format, Ctx};
use crate::domain::MarketKind;
use crate::edges::MarketIntel;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

/// Spreads read signed (home -3.5), totals plain (over 44.5).
fn line_text(market: MarketKind, l: Option<f64>) -> String {
    match (market, l) {
        (MarketKind::Spread | MarketKind::SpreadAlt, Some(l)) => format!(" {l:+}"),
        (_, Some(l)) => format!(" {l}"),
        (_, None) => String::new(),
    }
}

fn event_label(cx: &Ctx, event_id: &str) -> String {
    cx.snap
        .events
        .iter()
        .find(|e| e.event_id == event_id)
        .map(|e| e.label.clone())
        .unwrap_or_else(|| {
            // 2025_10_BUF_MIA reads as BUF@MIA when the event list does not have it.
            let parts: Vec<&str> = event_id.split('_').collect();
            match parts.as_slice() {
                [_, _, away, home] => format!("{away}@{home}"),
                _ => event_id.to_string(),
            }
        })
}

fn axis_name(a: crate::edges::middles::Axis) -> &'static str {
    use crate::edges::middles::Axis;
    match a {
        Axis::Margin => "margin",
        Axis::Total => "total",
        Axis::HomePoints => "home points",
        Axis::AwayPoints => "away points",
    }
}

/// Every line of the overlay (for drawing and for the scroll limit).
pub fn markets_lines<'a>(cx: &Ctx) -> Vec<Line<'a>> {
    let r = &cx.theme.roles;
    let g = &cx.theme.glyphs;
    let m: &MarketIntel = &cx.snap.market;
    let mut out = Vec::new();
    let head = |t: String| Line::from(Span::styled(t, r.header));
    out.push(head(format!(
        "Arbitrage ({}) · guaranteed return per unit of total stake",
        m.arbitrage.len()
    )));
    if m.arbitrage.is_empty() {
        out.push(Line::from(Span::styled("  none on the board", r.muted)));
    }
    for a in &m.arbitrage {
        let (mark, style) = if a.stale {
            (format!("{} stale", g.warn), r.warn)
        } else {
            (format!("{} fresh", g.ok), r.ok)
        };
        out.push(Line::from(vec![
            Span::styled(
                format!("  {:>6} ", format::signed_pct(a.ret, 2)),
                r.edge_pos,
            ),
            Span::styled(
                format!(
                    "{} {} {}{}  ",
                    event_label(cx, &a.event_id),
                    a.market,
                    a.scope,
                    line_text(a.market, a.line)
                ),
                r.text,
            ),
            Span::styled(mark, style),
            Span::styled(
                format!(" oldest {}", format::age(a.oldest_leg_seconds)),
                r.muted,
            ),
        ]));
        let legs: Vec<String> = a
            .legs
            .iter()
            .map(|l| {
                format!(
                    "{} {}{} {} {}",
                    l.book,
                    l.selection,
                    line_text(l.market, l.line),
                    format::american(l.american),
                    format::pct(l.stake_share, 1)
                )
            })
            .collect();
        out.push(Line::from(Span::styled(
            format!("         {}", legs.join(" | ")),
            r.muted,
        )));
    }
    out.push(Line::from(""));
    out.push(head(format!(
        "Middles ({}) · window and pushes from the exact score distribution",
        m.middles.len()
    )));
    if m.middles.is_empty() {
        out.push(Line::from(Span::styled("  none on the board", r.muted)));
    }
    for x in &m.middles {
        out.push(Line::from(vec![
            Span::styled(
                format!("  {:>6} ", format::signed_pct(x.ev, 2)),
                if x.ev >= 0.0 { r.edge_pos } else { r.edge_neg },
            ),
            Span::styled(
                format!(
                    "{} {} {} window {}  ",
                    event_label(cx, &x.event_id),
                    x.scope,
                    axis_name(x.axis),
                    x.width
                ),
                r.text,
            ),
            Span::styled(
                format!(
                    "middle {} · push {}",
                    format::pct(x.middle_prob, 1),
                    format::pct(x.push_prob, 1)
                ),
                r.muted,
            ),
        ]));
        let leg = |l: &crate::edges::middles::MiddleLeg| {
            format!(
                "{} {}{} {} {}",
                l.book,
                l.selection,
                line_text(l.market, Some(l.line)),
                format::american(l.american),
                format::pct(l.stake_share, 1)
            )
        };
        out.push(Line::from(Span::styled(
            format!("         {} | {}", leg(&x.low), leg(&x.high)),
            r.muted,
        )));
    }
    out.push(Line::from(""));
    out.push(head(format!(
        "Low hold ({}) · best price per side across books",
        m.low_hold.len()
    )));
    if m.low_hold.is_empty() {
        out.push(Line::from(Span::styled("  none on the board", r.muted)));
    }
    for h in &m.low_hold {
        let legs: Vec<String> = h
            .legs
            .iter()
            .map(|l| {
                format!(
                    "{} {} {}",
                    l.selection,
                    l.book,
                    format::american(l.american)
                )
            })
            .collect();
        let own: Vec<String> = h
            .book_holds
            .iter()
            .map(|(b, v)| format!("{b} {}", format::pct(*v, 1)))
            .collect();
        out.push(Line::from(vec![
            Span::styled(format!("  {:>6} ", format::pct(h.hold, 2)), r.accent),
            Span::styled(
                format!(
                    "{} {} {}{}  {}",
                    event_label(cx, &h.event_id),
                    h.market,
                    h.scope,
                    line_text(h.market, h.line),
                    legs.join(" / ")
                ),
                r.text,
            ),
        ]));
        out.push(Line::from(Span::styled(
            format!("         own hold: {}", own.join(", ")),
            r.muted,
        )));
    }
    out
}

pub fn markets(frame: &mut Frame, body: Rect, cx: &Ctx, scroll: usize) {
    let area = centered(body, 110, body.height);
    let lines = markets_lines(cx);
    let total = lines.len();
    let block = overlay_block(
        cx,
        "Markets: across books",
        &format!("{}/{} · Esc closes", (scroll + 1).min(total), total),
    );
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll.min(u16::MAX as usize) as u16, 0)),
        area,
    );
}
