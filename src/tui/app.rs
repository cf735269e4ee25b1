//! Input and replies in, view-state changes and effects out. Everything a key can do goes through
//! `run_command`, so a key, a typed `:` line and a help entry always behave the same.

use super::command::{self, CompletionContext, Pane, UiCommand, PANES};
use super::keymap::{Key, Keymap};
use super::theme::Theme;
use super::ui;
use super::view::{window, DetailState, Level, LineInput, Mode, ViewState};
use super::TuiOptions;
use crate::snapshot::{Command, ExportFormat, Reply, Snapshot};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use std::path::PathBuf;

/// What a reply is for, so it lands in the right place.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    Detail(String),
    Command(String),
}

/// Work for the event loop.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Engine { command: Command, pending: Pending },
    Quit,
    Suspend,
}

pub struct App {
    pub view: ViewState,
    pub theme: Theme,
    pub themes_dir: Option<PathBuf>,
    pub export_dir: PathBuf,
}

const HISTORY_LIMIT: usize = 200;

impl App {
    /// Loads the keymap and theme named in `opts`; their problems become in-app warnings.
    pub fn new(opts: &TuiOptions) -> App {
        let (keymap, mut warnings) = Keymap::load(opts.keymap_path.as_deref());
        let (theme, tw) = Theme::load(
            &opts.theme,
            opts.themes_dir.as_deref(),
            opts.no_color,
            opts.ascii,
        );
        warnings.extend(tw);
        let mut view = ViewState::new(keymap, opts.read_only);
        view.theme_names = Theme::available(opts.themes_dir.as_deref());
        if !warnings.is_empty() {
            view.set_status(
                Level::Warn,
                format!("{} configuration warning(s): see :help", warnings.len()),
            );
        }
        view.warnings = warnings;
        App {
            view,
            theme,
            themes_dir: opts.themes_dir.clone(),
            export_dir: opts.export_dir.clone(),
        }
    }

    pub fn on_resize(&mut self, width: u16, height: u16) {
        self.view.viewport = (width, height);
    }

    fn page_rows(&self, pane: Pane, snap: &Snapshot) -> usize {
        let (w, h) = self.view.viewport;
        let areas = ui::layout(Rect::new(0, 0, w, h), self.view.focus, self.view.zoom);
        areas
            .panes
            .iter()
            .find(|(p, _)| *p == pane)
            .map(|(_, r)| ui::table_rows(pane, *r, snap))
            .unwrap_or(10)
            .max(1)
    }

    fn row_count(&self, pane: Pane, snap: &Snapshot) -> usize {
        let filter = &self.view.text_filters[pane.index()];
        match pane {
            Pane::Odds => ui::odds_rows(snap, filter).len(),
            Pane::Edges => self.view.edges.rows.len(),
            Pane::Sims => snap.simulations.len(),
            Pane::Alerts => ui::alert_order(snap, filter).len(),
            Pane::Log => 0,
            Pane::Bets => snap.bets.rows.len(),
            Pane::Books => ui::book_rows(snap, filter).len(),
            Pane::Futures => ui::futures_rows(snap, filter, self.view.futures_order).len(),
        }
    }

    fn move_selection(&mut self, snap: &Snapshot, to: impl Fn(usize, usize, usize) -> usize) {
        let pane = self.view.focus;
        let len = self.row_count(pane, snap);
        let page = self.page_rows(pane, snap);
        let t = &mut self.view.tables[pane.index()];
        t.selected = if len == 0 {
            0
        } else {
            to(t.selected.min(len - 1), len, page).min(len - 1)
        };
        t.offset = window(len, t.selected, t.offset, page).0;
        if pane == Pane::Edges {
            self.view.edges.selected_key = self
                .view
                .edges
                .rows
                .get(t.selected)
                .map(|&i| snap.edges[i].key.clone());
        }
    }

    pub fn completion_context(&self, snap: &Snapshot) -> CompletionContext {
        let mut rules: Vec<String> = snap.alerts.alerts.iter().map(|a| a.rule.clone()).collect();
        rules.sort();
        rules.dedup();
        CompletionContext {
            read_only: self.view.read_only,
            themes: self.view.theme_names.clone(),
            rules,
            alert_ids: snap
                .alerts
                .alerts
                .iter()
                .filter(|a| a.state == "firing")
                .map(|a| a.id)
                .collect(),
        }
    }

    /// A scrolling overlay's next position for `key`, or None when the key closes it (Esc, q,
    /// Enter, Ctrl-C or the key that opened it).
    fn overlay_scroll(
        &self,
        key: KeyEvent,
        scroll: usize,
        total: usize,
        opener: char,
    ) -> Option<usize> {
        let page = self.view.viewport.1.saturating_sub(4) as usize;
        let max = total.saturating_sub(page);
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            return None;
        }
        let scroll = match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter => return None,
            KeyCode::Char(c) if c == opener => return None,
            KeyCode::Down | KeyCode::Char('j') => scroll + 1,
            KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => scroll + page,
            KeyCode::PageUp => scroll.saturating_sub(page),
            KeyCode::Home | KeyCode::Char('g') => 0,
            KeyCode::End | KeyCode::Char('G') => max,
            _ => scroll,
        };
        Some(scroll.min(max))
    }

    pub fn on_key(&mut self, key: KeyEvent, snap: &Snapshot) -> Vec<Effect> {
        let ctrl_c =
            key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        match std::mem::replace(&mut self.view.mode, Mode::Normal) {
            Mode::Normal => {
                let Some(b) = self.view.keymap.get(&Key::from_event(&key)).cloned() else {
                    return Vec::new();
                };
                self.view.status = None;
                self.run_command(b.command, &b.line, snap, false)
            }
            Mode::Help { scroll } => {
                let total = ui::help_len(snap, &self.view, &self.theme);
                if let Some(scroll) = self.overlay_scroll(key, scroll, total, '?') {
                    self.view.mode = Mode::Help { scroll };
                }
                Vec::new()
            }
            Mode::Markets { scroll } => {
                let total = ui::markets_len(snap, &self.view, &self.theme);
                if let Some(scroll) = self.overlay_scroll(key, scroll, total, 'm') {
                    self.view.mode = Mode::Markets { scroll };
                }
                Vec::new()
            }
            Mode::Confirm {
                command,
                line,
                question,
            } => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    self.run_command(command, &line, snap, true)
                }
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                    self.view
                        .set_status(Level::Info, format!("cancelled :{line}"));
                    Vec::new()
                }
                _ if ctrl_c => Vec::new(),
                _ => {
                    self.view.mode = Mode::Confirm {
                        command,
                        line,
                        question,
                    };
                    Vec::new()
                }
            },
            Mode::Detail(d) => match key.code {
                KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter | KeyCode::Backspace => {
                    Vec::new()
                }
                _ if ctrl_c => Vec::new(),
                KeyCode::Down | KeyCode::Char('j') | KeyCode::Up | KeyCode::Char('k') => {
                    let down = matches!(key.code, KeyCode::Down | KeyCode::Char('j'));
                    self.view.focus = Pane::Edges;
                    self.move_selection(
                        snap,
                        |s, _, _| if down { s + 1 } else { s.saturating_sub(1) },
                    );
                    self.open_detail(snap)
                }
                _ => {
                    self.view.mode = Mode::Detail(d);
                    Vec::new()
                }
            },
            Mode::Command(mut input) => {
                match key.code {
                    KeyCode::Esc => return Vec::new(),
                    _ if ctrl_c => return Vec::new(),
                    KeyCode::Enter => {
                        let line = input.text.trim().to_string();
                        if line.is_empty() {
                            return Vec::new();
                        }
                        if self.view.history.last() != Some(&line) {
                            self.view.history.push(line.clone());
                            if self.view.history.len() > HISTORY_LIMIT {
                                self.view.history.remove(0);
                            }
                        }
                        return match command::parse(&line) {
                            Ok(cmd) => self.run_command(cmd, &line, snap, false),
                            Err(e) => {
                                self.view.set_status(Level::Error, e);
                                Vec::new()
                            }
                        };
                    }
                    KeyCode::Tab | KeyCode::BackTab => {
                        let back = key.code == KeyCode::BackTab;
                        if input.completion_index.is_none() {
                            input.completions =
                                command::complete(&input.text, &self.completion_context(snap));
                        }
                        let n = input.completions.len();
                        if n == 1 {
                            let only = input.completions[0].clone();
                            input.set(&format!("{only} "));
                            input.completions =
                                command::complete(&input.text, &self.completion_context(snap));
                            input.completion_index = None;
                        } else if n > 1 {
                            let i = match (input.completion_index, back) {
                                (None, false) => 0,
                                (None, true) => n - 1,
                                (Some(i), false) => (i + 1) % n,
                                (Some(i), true) => (i + n - 1) % n,
                            };
                            input.completion_index = Some(i);
                            let pick = input.completions[i].clone();
                            let keep = input.completions.clone();
                            input.set(&pick);
                            input.completions = keep;
                        }
                        self.view.mode = Mode::Command(input);
                        return Vec::new();
                    }
                    KeyCode::Up | KeyCode::Down => {
                        let h = &self.view.history;
                        if !h.is_empty() {
                            let pos = match (input.history_pos, key.code == KeyCode::Up) {
                                (None, true) => Some(h.len() - 1),
                                (None, false) => None,
                                (Some(p), true) => Some(p.saturating_sub(1)),
                                (Some(p), false) => (p + 1 < h.len()).then_some(p + 1),
                            };
                            let text = pos.map(|p| h[p].clone()).unwrap_or_default();
                            input.set(&text);
                            input.history_pos = pos;
                        }
                    }
                    KeyCode::Backspace => {
                        if input.text.is_empty() {
                            return Vec::new();
                        }
                        input.backspace();
                    }
                    KeyCode::Delete => input.delete(),
                    KeyCode::Left => input.cursor = input.cursor.saturating_sub(1),
                    KeyCode::Right => {
                        input.cursor = (input.cursor + 1).min(input.text.chars().count())
                    }
                    KeyCode::Home => input.cursor = 0,
                    KeyCode::End => input.cursor = input.text.chars().count(),
                    KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                        input.set("")
                    }
                    KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                        input.insert(c)
                    }
                    _ => {}
                }
                input.completion_index = None;
                input.completions = command::complete(&input.text, &self.completion_context(snap));
                self.view.mode = Mode::Command(input);
                Vec::new()
            }
            Mode::Search(mut input) => {
                match key.code {
                    KeyCode::Esc => {
                        self.apply_filter("", snap);
                        return Vec::new();
                    }
                    _ if ctrl_c => {
                        self.apply_filter("", snap);
                        return Vec::new();
                    }
                    KeyCode::Enter => return Vec::new(),
                    KeyCode::Backspace => {
                        input.backspace();
                    }
                    KeyCode::Left => input.cursor = input.cursor.saturating_sub(1),
                    KeyCode::Right => {
                        input.cursor = (input.cursor + 1).min(input.text.chars().count())
                    }
                    KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                        input.insert(c)
                    }
                    _ => {}
                }
                // Filter as you type; an unfinished term (`ev>`) keeps the last good filter.
                let text = input.text.clone();
                self.apply_filter_quiet(&text, snap);
                self.view.mode = Mode::Search(input);
                Vec::new()
            }
        }
    }

    fn apply_filter_quiet(&mut self, text: &str, snap: &Snapshot) {
        let pane = self.filter_pane();
        if pane == Pane::Edges {
            if let Ok(f) = super::view::FilterExpr::parse(text) {
                self.view.edges.filter = f;
                self.view.edges.filter_text = text.trim().to_string();
                self.view.edges.recompute(snap);
                self.view.reselect(snap);
            }
        } else {
            self.view.text_filters[pane.index()] = text.trim().to_string();
            self.view.tables[pane.index()] = Default::default();
        }
    }

    /// Panes without a table of their own filter the edges.
    fn filter_pane(&self) -> Pane {
        match self.view.focus {
            p @ (Pane::Odds | Pane::Alerts | Pane::Books | Pane::Futures) => p,
            _ => Pane::Edges,
        }
    }

    fn apply_filter(&mut self, text: &str, snap: &Snapshot) {
        let pane = self.filter_pane();
        if pane == Pane::Edges {
            match super::view::FilterExpr::parse(text) {
                Ok(f) => {
                    self.view.edges.filter = f;
                    self.view.edges.filter_text = text.trim().to_string();
                    self.view.edges.recompute(snap);
                    self.view.reselect(snap);
                    let msg = if text.trim().is_empty() {
                        "filter cleared".to_string()
                    } else {
                        format!(
                            "{} of {} edges match",
                            self.view.edges.rows.len(),
                            snap.edges.len()
                        )
                    };
                    self.view.set_status(Level::Info, msg);
                }
                Err(e) => self.view.set_status(Level::Error, e),
            }
        } else {
            self.apply_filter_quiet(text, snap);
        }
    }

    fn open_detail(&mut self, snap: &Snapshot) -> Vec<Effect> {
        let Some(e) = self.view.selected_edge(snap) else {
            self.view.set_status(Level::Info, "no edge selected");
            return Vec::new();
        };
        let key = e.key.clone();
        self.view.mode = Mode::Detail(Box::new(DetailState {
            key: key.clone(),
            edge: Some(e.clone()),
            view: None,
            error: None,
        }));
        vec![Effect::Engine {
            command: Command::Detail { key: key.clone() },
            pending: Pending::Detail(key),
        }]
    }

    /// `:bet [STAKE]` on the selected edge: the question names the bet, the answer sends it.
    fn bet(
        &mut self,
        stake: Option<f64>,
        line: &str,
        snap: &Snapshot,
        confirmed: bool,
    ) -> Vec<Effect> {
        let Some(e) = self.view.selected_edge(snap) else {
            self.view.set_status(
                Level::Info,
                "no edge selected: :bet works on the edges table",
            );
            return Vec::new();
        };
        let stake = stake.unwrap_or(e.stake);
        if !confirmed {
            self.view.mode = Mode::Confirm {
                command: UiCommand::Bet { stake: Some(stake) },
                line: line.to_string(),
                question: format!(
                    "Record a real bet of {} on {} {} at {} {:.3}?",
                    ui::format::money(stake),
                    e.event,
                    ui::format::selection(&e.event, &e.selection, e.line),
                    e.book,
                    e.decimal
                ),
            };
            return Vec::new();
        }
        self.view
            .set_status(Level::Info, format!("{line}{}", self.theme.glyphs.ellipsis));
        vec![Effect::Engine {
            command: Command::PlaceBet {
                key: e.key.clone(),
                stake: Some(stake),
            },
            pending: Pending::Command(line.to_string()),
        }]
    }

    /// Runs one parsed command. `confirmed` is set once the user answered y to a dangerous one.
    pub fn run_command(
        &mut self,
        cmd: UiCommand,
        line: &str,
        snap: &Snapshot,
        confirmed: bool,
    ) -> Vec<Effect> {
        let spec = cmd.spec();
        if spec.mutating && self.view.read_only {
            self.view.set_status(
                Level::Error,
                format!("read-only: `{}` would change production state", spec.name),
            );
            return Vec::new();
        }
        if let UiCommand::Bet { stake } = &cmd {
            return self.bet(*stake, line, snap, confirmed);
        }
        if let (Some(question), false) = (spec.confirm, confirmed) {
            self.view.mode = Mode::Confirm {
                command: cmd,
                line: line.to_string(),
                question: question.to_string(),
            };
            return Vec::new();
        }
        if let Some(mut ec) = cmd.to_engine() {
            if let Command::Export {
                format,
                path: path @ None,
            } = &mut ec
            {
                let ext = match format {
                    ExportFormat::Csv => "csv",
                    ExportFormat::Json => "json",
                };
                *path = Some(
                    self.export_dir
                        .join(format!("edges-{}.{ext}", snap.taken_ms)),
                );
            }
            self.view
                .set_status(Level::Info, format!("{line}{}", self.theme.glyphs.ellipsis));
            return vec![Effect::Engine {
                command: ec,
                pending: Pending::Command(line.to_string()),
            }];
        }
        let v = &mut self.view;
        match cmd {
            UiCommand::Quit => return vec![Effect::Quit],
            UiCommand::Suspend => return vec![Effect::Suspend],
            UiCommand::Help => v.mode = Mode::Help { scroll: 0 },
            UiCommand::CommandLine => {
                let mut input = LineInput::default();
                let ctx = self.completion_context(snap);
                input.completions = command::complete("", &ctx);
                self.view.mode = Mode::Command(input);
            }
            UiCommand::Search => {
                let pane = self.filter_pane();
                let current = if pane == Pane::Edges {
                    self.view.edges.filter_text.clone()
                } else {
                    self.view.text_filters[pane.index()].clone()
                };
                self.view.mode = Mode::Search(LineInput::with_text(&current));
            }
            UiCommand::Filter(text) => self.apply_filter(&text, snap),
            UiCommand::Sort { column, descending } => {
                let e = &mut v.edges;
                e.descending = match descending {
                    Some(d) => d,
                    None if e.sort == column => !e.descending,
                    None => column.natural_descending(),
                };
                e.sort = column;
                e.recompute(snap);
                v.reselect(snap);
                v.focus = Pane::Edges;
                let dir = if v.edges.descending {
                    "descending"
                } else {
                    "ascending"
                };
                v.set_status(Level::Info, format!("sorted by {} {dir}", column.name()));
            }
            UiCommand::Theme(name) => {
                if !v.theme_names.contains(&name) {
                    v.set_status(
                        Level::Error,
                        format!(
                            "unknown theme `{name}` (have: {})",
                            v.theme_names.join(", ")
                        ),
                    );
                } else {
                    let (t, w) =
                        Theme::load(&name, self.themes_dir.as_deref(), false, self.theme.ascii);
                    self.theme = t;
                    if w.is_empty() {
                        self.view.set_status(Level::Info, format!("theme {name}"));
                    } else {
                        self.view.set_status(Level::Warn, w.join("; "));
                        self.view.warnings.extend(w);
                    }
                }
            }
            UiCommand::Zoom => v.zoom = !v.zoom,
            UiCommand::Focus(p) => v.focus = p,
            UiCommand::Rank(order) => {
                v.futures_order = order;
                v.focus = Pane::Futures;
                v.tables[Pane::Futures.index()] = Default::default();
            }
            UiCommand::NextPane => v.focus = Pane::ALL[(v.focus.index() + 1) % PANES],
            UiCommand::PrevPane => v.focus = Pane::ALL[(v.focus.index() + PANES - 1) % PANES],
            UiCommand::Markets => v.mode = Mode::Markets { scroll: 0 },
            UiCommand::Back => {
                if v.zoom {
                    v.zoom = false;
                } else {
                    v.status = None;
                }
            }
            UiCommand::Open => match v.focus {
                Pane::Edges => return self.open_detail(snap),
                Pane::Alerts if !v.read_only => {
                    let order = ui::alert_order(snap, &v.text_filters[Pane::Alerts.index()]);
                    let sel = v.tables[Pane::Alerts.index()].selected;
                    if let Some(a) = order.get(sel).map(|&i| &snap.alerts.alerts[i]) {
                        let text = if a.state == "firing" {
                            format!("ack {}", a.id)
                        } else {
                            format!("silence {} 1h", a.rule)
                        };
                        let mut input = LineInput::with_text(&text);
                        input.completions =
                            command::complete(&text, &self.completion_context(snap));
                        self.view.mode = Mode::Command(input);
                    }
                }
                _ => {}
            },
            UiCommand::Up => self.move_selection(snap, |s, _, _| s.saturating_sub(1)),
            UiCommand::Down => self.move_selection(snap, |s, _, _| s + 1),
            UiCommand::PageUp => self.move_selection(snap, |s, _, p| s.saturating_sub(p)),
            UiCommand::PageDown => self.move_selection(snap, |s, _, p| s + p),
            UiCommand::Top => self.move_selection(snap, |_, _, _| 0),
            UiCommand::Bottom => self.move_selection(snap, |_, len, _| len.saturating_sub(1)),
            _ => {}
        }
        Vec::new()
    }

    /// An engine reply arrived.
    pub fn on_reply(&mut self, pending: Pending, reply: Reply) {
        match (pending, reply) {
            (Pending::Detail(key), reply) => {
                if let Mode::Detail(d) = &mut self.view.mode {
                    if d.key == key {
                        match reply {
                            Reply::Detail(v) => d.view = Some(*v),
                            Reply::Error(e) => d.error = Some(e),
                            Reply::Done(m) => d.error = Some(m),
                        }
                    }
                }
            }
            (Pending::Command(line), Reply::Done(msg)) => {
                let text = if msg.is_empty() {
                    format!("{line}: done")
                } else {
                    msg
                };
                self.view.set_status(Level::Info, text);
            }
            (Pending::Command(line), Reply::Error(e)) => {
                self.view.set_status(Level::Error, format!("{line}: {e}"))
            }
            (Pending::Command(line), Reply::Detail(_)) => {
                self.view.set_status(Level::Info, format!("{line}: done"))
            }
        }
    }
}
