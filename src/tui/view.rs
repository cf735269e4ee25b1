//! View state: everything the screen shows that is not in the snapshot (focus, mode, filters,
//! sort, selection). Derived tables (the filtered, sorted edge order) are recomputed here on
//! change, never while drawing.

use super::command::{Pane, SortColumn, UiCommand, PANES};
use super::keymap::Keymap;
use crate::snapshot::{DetailView, EdgeRow, Snapshot};

/// A one-line text input with a cursor (the `:` line and the `/` filter).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineInput {
    pub text: String,
    /// Cursor position in characters.
    pub cursor: usize,
    /// Completion candidates for the current text, and the one Tab last chose.
    pub completions: Vec<String>,
    pub completion_index: Option<usize>,
    /// Position while browsing history with Up/Down (None: editing a fresh line).
    pub history_pos: Option<usize>,
}

impl LineInput {
    pub fn with_text(text: &str) -> LineInput {
        LineInput {
            text: text.to_string(),
            cursor: text.chars().count(),
            ..LineInput::default()
        }
    }

    pub fn insert(&mut self, c: char) {
        let at = self.byte_at(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    pub fn backspace(&mut self) -> bool {
        if self.cursor == 0 {
            return false;
        }
        self.cursor -= 1;
        let at = self.byte_at(self.cursor);
        self.text.remove(at);
        true
    }

    pub fn delete(&mut self) {
        if self.cursor < self.text.chars().count() {
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    pub fn set(&mut self, text: &str) {
        self.text = text.to_string();
        self.cursor = text.chars().count();
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map(|(i, _)| i)
            .unwrap_or(self.text.len())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DetailState {
    pub key: String,
    /// The row as it was when opened (the table may move on underneath).
    pub edge: Option<EdgeRow>,
    /// None while the engine's reply is on its way.
    pub view: Option<DetailView>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    Command(LineInput),
    Search(LineInput),
    Help {
        scroll: usize,
    },
    Confirm {
        command: UiCommand,
        line: String,
        question: String,
    },
    Detail(Box<DetailState>),
    /// The Markets overlay: arbitrage, middles and low hold across books.
    Markets {
        scroll: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusLine {
    pub text: String,
    pub level: Level,
}

/// Scroll position of one table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableState {
    pub selected: usize,
    pub offset: usize,
}

/// The visible slice `start..end` of a `len`-row table of `height` rows that keeps `selected` in
/// view and moves as little as possible from `offset`.
pub fn window(len: usize, selected: usize, offset: usize, height: usize) -> (usize, usize) {
    if len == 0 || height == 0 {
        return (0, 0);
    }
    let selected = selected.min(len - 1);
    let mut start = offset.min(len.saturating_sub(height));
    if selected < start {
        start = selected;
    } else if selected >= start + height {
        start = selected + 1 - height;
    }
    (start, (start + height).min(len))
}

/// A parsed edge filter: space-separated terms, all of which must hold. A term is `field OP value`
/// (`ev>3%`, `book=pinnacle`, `market~spread`, `age<=30`) or a bare word matched against event,
/// selection, book, market and scope; a leading `!` negates a term.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilterExpr {
    terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq)]
struct Term {
    negate: bool,
    kind: TermKind,
}

#[derive(Debug, Clone, PartialEq)]
enum TermKind {
    Word(String),
    Text {
        field: TextField,
        op: Op,
        value: String,
    },
    Num {
        field: SortColumn,
        op: Op,
        value: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum TextField {
    Event,
    Market,
    Scope,
    Selection,
    Book,
    Kind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Contains,
}

impl FilterExpr {
    pub fn parse(s: &str) -> Result<FilterExpr, String> {
        let mut terms = Vec::new();
        for raw in s.split_whitespace() {
            let (negate, t) = match raw.strip_prefix('!') {
                Some(r) => (true, r),
                None => (false, raw),
            };
            let op_at = t.find(['=', '>', '<', '~', '!']);
            let kind = match op_at {
                None => TermKind::Word(t.to_lowercase()),
                Some(i) => {
                    let field = t[..i].to_ascii_lowercase();
                    let rest = &t[i..];
                    let (op, n) = [
                        (">=", Op::Ge),
                        ("<=", Op::Le),
                        ("!=", Op::Ne),
                        ("=", Op::Eq),
                        (">", Op::Gt),
                        ("<", Op::Lt),
                        ("~", Op::Contains),
                    ]
                    .iter()
                    .find(|(p, _)| rest.starts_with(p))
                    .map(|(p, o)| (*o, p.len()))
                    .ok_or_else(|| format!("filter: bad operator in `{raw}`"))?;
                    let value = rest[n..].to_string();
                    if value.is_empty() {
                        return Err(format!("filter: `{raw}` has no value"));
                    }
                    let text = match field.as_str() {
                        "event" => Some(TextField::Event),
                        "market" => Some(TextField::Market),
                        "scope" => Some(TextField::Scope),
                        "selection" | "sel" => Some(TextField::Selection),
                        "book" => Some(TextField::Book),
                        "kind" => Some(TextField::Kind),
                        _ => None,
                    };
                    match text {
                        Some(field) => {
                            if !matches!(op, Op::Eq | Op::Ne | Op::Contains) {
                                return Err(format!("filter: `{field:?}` compares with = != or ~"));
                            }
                            TermKind::Text {
                                field,
                                op,
                                value: value.to_lowercase(),
                            }
                        }
                        None => {
                            let col = SortColumn::parse(&field)
                                .filter(|c| c.natural_descending() || *c == SortColumn::Age);
                            let col = col.ok_or_else(|| {
                                format!("filter: unknown field `{field}` (event market scope selection book kind price fair ev kelly stake age move)")
                            })?;
                            if op == Op::Contains {
                                return Err(format!(
                                    "filter: `~` is for text fields, not `{field}`"
                                ));
                            }
                            let v = parse_number(&value)
                                .ok_or_else(|| format!("filter: `{value}` is not a number"))?;
                            TermKind::Num {
                                field: col,
                                op,
                                value: v,
                            }
                        }
                    }
                }
            };
            terms.push(Term { negate, kind });
        }
        Ok(FilterExpr { terms })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn matches(&self, e: &EdgeRow) -> bool {
        self.terms.iter().all(|t| t.matches(e) != t.negate)
    }
}

/// `3%` is 0.03; `+145` is 145.
fn parse_number(s: &str) -> Option<f64> {
    let (s, scale) = match s.strip_suffix('%') {
        Some(r) => (r, 0.01),
        None => (s, 1.0),
    };
    s.trim_start_matches('+')
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|v| v * scale)
}

impl Term {
    fn matches(&self, e: &EdgeRow) -> bool {
        match &self.kind {
            TermKind::Word(w) => [
                e.event.as_str(),
                &e.selection,
                &e.book,
                &e.market,
                &e.scope,
                e.kind.as_str(),
            ]
            .iter()
            .any(|f| f.to_lowercase().contains(w.as_str())),
            TermKind::Text { field, op, value } => {
                let f = match field {
                    TextField::Event => e.event.as_str(),
                    TextField::Market => e.market.as_str(),
                    TextField::Scope => e.scope.as_str(),
                    TextField::Selection => e.selection.as_str(),
                    TextField::Book => e.book.as_str(),
                    TextField::Kind => e.kind.as_str(),
                }
                .to_lowercase();
                match op {
                    Op::Eq => f == *value,
                    Op::Ne => f != *value,
                    _ => f.contains(value.as_str()),
                }
            }
            TermKind::Num { field, op, value } => {
                let Some(x) = numeric(e, *field) else {
                    return false;
                };
                match op {
                    Op::Eq => (x - value).abs() < 1e-9,
                    Op::Ne => (x - value).abs() >= 1e-9,
                    Op::Gt => x > *value,
                    Op::Ge => x >= *value,
                    Op::Lt => x < *value,
                    Op::Le => x <= *value,
                    Op::Contains => false,
                }
            }
        }
    }
}

fn numeric(e: &EdgeRow, c: SortColumn) -> Option<f64> {
    Some(match c {
        SortColumn::Price => e.american as f64,
        SortColumn::Fair => e.fair_prob,
        SortColumn::Ev => e.ev,
        SortColumn::Kelly => e.kelly,
        SortColumn::Stake => e.stake,
        SortColumn::Age => e.age_seconds,
        SortColumn::Move => e.movement_points?,
        _ => return None,
    })
}

fn text(e: &EdgeRow, c: SortColumn) -> &str {
    match c {
        SortColumn::Event => &e.event,
        SortColumn::Market => &e.market,
        SortColumn::Scope => &e.scope,
        SortColumn::Selection => &e.selection,
        SortColumn::Kind => e.kind.as_str(),
        _ => &e.book,
    }
}

/// The edges table as shown: indices into `Snapshot::edges`, filtered and sorted.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeView {
    pub filter_text: String,
    pub filter: FilterExpr,
    pub sort: SortColumn,
    pub descending: bool,
    pub rows: Vec<usize>,
    /// Snapshot version `rows` was computed from (None: never).
    pub version: Option<u64>,
    /// Key of the selected row, so the selection follows its row when the data moves.
    pub selected_key: Option<String>,
}

impl Default for EdgeView {
    fn default() -> Self {
        EdgeView {
            filter_text: String::new(),
            filter: FilterExpr::default(),
            sort: SortColumn::Ev,
            descending: true,
            rows: Vec::new(),
            version: None,
            selected_key: None,
        }
    }
}

impl EdgeView {
    pub fn recompute(&mut self, snap: &Snapshot) {
        let edges = &snap.edges;
        let mut rows: Vec<usize> = (0..edges.len())
            .filter(|&i| self.filter.matches(&edges[i]))
            .collect();
        let (col, desc) = (self.sort, self.descending);
        rows.sort_by(|&a, &b| {
            let (x, y) = (&edges[a], &edges[b]);
            let primary = if col.natural_descending() || col == SortColumn::Age {
                let (p, q) = (
                    numeric(x, col).unwrap_or(f64::NEG_INFINITY),
                    numeric(y, col).unwrap_or(f64::NEG_INFINITY),
                );
                p.total_cmp(&q)
            } else {
                text(x, col).cmp(text(y, col))
            };
            let primary = if desc { primary.reverse() } else { primary };
            primary
                .then_with(|| y.ev.total_cmp(&x.ev))
                .then_with(|| x.key.cmp(&y.key))
        });
        self.rows = rows;
        self.version = Some(snap.version);
    }
}

/// Everything `draw` needs besides the snapshot and the theme.
#[derive(Debug, Clone)]
pub struct ViewState {
    pub focus: Pane,
    pub zoom: bool,
    pub mode: Mode,
    pub read_only: bool,
    pub edges: EdgeView,
    /// How the Futures pane orders its teams.
    pub futures_order: crate::tui::ui::FuturesOrder,
    /// Scroll state per pane, indexed by `Pane::index`.
    pub tables: [TableState; PANES],
    /// Text filter for the panes other than edges (edges use `edges.filter`).
    pub text_filters: [String; PANES],
    pub status: Option<StatusLine>,
    pub warnings: Vec<String>,
    pub history: Vec<String>,
    pub keymap: Keymap,
    pub theme_names: Vec<String>,
    /// Terminal size the last layout used (rows per page come from it).
    pub viewport: (u16, u16),
    /// Draw `TuiLoggerWidget` in the log pane (off in tests: the logger is process-global).
    pub live_log: bool,
}

impl ViewState {
    pub fn new(keymap: Keymap, read_only: bool) -> ViewState {
        ViewState {
            focus: Pane::Edges,
            zoom: false,
            mode: Mode::Normal,
            read_only,
            edges: EdgeView::default(),
            futures_order: Default::default(),
            tables: [TableState::default(); PANES],
            text_filters: Default::default(),
            status: None,
            warnings: Vec::new(),
            history: Vec::new(),
            keymap,
            theme_names: Vec::new(),
            viewport: (80, 24),
            live_log: false,
        }
    }

    /// Brings derived tables up to date with `snap` (cheap when nothing changed).
    pub fn sync(&mut self, snap: &Snapshot) {
        if self.edges.version != Some(snap.version) {
            self.edges.recompute(snap);
            self.reselect(snap);
        }
    }

    /// Puts the selection back on the row with the remembered key, if it is still shown.
    pub fn reselect(&mut self, snap: &Snapshot) {
        let t = &mut self.tables[Pane::Edges.index()];
        if let Some(key) = &self.edges.selected_key {
            if let Some(pos) = self
                .edges
                .rows
                .iter()
                .position(|&i| snap.edges[i].key == *key)
            {
                t.selected = pos;
            }
        }
        t.selected = t.selected.min(self.edges.rows.len().saturating_sub(1));
        self.edges.selected_key = self
            .edges
            .rows
            .get(t.selected)
            .map(|&i| snap.edges[i].key.clone());
    }

    pub fn selected_edge<'a>(&self, snap: &'a Snapshot) -> Option<&'a EdgeRow> {
        let sel = self.tables[Pane::Edges.index()].selected;
        self.edges.rows.get(sel).and_then(|&i| snap.edges.get(i))
    }

    pub fn set_status(&mut self, level: Level, text: impl Into<String>) {
        self.status = Some(StatusLine {
            text: text.into(),
            level,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::fixture;

    #[test]
    fn window_keeps_the_selection_visible_over_two_thousand_rows() {
        let len = 2000;
        assert_eq!(window(len, 0, 0, 30), (0, 30));
        assert_eq!(window(len, 29, 0, 30), (0, 30));
        assert_eq!(
            window(len, 30, 0, 30),
            (1, 31),
            "one step down scrolls one row"
        );
        assert_eq!(window(len, 1000, 0, 30), (971, 1001));
        assert_eq!(
            window(len, 980, 971, 30),
            (971, 1001),
            "moving inside the window does not scroll"
        );
        assert_eq!(
            window(len, 500, 971, 30),
            (500, 530),
            "moving above the window scrolls up to it"
        );
        assert_eq!(window(len, 1999, 0, 30), (1970, 2000));
        assert_eq!(
            window(len, 5000, 0, 30),
            (1970, 2000),
            "a stale selection clamps to the end"
        );
        assert_eq!(window(len, 0, 1990, 30), (0, 30));
        assert_eq!(window(10, 3, 5, 30), (0, 10), "short tables never scroll");
        assert_eq!(window(0, 0, 0, 30), (0, 0));
        assert_eq!(window(len, 7, 0, 0), (0, 0));
        for sel in (0..len).step_by(37) {
            let (s, e) = window(len, sel, sel / 2, 23);
            assert!(s <= sel && sel < e && e - s == 23);
        }
    }

    #[test]
    fn filter_terms_combine() {
        let snap = fixture::snapshot();
        let count = |f: &str| {
            let fx = FilterExpr::parse(f).unwrap();
            snap.edges.iter().filter(|e| fx.matches(e)).count()
        };
        let all = snap.edges.len();
        assert_eq!(count(""), all);
        let pin = count("book=pinnacle");
        assert!(pin > 0 && pin < all);
        assert_eq!(count("!book=pinnacle"), all - pin);
        assert_eq!(count("book~pinn"), pin);
        assert_eq!(
            count("PINNACLE"),
            pin,
            "bare words match case-insensitively"
        );
        let big = count("ev>=4%");
        assert_eq!(big, snap.edges.iter().filter(|e| e.ev >= 0.04).count());
        assert_eq!(count("ev>=0.04"), big);
        assert!(count("ev>=4% book=pinnacle") <= big.min(pin));
        assert_eq!(
            count("price>0"),
            snap.edges.iter().filter(|e| e.american > 0).count()
        );
        for bad in ["ev>abc", "colour=red", "book>3", "ev~3", "ev>"] {
            assert!(FilterExpr::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sort_orders_and_selection_follows_its_row() {
        let mut snap = fixture::snapshot();
        let mut v = ViewState::new(Keymap::default(), false);
        v.sync(&snap);
        let evs: Vec<f64> = v.edges.rows.iter().map(|&i| snap.edges[i].ev).collect();
        assert!(
            evs.windows(2).all(|w| w[0] >= w[1]),
            "EV descending by default"
        );
        v.edges.sort = SortColumn::Book;
        v.edges.descending = false;
        v.edges.recompute(&snap);
        let books: Vec<&str> = v
            .edges
            .rows
            .iter()
            .map(|&i| snap.edges[i].book.as_str())
            .collect();
        assert!(books.windows(2).all(|w| w[0] <= w[1]));
        v.tables[Pane::Edges.index()].selected = 5;
        v.reselect(&snap);
        let key = v.selected_edge(&snap).unwrap().key.clone();
        snap.edges.rotate_left(7);
        snap.version += 1;
        v.sync(&snap);
        assert_eq!(v.selected_edge(&snap).unwrap().key, key);
    }

    #[test]
    fn line_input_edits_unicode_safely() {
        let mut l = LineInput::with_text("é1");
        l.insert('x');
        assert_eq!(l.text, "é1x");
        l.cursor = 1;
        l.insert('ü');
        assert_eq!(l.text, "éü1x");
        assert!(l.backspace());
        l.delete();
        assert_eq!(l.text, "éx");
        l.cursor = 0;
        assert!(!l.backspace());
    }
}
