//! A windowed data table: columns with widths and drop priorities (narrow screens lose the least
//! important columns first), and rows built only for the visible slice.

use super::Ctx;
use crate::tui::view::{window, TableState};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, HighlightSpacing, Row, Table};
use ratatui::Frame;

#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub id: u8,
    pub title: &'static str,
    pub width: u16,
    pub right: bool,
    /// 0: always shown; higher numbers are dropped first when space runs out.
    pub drop: u8,
    /// Takes the space left over.
    pub flex: bool,
}

pub const fn col(id: u8, title: &'static str, width: u16, right: bool, drop: u8) -> Col {
    Col {
        id,
        title,
        width,
        right,
        drop,
        flex: false,
    }
}

pub const fn flex(id: u8, title: &'static str, width: u16, drop: u8) -> Col {
    Col {
        id,
        title,
        width,
        right: false,
        drop,
        flex: true,
    }
}

/// The columns that fit in `avail` cells (with one space between columns and `lead` cells of
/// selection marker), in their original order.
pub fn fit_columns(cols: &[Col], avail: u16, lead: u16) -> Vec<Col> {
    let mut kept: Vec<Col> = cols.to_vec();
    let need = |k: &[Col]| {
        k.iter().map(|c| c.width).sum::<u16>() + k.len().saturating_sub(1) as u16 + lead
    };
    while need(&kept) > avail {
        let Some(i) = kept
            .iter()
            .enumerate()
            .filter(|(_, c)| c.drop > 0)
            .max_by_key(|(i, c)| (c.drop, *i))
            .map(|(i, _)| i)
        else {
            break;
        };
        kept.remove(i);
    }
    kept
}

/// The columns `render` will show for a table `width` cells wide.
pub fn shown_columns(cx: &Ctx, cols: &[Col], width: u16) -> Vec<Col> {
    fit_columns(cols, width, lead_width(cx))
}

fn lead_width(cx: &Ctx) -> u16 {
    unicode_width::UnicodeWidthStr::width(cx.theme.glyphs.pointer.as_str()) as u16 + 1
}

pub fn aligned<'a>(text: String, right: bool) -> Cell<'a> {
    let line = Line::from(text);
    Cell::from(if right { line.right_aligned() } else { line })
}

/// Renders `len` rows (only those in the window) with `cell(col, row_index)` building each cell.
/// `header(col)` gives the header cell text (a sort mark may be added there).
#[allow(clippy::too_many_arguments)]
pub fn render<'a>(
    frame: &mut Frame,
    area: Rect,
    cx: &Ctx,
    cols: &[Col],
    len: usize,
    state: TableState,
    focused: bool,
    header: impl Fn(&Col) -> String,
    mut cell: impl FnMut(&Col, usize) -> Cell<'a>,
) {
    let r = &cx.theme.roles;
    let marker = format!("{} ", cx.theme.glyphs.pointer);
    let lead = lead_width(cx);
    let kept = fit_columns(cols, area.width, lead);
    let body_rows = area.height.saturating_sub(1) as usize;
    let (start, end) = window(len, state.selected, state.offset, body_rows);
    let rows: Vec<Row> = (start..end)
        .map(|i| Row::new(kept.iter().map(|c| cell(c, i)).collect::<Vec<_>>()))
        .collect();
    // Flexible columns take the spare width up to about twice their minimum; past that, spare
    // width stays at the right so numbers sit close to the names they belong to.
    let used: u16 =
        kept.iter().map(|c| c.width).sum::<u16>() + kept.len().saturating_sub(1) as u16 + lead;
    let spare = area.width.saturating_sub(used);
    let flexes = kept.iter().filter(|c| c.flex).count().max(1) as u16;
    // A flexible column at the right end (a message) has nothing after it to stay close to:
    // it takes all its share, or long messages are cut beside empty screen.
    let last = kept.len().saturating_sub(1);
    let widths: Vec<Constraint> = kept
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Constraint::Length(if c.flex && i == last {
                c.width + spare / flexes
            } else if c.flex {
                c.width + (spare / flexes).min(c.width + 6)
            } else {
                c.width
            })
        })
        .collect();
    let head = Row::new(
        kept.iter()
            .map(|c| aligned(header(c), c.right))
            .collect::<Vec<_>>(),
    )
    .style(r.header);
    let mut t = Table::new(rows, widths)
        .header(head)
        .column_spacing(1)
        .style(r.text)
        .highlight_spacing(HighlightSpacing::Always)
        .highlight_symbol(marker);
    if focused {
        t = t.row_highlight_style(r.selection);
    }
    let mut ts = ratatui::widgets::TableState::default();
    if len > 0 && focused {
        ts = ts.with_selected(Some(state.selected.min(len - 1) - start));
    }
    frame.render_stateful_widget(t, area, &mut ts);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_tables_drop_the_least_important_columns_first() {
        let cols = [
            col(0, "a", 10, false, 0),
            col(1, "b", 10, false, 2),
            col(2, "c", 10, false, 1),
            flex(3, "d", 10, 0),
        ];
        let ids = |w| {
            fit_columns(&cols, w, 2)
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(100), [0, 1, 2, 3]);
        assert_eq!(ids(40), [0, 2, 3], "drop 2 goes first");
        assert_eq!(ids(30), [0, 3]);
        assert_eq!(
            ids(5),
            [0, 3],
            "never-drop columns stay even when they overflow"
        );
    }
}
