//! Overlays drawn over the panes: help (generated from the registry and the effective keymap),
//! the command-line completion list, the y/n confirmation and the edge detail view.

use super::format;
use super::{centered, Ctx};
use crate::tui::command::{self, Group};
use crate::tui::view::{DetailState, LineInput};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::{self, Marker};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, BorderType, Cell, Chart, Clear, Dataset, GraphType, Paragraph, Row, Sparkline,
    Table, Wrap,
};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

pub(super) fn overlay_block<'a>(cx: &Ctx, title: &str, right: &str) -> Block<'a> {
    let r = &cx.theme.roles;
    let mut b = Block::bordered()
        .border_style(r.border_focus)
        .style(r.overlay)
        .title(Span::styled(format!(" {title} "), r.title_focus));
    if !right.is_empty() {
        b = b.title(Line::from(Span::styled(format!(" {right} "), r.muted)).right_aligned());
    }
    if cx.theme.ascii {
        b.border_set(symbols::border::Set {
            top_left: "+",
            top_right: "+",
            bottom_left: "+",
            bottom_right: "+",
            vertical_left: "|",
            vertical_right: "|",
            horizontal_top: "=",
            horizontal_bottom: "=",
        })
    } else {
        b.border_type(BorderType::Double)
    }
}

/// Lines of the help screen: every visible command with its keys, then the filter syntax and any
/// configuration warnings.
pub fn help_lines<'a>(cx: &Ctx) -> Vec<Line<'a>> {
    let r = &cx.theme.roles;
    let km = &cx.view.keymap;
    let mut lines = Vec::new();
    for group in [Group::Navigate, Group::View, Group::Engine] {
        lines.push(Line::from(Span::styled(
            group.title().to_string(),
            r.header,
        )));
        for spec in command::visible(cx.view.read_only).filter(|s| s.group == group) {
            let mut bound: Vec<&str> = km
                .bindings()
                .iter()
                .filter(|b| b.command.spec().name == spec.name)
                .map(|b| b.line.as_str())
                .collect();
            bound.sort_by_key(|l| {
                (
                    km.keys_for_line(l).first().cloned().unwrap_or_default(),
                    l.to_string(),
                )
            });
            bound.dedup();
            let entries: Vec<(String, String)> = if bound.is_empty() {
                vec![(
                    String::new(),
                    format!("{} {}", spec.name, spec.args)
                        .trim_end()
                        .to_string(),
                )]
            } else {
                let mut v: Vec<(String, String)> = bound
                    .iter()
                    .map(|l| (km.keys_for_line(l).join(" "), l.to_string()))
                    .collect();
                if !spec.args.is_empty() && !bound.contains(&spec.name) && spec.name != "focus" {
                    v.push((String::new(), format!("{} {}", spec.name, spec.args)));
                }
                v
            };
            for (i, (keys, line)) in entries.into_iter().enumerate() {
                let desc = if i == 0 { spec.desc } else { "" };
                let mark = if spec.confirm.is_some() && i == 0 {
                    " (asks first)"
                } else {
                    ""
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("  {keys:<11}"), r.key),
                    Span::styled(format!(":{line:<20}"), r.text),
                    Span::styled(format!(" {desc}{mark}"), r.muted),
                ]));
            }
        }
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(
        "Filters (/ and :filter)",
        r.header,
    )));
    for (ex, what) in [
        ("ev>3% book=pinnacle", "all terms must hold"),
        ("market~spread !book=fanduel", "~ contains, ! negates"),
        ("KC", "bare words match event, selection, book"),
        (
            "fields",
            "event market scope selection book price fair ev kelly stake age move",
        ),
    ] {
        lines.push(Line::from(vec![
            Span::styled(format!("  {ex:<31}"), r.text),
            Span::styled(format!(" {what}"), r.muted),
        ]));
    }
    if cx.view.read_only {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            "Read-only: commands that change production state are hidden.",
            r.warn,
        )));
    }
    if !cx.view.warnings.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            format!("{} Configuration warnings", cx.theme.glyphs.warn),
            r.warn,
        )));
        for w in &cx.view.warnings {
            lines.push(Line::from(Span::styled(format!("  {w}"), r.text)));
        }
    }
    lines
}

pub fn help(frame: &mut Frame, body: Rect, cx: &Ctx, scroll: usize) {
    let area = centered(body, 96, body.height);
    let lines = help_lines(cx);
    let total = lines.len();
    let block = overlay_block(
        cx,
        "Help: keys and commands",
        &format!("{}/{} · Esc closes", (scroll + 1).min(total), total),
    );
    frame.render_widget(Clear, area);
    let p = Paragraph::new(lines)
        .block(block)
        .scroll((scroll.min(u16::MAX as usize) as u16, 0));
    frame.render_widget(p, area);
}

pub fn confirm(frame: &mut Frame, body: Rect, cx: &Ctx, question: &str, line: &str) {
    let r = &cx.theme.roles;
    let w = (question.width().max(line.width() + 4) + 6).clamp(30, body.width as usize) as u16;
    let area = centered(body, w, 7);
    frame.render_widget(Clear, area);
    let lines = vec![
        Line::from(Span::styled(question.to_string(), r.text)),
        Line::from(Span::styled(format!(":{line}"), r.muted)),
        Line::from(""),
        Line::from(vec![
            Span::styled(" y ", r.selection),
            Span::styled(" yes, run it    ", r.text),
            Span::styled(" n ", r.key),
            Span::styled(" no", r.text),
        ]),
    ];
    let p = Paragraph::new(lines)
        .block(overlay_block(cx, "Confirm", ""))
        .wrap(Wrap { trim: false });
    frame.render_widget(p, area);
}

/// The candidate list above the `:` line, with the usage of the command being typed.
pub fn completions(frame: &mut Frame, footer: Rect, cx: &Ctx, input: &LineInput) {
    let r = &cx.theme.roles;
    let usage = input
        .text
        .split_whitespace()
        .next()
        .and_then(command::lookup)
        .filter(|s| !(cx.view.read_only && s.mutating))
        .map(|s| format!("{} {} — {}", s.name, s.args, s.desc));
    if input.completions.is_empty() && usage.is_none() {
        return;
    }
    let shown: Vec<&String> = input.completions.iter().take(8).collect();
    let mut lines: Vec<Line> = shown
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let style = if input.completion_index == Some(i) {
                r.selection
            } else {
                r.text
            };
            Line::from(Span::styled(format!(" {c} "), style))
        })
        .collect();
    if input.completions.len() > shown.len() {
        lines.push(Line::from(Span::styled(
            format!(" … {} more", input.completions.len() - shown.len()),
            r.muted,
        )));
    }
    if let Some(u) = &usage {
        lines.push(Line::from(Span::styled(format!(" {u} "), r.muted)));
    }
    let width = lines.iter().map(|l| l.width()).max().unwrap_or(10) as u16 + 2;
    let height = lines.len() as u16 + 2;
    let area = Rect {
        x: footer.x,
        y: footer.y.saturating_sub(height),
        width: width.min(footer.width),
        height: height.min(footer.y),
    };
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(overlay_block(cx, "Tab", "")),
        area,
    );
}

pub fn detail(frame: &mut Frame, body: Rect, cx: &Ctx, d: &DetailState) {
    let r = &cx.theme.roles;
    let g = &cx.theme.glyphs;
    let area = if body.width >= 110 {
        centered(body, body.width * 9 / 10, body.height)
    } else {
        body
    };
    frame.render_widget(Clear, area);
    let Some(e) = d.edge.as_ref() else {
        let p = Paragraph::new(format!("{} is no longer in the table.", d.key))
            .block(overlay_block(cx, "Detail", "Esc closes"));
        frame.render_widget(p, area);
        return;
    };
    let title = format!(
        "{} · {} {} · {}",
        e.event,
        super::panes::market_short(&e.market),
        e.scope,
        format::selection(&e.event, &e.selection, e.line)
    );
    let block = overlay_block(cx, &title, "Esc closes");
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let mut probs = format!("fair {}", format::pct(e.fair_prob, 1));
    if let (Some(m), Some(c)) = (e.model_prob, e.consensus_prob) {
        probs.push_str(&format!(
            " (model {}, market {})",
            format::pct(m, 1),
            format::pct(c, 1)
        ));
    }
    let summary = vec![
        Line::from(vec![
            Span::styled(
                format!("{} {} ", e.book, format::american(e.american)),
                r.title,
            ),
            Span::styled(format!("({:.2})  ", e.decimal), r.muted),
            Span::styled(probs, r.text),
        ]),
        Line::from(vec![
            Span::styled("EV ", r.muted),
            Span::styled(
                format::signed_pct(e.ev, 2),
                if e.ev >= 0.0 { r.edge_pos } else { r.edge_neg },
            ),
            Span::styled(
                e.worst_case_ev
                    .map(|w| format!(" (worst {})", format::signed_pct(w, 2)))
                    .unwrap_or_default(),
                r.muted,
            ),
            Span::styled("  Kelly ", r.muted),
            Span::styled(
                format!("{} = {}", format::pct(e.kelly, 2), format::money(e.stake)),
                r.text,
            ),
            Span::styled(
                // Prices are exact; a sampling error only shows for a priced-by-sampling row.
                if e.std_error > 0.0 {
                    format!(
                        "  SE {:.4}  age {}",
                        e.std_error,
                        format::age(e.age_seconds + cx.drift())
                    )
                } else {
                    format!("  exact  age {}", format::age(e.age_seconds + cx.drift()))
                },
                r.muted,
            ),
        ]),
    ];
    let narrow = inner.width < 90;
    let dist_h = if inner.height >= 20 { 6 } else { 5 };
    let [sum_a, mid, dist_a] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(4),
        Constraint::Length(dist_h),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(summary), sum_a);
    let books_w = if narrow { 31 } else { 36 };
    let [books_a, chart_a] = Layout::horizontal([Constraint::Length(books_w), Constraint::Min(10)])
        .spacing(2)
        .areas(mid);

    // Every book's price, best first.
    let mut books = e.other_books.clone();
    books.sort_by(|a, b| b.american.cmp(&a.american).then(a.book.cmp(&b.book)));
    let best = books.first().map(|b| b.american);
    let rows: Vec<Row> = books
        .iter()
        .map(|b| {
            let mark = if Some(b.american) == best {
                g.best.as_str()
            } else {
                ""
            };
            let this = b.book == e.book;
            let style = if this { r.accent } else { r.text };
            Row::new(vec![
                Cell::from(format!("{}{}", if this { &g.pointer } else { " " }, b.book)),
                Cell::from(Line::from(format::american(b.american)).right_aligned()),
                Cell::from(
                    Line::from(b.line.map(|l| format!("{l:+.1}")).unwrap_or_default())
                        .right_aligned(),
                ),
                Cell::from(mark.to_string()),
            ])
            .style(style)
        })
        .collect();
    let t = Table::new(
        rows,
        [
            Constraint::Length(12),
            Constraint::Length(6),
            Constraint::Length(6),
            Constraint::Length(4),
        ],
    )
    .header(Row::new(vec!["Book", " Price", "  Line", "Best"]).style(r.header))
    .column_spacing(1)
    .block(Block::new().title(Span::styled("Every book", r.title)));
    frame.render_widget(t, books_a);

    let Some(view) = d.view.as_ref() else {
        let text = match &d.error {
            Some(err) => Line::from(Span::styled(format!("{} {err}", g.bad), r.bad)),
            None => Line::from(Span::styled(
                format!("loading line history and model distribution{}", g.ellipsis),
                r.muted,
            )),
        };
        frame.render_widget(
            Paragraph::new(text).block(Block::new().title(Span::styled("Line history", r.title))),
            chart_a,
        );
        frame.render_widget(Paragraph::new(""), dist_a);
        return;
    };

    // Line history as implied probability, minutes before the snapshot.
    let mut series: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for h in &view.history {
        let x = (h.observed_ms - cx.snap.taken_ms) as f64 / 60_000.0;
        let dec = if h.american > 0 {
            1.0 + h.american as f64 / 100.0
        } else {
            1.0 + 100.0 / (-h.american).max(1) as f64
        };
        let y = 100.0 / dec;
        match series.iter_mut().find(|(b, _)| *b == h.book) {
            Some((_, pts)) => pts.push((x, y)),
            None => series.push((h.book.clone(), vec![(x, y)])),
        }
    }
    series.sort_by_key(|(b, _)| (*b != e.book, b.clone()));
    let (mut x0, mut y0, mut y1) = (0.0f64, f64::MAX, f64::MIN);
    for (_, pts) in &series {
        for (x, y) in pts {
            x0 = x0.min(*x);
            y0 = y0.min(*y);
            y1 = y1.max(*y);
        }
    }
    if y0 > y1 {
        (y0, y1) = (40.0, 60.0);
    }
    let pad = ((y1 - y0) * 0.1).max(0.5);
    let (y0, y1) = ((y0 - pad).floor(), (y1 + pad).ceil());
    let datasets: Vec<Dataset> = series
        .iter()
        .map(|(book, pts)| {
            let mine = *book == e.book;
            Dataset::default()
                .name(book.clone())
                .marker(if mine { Marker::Braille } else { Marker::Dot })
                .graph_type(if mine {
                    GraphType::Line
                } else {
                    GraphType::Scatter
                })
                .style(if mine { r.chart } else { r.chart_alt })
                .data(pts)
        })
        .collect();
    let chart = Chart::new(datasets)
        .block(Block::new().title(Line::from(vec![
            Span::styled("Line history", r.title),
            Span::styled(
                format!(" implied %, minutes · line {}, dots other books", e.book),
                r.muted,
            ),
        ])))
        .x_axis(
            Axis::default()
                .bounds([x0, 0.0])
                .labels(vec![
                    Span::styled(format!("{x0:.0}"), r.muted),
                    Span::styled("now", r.muted),
                ])
                .style(r.border),
        )
        .y_axis(
            Axis::default()
                .bounds([y0, y1])
                .labels(vec![
                    Span::styled(format!("{y0:.0}"), r.muted),
                    Span::styled(format!("{y1:.0}"), r.muted),
                ])
                .style(r.border),
        )
        .legend_position(Some(ratatui::widgets::LegendPosition::TopLeft))
        .hidden_legend_constraints((Constraint::Percentage(60), Constraint::Percentage(70)));
    frame.render_widget(chart, chart_a);

    // Model margin distribution with the key numbers marked on an axis below.
    let dist = &view.margin_distribution;
    let [dt, ds, dx] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(dist_a);
    let p = |m: i32| {
        dist.iter()
            .filter(|(x, _)| *x == m)
            .map(|(_, p)| *p)
            .sum::<f64>()
    };
    let mean: f64 = dist.iter().map(|(m, p)| *m as f64 * p).sum::<f64>()
        / dist.iter().map(|(_, p)| p).sum::<f64>().max(1e-12);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("Model margin (home − away)", r.title),
            Span::styled(
                format!(
                    "  mean {mean:+.1} · P(3) {} · P(7) {} · P(−3) {}",
                    format::pct(p(3), 1),
                    format::pct(p(7), 1),
                    format::pct(p(-3), 1)
                ),
                r.muted,
            ),
        ])),
        dt,
    );
    let cols = dist.len().min(ds.width as usize);
    let skip = (dist.len() - cols) / 2;
    let shown = &dist[skip..skip + cols];
    let maxp = shown.iter().map(|(_, p)| *p).fold(0.0, f64::max).max(1e-12);
    let data: Vec<u64> = shown
        .iter()
        .map(|(_, p)| (p / maxp * 100.0).round() as u64)
        .collect();
    let set = if cx.theme.ascii {
        symbols::bar::Set {
            full: "#",
            seven_eighths: "#",
            three_quarters: "=",
            five_eighths: "=",
            half: "-",
            three_eighths: "-",
            one_quarter: ".",
            one_eighth: ".",
            empty: " ",
        }
    } else {
        symbols::bar::NINE_LEVELS
    };
    frame.render_widget(
        Sparkline::default()
            .data(&data)
            .max(100)
            .bar_set(set)
            .style(r.chart),
        ds,
    );
    let mut axis = vec![' '; cols];
    for key in [-14, -7, -3, 0, 3, 7, 14] {
        if let Some(pos) = shown.iter().position(|(m, _)| *m == key) {
            let label = key.to_string();
            let start = pos.saturating_sub(label.len() - 1);
            if start + label.len() <= cols
                && axis[start..start + label.len()].iter().all(|c| *c == ' ')
            {
                for (i, ch) in label.chars().enumerate() {
                    axis[start + i] = ch;
                }
            }
        }
    }
    frame.render_widget(
        Paragraph::new(Span::styled(axis.into_iter().collect::<String>(), r.muted)),
        dx,
    );
}
