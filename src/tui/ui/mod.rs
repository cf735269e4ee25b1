//! Drawing: a pure function of (snapshot, view state, theme, now). Nothing here reads the clock,
//! the store or the environment; the same inputs always give the same frame.

mod books;
pub mod format;
mod futures;
mod markets;
mod overlays;
mod panes;
mod table;

use super::command::{self, Pane};
use super::theme::Theme;
use super::view::{Level, Mode, ViewState};
use crate::snapshot::Snapshot;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::border;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

pub use books::book_rows;
pub use futures::{futures_rows, FuturesOrder};
pub use panes::{alert_order, odds_rows, table_rows};

/// What every drawing function reads.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub snap: &'a Snapshot,
    pub view: &'a ViewState,
    pub theme: &'a Theme,
    pub now_ms: i64,
}

impl Ctx<'_> {
    /// Seconds the snapshot has aged since it was taken (ages tick between snapshots).
    pub fn drift(&self) -> f64 {
        format::ms_between(self.now_ms, self.snap.taken_ms)
    }
}

/// Where each part of the screen goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Areas {
    pub header: Rect,
    pub tabs: Option<Rect>,
    pub body: Rect,
    pub panes: Vec<(Pane, Rect)>,
    pub footer: Rect,
}

/// Wide screens get a grid; below 120x30 (or when zoomed) one pane fills the body under a tab bar.
pub fn layout(area: Rect, focus: Pane, zoom: bool) -> Areas {
    let [header, rest, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    let wide = area.width >= 120 && area.height >= 30;
    let log_in_grid = area.width >= 160;
    // Bets, Books and Futures are views of their own: focused, they take the whole body on any screen.
    let single = zoom
        || !wide
        || (focus == Pane::Log && !log_in_grid)
        || matches!(focus, Pane::Bets | Pane::Books | Pane::Futures);
    if single {
        let [tabs, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(rest);
        return Areas {
            header,
            tabs: Some(tabs),
            body,
            panes: vec![(focus, body)],
            footer,
        };
    }
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(48), Constraint::Percentage(52)]).areas(rest);
    let mut panes = vec![(Pane::Edges, top)];
    if log_in_grid {
        let cols: [Rect; 4] = Layout::horizontal([
            Constraint::Percentage(34),
            Constraint::Percentage(20),
            Constraint::Percentage(26),
            Constraint::Percentage(20),
        ])
        .areas(bottom);
        panes.extend([
            (Pane::Odds, cols[0]),
            (Pane::Sims, cols[1]),
            (Pane::Alerts, cols[2]),
            (Pane::Log, cols[3]),
        ]);
    } else {
        let cols: [Rect; 3] = Layout::horizontal([
            Constraint::Percentage(48),
            Constraint::Percentage(22),
            Constraint::Percentage(30),
        ])
        .areas(bottom);
        panes.extend([
            (Pane::Odds, cols[0]),
            (Pane::Sims, cols[1]),
            (Pane::Alerts, cols[2]),
        ]);
    }
    Areas {
        header,
        tabs: None,
        body: rest,
        panes,
        footer,
    }
}

/// Lines in the help overlay (for scrolling limits).
pub fn help_len(snap: &Snapshot, view: &ViewState, theme: &Theme) -> usize {
    overlays::help_lines(&Ctx {
        snap,
        view,
        theme,
        now_ms: snap.taken_ms,
    })
    .len()
}

/// Lines in the Markets overlay (for scrolling limits).
pub fn markets_len(snap: &Snapshot, view: &ViewState, theme: &Theme) -> usize {
    markets::markets_lines(&Ctx {
        snap,
        view,
        theme,
        now_ms: snap.taken_ms,
    })
    .len()
}

/// Draws one frame.
pub fn draw(frame: &mut Frame, snap: &Snapshot, view: &ViewState, theme: &Theme, now_ms: i64) {
    let cx = Ctx {
        snap,
        view,
        theme,
        now_ms,
    };
    let areas = layout(frame.area(), view.focus, view.zoom);
    draw_header(frame, areas.header, &cx);
    if let Some(tabs) = areas.tabs {
        draw_tabs(frame, tabs, &cx);
    }
    for (pane, rect) in &areas.panes {
        panes::draw_pane(frame, *rect, *pane, &cx);
    }
    draw_footer(frame, areas.footer, &cx);
    match &view.mode {
        Mode::Help { scroll } => overlays::help(frame, areas.body, &cx, *scroll),
        Mode::Confirm { line, question, .. } => {
            overlays::confirm(frame, areas.body, &cx, question, line)
        }
        Mode::Detail(d) => overlays::detail(frame, areas.body, &cx, d),
        Mode::Markets { scroll } => markets::markets(frame, areas.body, &cx, *scroll),
        Mode::Command(input) => overlays::completions(frame, areas.footer, &cx, input),
        Mode::Normal | Mode::Search(_) => {}
    }
}

/// A pane's frame: heavy border and a pointer when focused (visible without colour), the pane
/// number, title, and extra title text on the right.
pub fn pane_block<'a>(
    cx: &Ctx,
    pane: Pane,
    focused: bool,
    width: u16,
    info: Vec<Span<'a>>,
) -> Block<'a> {
    let r = &cx.theme.roles;
    let g = &cx.theme.glyphs;
    let (border_style, title_style) = if focused {
        (r.border_focus, r.title_focus)
    } else {
        (r.border, r.title)
    };
    let mark = if focused {
        format!("{} ", g.pointer)
    } else {
        String::new()
    };
    let title = Line::from(vec![
        Span::styled(
            format!(" {mark}{} ", pane.number()),
            if focused { title_style } else { r.muted },
        ),
        Span::styled(format!("{} ", pane.title()), title_style),
    ]);
    let mut block = Block::bordered()
        .border_style(border_style)
        .title(title.clone());
    block = if cx.theme.ascii {
        block.border_set(if focused { ASCII_FOCUS } else { ASCII_PLAIN })
    } else {
        block.border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
    };
    let room = (width as usize).saturating_sub(title.width() + 4);
    let info_w: usize = info.iter().map(|s| s.content.width()).sum::<usize>() + 2;
    if !info.is_empty() && info_w <= room {
        let mut spans = vec![Span::raw(" ")];
        spans.extend(info);
        spans.push(Span::raw(" "));
        block = block.title(Line::from(spans).right_aligned());
    }
    block
}

const ASCII_PLAIN: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

const ASCII_FOCUS: border::Set = border::Set {
    top_left: "#",
    top_right: "#",
    bottom_left: "#",
    bottom_right: "#",
    vertical_left: "#",
    vertical_right: "#",
    horizontal_top: "=",
    horizontal_bottom: "=",
};

/// Drops the lowest-priority segments until the rest fit in `width` (joined by `sep`).
fn fit_segments<'a>(
    mut segs: Vec<(u8, Vec<Span<'a>>)>,
    width: usize,
    sep: &Span<'a>,
) -> Vec<Span<'a>> {
    let total = |s: &[(u8, Vec<Span>)]| -> usize {
        s.iter()
            .map(|(_, v)| v.iter().map(|x| x.content.width()).sum::<usize>())
            .sum::<usize>()
            + s.len().saturating_sub(1) * sep.content.width()
    };
    while total(&segs) > width {
        let Some((i, _)) = segs
            .iter()
            .enumerate()
            .filter(|(_, (p, _))| *p > 0)
            .max_by_key(|(i, (p, _))| (*p, *i))
        else {
            break;
        };
        segs.remove(i);
    }
    let mut out = Vec::new();
    for (i, (_, spans)) in segs.into_iter().enumerate() {
        if i > 0 {
            out.push(sep.clone());
        }
        out.extend(spans);
    }
    out
}

fn draw_header(frame: &mut Frame, area: Rect, cx: &Ctx) {
    let r = &cx.theme.roles;
    let g = &cx.theme.glyphs;
    let m = &cx.snap.meta;
    let (state_glyph, state_text, state_style) = if cx.snap.ingest.paused {
        (&g.paused, "paused", r.warn)
    } else if m.mode == "attach" {
        (&g.attach, "attach", r.accent)
    } else {
        (&g.live, "live", r.ok)
    };
    let health = if cx.snap.health.ok {
        Span::styled(format!("{} healthy", g.ok), r.ok)
    } else {
        let n = cx.snap.health.problems.len();
        Span::styled(
            format!(
                "{} {n} health problem{}",
                g.bad,
                if n == 1 { "" } else { "s" }
            ),
            r.bad,
        )
    };
    let env = if m.environment.is_empty() {
        "local"
    } else {
        &m.environment
    };
    let clock = format!("{}Z", format::clock(cx.now_ms));
    let mut segs: Vec<(u8, Vec<Span>)> = vec![
        (0, vec![Span::styled(" nflreadpy-betting", r.title)]),
        (2, vec![Span::styled(env.to_string(), r.accent)]),
        (
            0,
            vec![Span::styled(
                format!("{state_glyph} {state_text}"),
                state_style,
            )],
        ),
    ];
    if m.read_only || cx.view.read_only {
        segs.push((0, vec![Span::styled("read-only", r.warn)]));
    }
    segs.push((0, vec![health]));
    segs.push((
        3,
        vec![Span::styled(
            format!(
                "up {}",
                format::age(format::ms_between(cx.now_ms, m.started_ms))
            ),
            r.muted,
        )],
    ));
    segs.push((
        4,
        vec![Span::styled(
            format!(
                "{} quotes",
                format::count(cx.snap.ingest.quotes_latest as u64)
            ),
            r.muted,
        )],
    ));
    segs.push((5, vec![Span::styled(m.storage_path.clone(), r.muted)]));
    let avail = (area.width as usize).saturating_sub(clock.width() + 2);
    let sep = Span::styled(format!(" {} ", g.sep), r.border);
    let left = fit_segments(segs, avail, &sep);
    let [l, c] = Layout::horizontal([
        Constraint::Min(0),
        Constraint::Length(clock.width() as u16 + 1),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(Line::from(left)), l);
    frame.render_widget(
        Paragraph::new(Span::styled(clock, r.text)).right_aligned(),
        c,
    );
}

fn draw_tabs(frame: &mut Frame, area: Rect, cx: &Ctx) {
    let r = &cx.theme.roles;
    let labels = tab_labels(area.width as usize, cx.view.focus);
    let mut spans = vec![Span::raw(" ")];
    for (p, label) in Pane::ALL.into_iter().zip(labels) {
        let style = if p == cx.view.focus {
            r.tab_active
        } else {
            r.tab
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    if cx.view.zoom {
        spans.push(Span::styled("[zoom]", r.muted));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Tab labels that fit `width`: full titles, else short ones, else numbers with only the
/// focused pane named, so every pane's number stays visible at 80 columns and below.
fn tab_labels(width: usize, focus: Pane) -> Vec<String> {
    // One leading space, then each label and the space after it.
    let fits =
        |labels: &[String]| labels.iter().map(|l| l.chars().count() + 1).sum::<usize>() < width;
    let full: Vec<String> = Pane::ALL
        .iter()
        .map(|p| format!(" {} {} ", p.number(), p.title()))
        .collect();
    if fits(&full) {
        return full;
    }
    let short: Vec<String> = Pane::ALL
        .iter()
        .map(|p| format!(" {} {} ", p.number(), p.short_title()))
        .collect();
    if fits(&short) {
        return short;
    }
    Pane::ALL
        .iter()
        .map(|&p| {
            if p == focus {
                format!(" {} {} ", p.number(), p.short_title())
            } else {
                format!(" {} ", p.number())
            }
        })
        .collect()
}

const HINT_ORDER: [&str; 7] = ["open", "search", "zoom", "scan", "command", "help", "quit"];

/// The hint bar: the most useful commands of the current mode with their effective keys.
pub fn hints(cx: &Ctx) -> Vec<(String, String)> {
    let km = &cx.view.keymap;
    let fixed = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    match &cx.view.mode {
        Mode::Help { .. } | Mode::Markets { .. } => {
            fixed(&[("Esc", "close"), ("Up/Down", "scroll")])
        }
        Mode::Confirm { .. } => fixed(&[("y", "confirm"), ("n/Esc", "cancel")]),
        Mode::Detail(_) => fixed(&[("Esc", "close"), ("Up/Down", "next row")]),
        Mode::Command(_) => fixed(&[
            ("Enter", "run"),
            ("Tab", "complete"),
            ("Up/Down", "history"),
            ("Esc", "cancel"),
        ]),
        Mode::Search(_) => fixed(&[("Enter", "keep"), ("Esc", "clear")]),
        Mode::Normal => {
            let mut out = Vec::new();
            let mut specs: Vec<_> = command::visible(cx.view.read_only)
                .filter(|s| s.hint.is_some())
                .collect();
            specs.sort_by_key(|s| {
                HINT_ORDER
                    .iter()
                    .position(|n| *n == s.name)
                    .unwrap_or(usize::MAX)
            });
            for spec in specs {
                let (Some(label), Some(key)) = (spec.hint, km.key_for_command(spec.name)) else {
                    continue;
                };
                if spec.name == "open" && !matches!(cx.view.focus, Pane::Edges | Pane::Alerts) {
                    continue;
                }
                out.push((key, label.to_string()));
            }
            let focus_keys: Vec<String> = Pane::ALL
                .iter()
                .filter_map(|p| {
                    km.keys_for_line(&format!("focus {}", p.name()))
                        .into_iter()
                        .next()
                })
                .collect();
            if let (true, Some(first), Some(last)) = (
                focus_keys.len() == Pane::ALL.len(),
                focus_keys.first(),
                focus_keys.last(),
            ) {
                out.insert(0, (format!("{first}-{last}"), "pane".into()));
            }
            out
        }
    }
}

fn draw_footer(frame: &mut Frame, area: Rect, cx: &Ctx) {
    let r = &cx.theme.roles;
    let (prompt, input) = match &cx.view.mode {
        Mode::Command(i) => (":", Some(i)),
        Mode::Search(i) => ("/", Some(i)),
        _ => ("", None),
    };
    if let Some(input) = input {
        let line = Line::from(vec![
            Span::styled(prompt, r.key),
            Span::styled(input.text.clone(), r.text),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        let before: String = input.text.chars().take(input.cursor).collect();
        let x = area.x + 1 + before.width() as u16;
        frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
        return;
    }
    let mut spans: Vec<Span> = Vec::new();
    let mut used = 0usize;
    if let Some(st) = &cx.view.status {
        let (glyph, style) = match st.level {
            Level::Info => (&cx.theme.glyphs.ok, r.status),
            Level::Warn => (&cx.theme.glyphs.warn, r.warn),
            Level::Error => (&cx.theme.glyphs.bad, r.bad),
        };
        let text = format::fit(
            &format!(" {glyph} {}", st.text),
            area.width as usize,
            &cx.theme.glyphs.ellipsis,
        );
        used = text.width();
        spans.push(Span::styled(text, style));
        spans.push(Span::raw("  "));
        used += 2;
    }
    for (key, label) in hints(cx) {
        let w = key.width() + label.width() + 3;
        if used + w > area.width as usize {
            break;
        }
        spans.push(Span::styled(format!(" {key}"), r.key));
        spans.push(Span::styled(format!(" {label} "), r.muted));
        used += w;
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(Style::default()),
        area,
    );
}

/// A rectangle of `w` x `h` centred in `area`, clipped to it.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
