//! The Books pane: each book's profile from the odds path, so an originator reads apart from a
//! copier at a glance: its hold, how far it sits from the consensus, how often it moves first,
//! how far it lags the originators and how often steam leaves it stale.

use super::format;
use super::table::{self, aligned, col, Col};
use super::{pane_block, Ctx};
use crate::edges::book_profile::BookProfile;
use crate::snapshot::Snapshot;
use crate::tui::command::Pane;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Wrap};
use ratatui::Frame;

const BOOK_COLS: [Col; 9] = [
    col(0, "Book", 11, false, 0),
    col(1, "Class", 7, false, 0),
    col(2, "Hold", 6, true, 0),
    col(3, "ML/Sprd/Tot hold", 17, true, 4),
    col(4, "vs cons", 7, true, 3),
    col(5, "First", 6, true, 0),
    col(6, "Lag", 6, true, 1),
    col(7, "Stale", 6, true, 0),
    col(8, "Steam seen", 10, true, 2),
];

/// Books as listed: sharp first, then by hold; filtered by name.
pub fn book_rows(snap: &Snapshot, filter: &str) -> Vec<usize> {
    let f = filter.to_lowercase();
    let books = &snap.market.books;
    let mut rows: Vec<usize> = (0..books.len())
        .filter(|&i| f.is_empty() || books[i].book.to_lowercase().contains(&f))
        .collect();
    rows.sort_by(|&a, &b| {
        let (x, y) = (&books[a], &books[b]);
        (x.class != "sharp")
            .cmp(&(y.class != "sharp"))
            .then_with(|| {
                x.hold
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&y.hold.unwrap_or(f64::INFINITY))
            })
            .then_with(|| x.book.cmp(&y.book))
    });
    rows
}

fn opt_pct(p: Option<f64>, decimals: usize) -> String {
    p.map(|p| format::pct(p, decimals))
        .unwrap_or_else(|| "·".into())
}

fn market_holds(b: &BookProfile) -> String {
    ["moneyline", "spread", "total"]
        .iter()
        .map(|m| {
            b.hold_by_market
                .get(*m)
                .map(|h| format!("{:.1}", h * 100.0))
                .unwrap_or_else(|| "·".into())
        })
        .collect::<Vec<_>>()
        .join("/")
}

pub fn books(frame: &mut Frame, area: Rect, cx: &Ctx, focused: bool) {
    let r = &cx.theme.roles;
    let g = &cx.theme.glyphs;
    let all = &cx.snap.market.books;
    let sharp = all.iter().filter(|b| b.class == "sharp").count();
    let info = vec![Span::styled(
        format!(
            "{sharp} sharp · {} soft · {} originator",
            all.len() - sharp,
            g.best
        ),
        r.muted,
    )];
    let block = pane_block(cx, Pane::Books, focused, area.width, info);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows = book_rows(cx.snap, &cx.view.text_filters[Pane::Books.index()]);
    if rows.is_empty() {
        let p = Paragraph::new(Span::styled(
            "No book profiles yet: they come with the first pricing pass.",
            r.muted,
        ))
        .wrap(Wrap { trim: true });
        frame.render_widget(p, inner);
        return;
    }
    let state = cx.view.tables[Pane::Books.index()];
    table::render(
        frame,
        inner,
        cx,
        &BOOK_COLS,
        rows.len(),
        state,
        focused,
        |c| c.title.to_string(),
        |c, i| {
            let b = &all[rows[i]];
            match c.id {
                0 => Cell::from(if b.originator {
                    format!("{}{}", b.book, g.best)
                } else {
                    b.book.clone()
                }),
                1 => {
                    if b.class == "sharp" {
                        Cell::from(Span::styled(format!("{} sharp", g.ok), r.ok))
                    } else {
                        Cell::from(Span::styled(format!("{} soft", g.warn), r.warn))
                    }
                }
                2 => aligned(opt_pct(b.hold, 1), true),
                3 => aligned(market_holds(b), true),
                4 => aligned(opt_pct(b.consensus_distance, 1), true),
                5 => aligned(opt_pct(b.first_share, 0), true),
                6 => aligned(
                    b.median_lag_seconds
                        .map(format::age)
                        .unwrap_or_else(|| "·".into()),
                    true,
                ),
                7 => aligned(opt_pct(b.stale_share, 0), true),
                8 => aligned(format!("{}/{}", b.steam_stale, b.steam_seen), true),
                _ => Cell::from(""),
            }
        },
    );
}
