//! Screen snapshots (insta, stored in `snapshots/` at the repository root), cell-style checks for
//! the themes, and a scripted-keys run through the real event loop.

use super::app::{App, Pending};
use super::command::{parse, Pane};
use super::event_loop::{run_loop, AppEvent, NoHost};
use super::ui;
use super::TuiOptions;
use crate::engine::EngineHandle;
use crate::snapshot::fixture::{self, NOW_MS};
use crate::snapshot::{Command, Reply, Snapshot};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;
use std::time::Duration;
use tokio::sync::mpsc;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];
const THEMES: [&str; 2] = ["default", "mono"];
const STATES: [&str; 15] = [
    "edges",
    "odds",
    "sims",
    "alerts",
    "log",
    "bets",
    "help",
    "command",
    "detail",
    "detail_loading",
    "confirm",
    "books",
    "markets",
    "bet_confirm",
    "futures",
];

fn opts(theme: &str) -> TuiOptions {
    TuiOptions {
        theme: theme.into(),
        ascii: false,
        keymap_path: None,
        themes_dir: None,
        read_only: false,
        ..TuiOptions::default()
    }
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn run(app: &mut App, snap: &Snapshot, line: &str) {
    let cmd = parse(line).unwrap();
    app.run_command(cmd, line, snap, false);
}

/// Builds the view for one named state the way a user would get there.
fn app_in_state(theme: &str, state: &str, snap: &Snapshot, size: (u16, u16)) -> App {
    let mut app = App::new(&opts(theme));
    app.on_resize(size.0, size.1);
    app.view.sync(snap);
    run(&mut app, snap, "down");
    run(&mut app, snap, "down");
    match state {
        "edges" => {}
        "odds" | "sims" | "alerts" | "log" | "bets" => {
            run(&mut app, snap, &format!("focus {state}"));
            if state != "log" {
                run(&mut app, snap, "down");
            }
        }
        "help" => run(&mut app, snap, "help"),
        "command" => {
            run(&mut app, snap, "command");
            for c in "s".chars() {
                app.on_key(key(KeyCode::Char(c)), snap);
            }
        }
        "detail" | "detail_loading" => {
            run(&mut app, snap, "open");
            if state == "detail" {
                let e = app.view.selected_edge(snap).unwrap().clone();
                app.on_reply(
                    Pending::Detail(e.key.clone()),
                    Reply::Detail(Box::new(fixture::detail_for(&e))),
                );
            }
        }
        "confirm" => run(&mut app, snap, "pause"),
        "books" => {
            run(&mut app, snap, "focus 7");
            run(&mut app, snap, "down");
        }
        "markets" => run(&mut app, snap, "markets"),
        "futures" => {
            run(&mut app, snap, "focus 8");
            run(&mut app, snap, "down");
        }
        "bet_confirm" => run(&mut app, snap, "bet 50"),
        other => panic!("unknown state {other}"),
    }
    app
}

fn render(app: &App, snap: &Snapshot, (w, h): (u16, u16)) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::draw(f, snap, &app.view, &app.theme, NOW_MS + 3_000))
        .unwrap();
    t
}

fn screen(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn assert_screen(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

#[test]
fn every_pane_and_overlay_at_both_sizes_in_default_and_mono() {
    let snap = fixture::snapshot();
    for theme in THEMES {
        for size in SIZES {
            for state in STATES {
                let app = app_in_state(theme, state, &snap, size);
                let t = render(&app, &snap, size);
                assert_screen(
                    &format!("{state}_{}x{}_{theme}", size.0, size.1),
                    &screen(&t),
                );
            }
        }
    }
}

#[test]
fn ascii_glyphs_read_read_only_and_wide_grid() {
    let snap = fixture::snapshot();
    let mut app = App::new(&TuiOptions {
        ascii: true,
        ..opts("mono")
    });
    app.view.sync(&snap);
    run(&mut app, &snap, "focus odds");
    assert_screen(
        "odds_80x24_mono_ascii",
        &screen(&render(&app, &snap, (80, 24))),
    );
    run(&mut app, &snap, "focus edges");
    assert_screen(
        "edges_80x24_mono_ascii",
        &screen(&render(&app, &snap, (80, 24))),
    );

    let mut ro = App::new(&TuiOptions {
        read_only: true,
        ..opts("default")
    });
    ro.view.sync(&snap);
    run(&mut ro, &snap, "help");
    // Two lines down: the Engine group starts just below the first page.
    for _ in 0..2 {
        ro.on_key(key(KeyCode::Down), &snap);
    }
    let text = screen(&render(&ro, &snap, (120, 40)));
    assert!(
        !text.contains(":pause") && !text.contains(":ingest now") && !text.contains(":silence"),
        "{text}"
    );
    assert!(text.contains(":scan") && text.contains("read-only"));
    assert_screen("help_120x40_read_only", &text);

    let mut wide = App::new(&opts("default"));
    wide.view.sync(&snap);
    wide.view
        .warnings
        .push("config/keymap.toml: key `s`: unknown command `scna`; did you mean scan?".into());
    run(&mut wide, &snap, "filter ev>4%");
    assert_screen(
        "grid_160x48_default",
        &screen(&render(&wide, &snap, (160, 48))),
    );
}

fn find(buf: &Buffer, text: &str) -> Option<(u16, u16)> {
    find_from(buf, text, 0)
}

fn find_from(buf: &Buffer, text: &str, min_y: u16) -> Option<(u16, u16)> {
    for y in min_y..buf.area.height {
        let row: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        let joined = row.concat();
        if let Some(byte) = joined.find(text) {
            let col = joined[..byte].chars().count() as u16;
            return Some((col, y));
        }
    }
    None
}

fn cell_at<'a>(buf: &'a Buffer, text: &str) -> &'a Cell {
    let (x, y) = find(buf, text).unwrap_or_else(|| panic!("`{text}` not on screen"));
    &buf[(x, y)]
}

#[test]
fn state_is_styled_in_colour_by_default_and_by_weight_in_mono() {
    let snap = fixture::snapshot();
    for theme in THEMES {
        let app = app_in_state(theme, "odds", &snap, (80, 24));
        let t = render(&app, &snap, (80, 24));
        let buf = t.backend().buffer();
        let stalled = cell_at(buf, "✖ stalled");
        let fresh = cell_at(buf, "✔ fresh");
        let open = cell_at(buf, "✖ open");
        if theme == "default" {
            assert_eq!(stalled.fg, Color::Red);
            assert!(stalled.modifier.contains(Modifier::BOLD));
            assert_eq!(fresh.fg, Color::Green);
            assert_eq!(open.fg, Color::Red);
        } else {
            for c in [stalled, fresh, open] {
                assert_eq!(c.fg, Color::Reset, "mono never colours");
            }
            assert!(stalled
                .modifier
                .contains(Modifier::BOLD | Modifier::REVERSED));
            assert!(!fresh.modifier.contains(Modifier::REVERSED));
        }
        // The selected row is reverse video in both (focus is visible without colour).
        let app = app_in_state(theme, "edges", &snap, (80, 24));
        let t = render(&app, &snap, (80, 24));
        let buf = t.backend().buffer();
        let (_, y) = find_from(buf, "▶ ", 3).expect("selection marker");
        assert!(buf[(5, y)].modifier.contains(Modifier::REVERSED));
        assert_eq!(buf[(0, 2)].symbol(), "┏", "focused pane has a heavy border");
    }
    let cb = App::new(&opts("colorblind"));
    let mut app = app_in_state("default", "odds", &snap, (80, 24));
    app.theme = cb.theme;
    let t = render(&app, &snap, (80, 24));
    assert_eq!(
        cell_at(t.backend().buffer(), "✖ stalled").fg,
        Color::Rgb(0xD5, 0x5E, 0x00)
    );
    assert_eq!(
        cell_at(t.backend().buffer(), "✔ fresh").fg,
        Color::Rgb(0x56, 0xB4, 0xE9)
    );
}

#[test]
fn two_thousand_edges_render_only_the_visible_window() {
    let snap = fixture::snapshot_with_edges(2000);
    let mut app = App::new(&opts("default"));
    app.on_resize(120, 40);
    app.view.sync(&snap);
    run(&mut app, &snap, "bottom");
    let t = render(&app, &snap, (120, 40));
    let text = screen(&t);
    assert!(text.contains("2000 of 2000"));
    let last = &snap.edges[*app.view.edges.rows.last().unwrap()];
    let (_, y) = find_from(t.backend().buffer(), "▶ ", 3).unwrap();
    let row: String = (0..120)
        .map(|x| t.backend().buffer()[(x, y)].symbol())
        .collect();
    assert!(
        row.contains(&ui::format::selection(
            &last.event,
            &last.selection,
            last.line
        )) && row.contains(&last.book),
        "{row}"
    );
    run(&mut app, &snap, "page-up");
    assert_eq!(
        app.view.tables[Pane::Edges.index()].selected,
        1999 - ui::table_rows(
            Pane::Edges,
            ui::layout(
                ratatui::layout::Rect::new(0, 0, 120, 40),
                Pane::Edges,
                false
            )
            .panes[0]
                .1,
            &snap
        )
    );
}

/// A TestBackend that reports every flushed frame, so a test can wait for what it expects.
struct FrameTap {
    inner: TestBackend,
    frames: mpsc::UnboundedSender<String>,
}

impl Backend for FrameTap {
    fn draw<'a, I: Iterator<Item = (u16, u16, &'a Cell)>>(
        &mut self,
        content: I,
    ) -> std::io::Result<()> {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> std::io::Result<()> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> std::io::Result<()> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> std::io::Result<Position> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, p: P) -> std::io::Result<()> {
        self.inner.set_cursor_position(p)
    }
    fn clear(&mut self) -> std::io::Result<()> {
        self.inner.clear()
    }
    fn clear_region(&mut self, t: ClearType) -> std::io::Result<()> {
        self.inner.clear_region(t)
    }
    fn size(&self) -> std::io::Result<Size> {
        self.inner.size()
    }
    fn window_size(&mut self) -> std::io::Result<WindowSize> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let buf = self.inner.buffer();
        let text: String = (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
                    + "\n"
            })
            .collect();
        let _ = self.frames.send(text);
        Ok(())
    }
}

async fn wait_for(frames: &mut mpsc::UnboundedReceiver<String>, what: &str) -> String {
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(f) = frames.recv().await {
            if f.contains(what) {
                return f;
            }
        }
        panic!("the loop ended before showing `{what}`");
    })
    .await;
    found.unwrap_or_else(|_| panic!("no frame showed `{what}`"))
}

async fn keys(tx: &mpsc::Sender<AppEvent>, s: &str) {
    for c in s.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        tx.send(AppEvent::Input(Event::Key(key(code))))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn scripted_keys_filter_sort_open_detail_scan_and_quit() {
    let snap = fixture::snapshot();
    let (handle, mut engine) = EngineHandle::channel(snap.clone(), false);
    let (tx, mut rx) = mpsc::channel(64);
    let (ftx, mut frames) = mpsc::unbounded_channel();
    let mut terminal = Terminal::new(FrameTap {
        inner: TestBackend::new(100, 30),
        frames: ftx,
    })
    .unwrap();
    let ui_task = tokio::spawn(async move {
        let mut app = App::new(&opts("default"));
        run_loop(
            &mut terminal,
            &mut app,
            &handle,
            &mut rx,
            1000,
            &mut NoHost,
            &|| NOW_MS,
        )
        .await
        .map(|_| app)
    });
    wait_for(&mut frames, "50 of 50").await;

    // `/` filters the focused table as you type; Enter keeps the filter.
    keys(&tx, "/book=pinnacle\n").await;
    let pinnacle = snap.edges.iter().filter(|e| e.book == "pinnacle").count();
    wait_for(
        &mut frames,
        &format!("{pinnacle} of 50 · sort ev ▼ · filter book=pinnacle"),
    )
    .await;

    // `a` sorts by age (freshest first); pressing it again flips the order.
    keys(&tx, "a").await;
    wait_for(&mut frames, "sort age ▲").await;
    keys(&tx, "a").await;
    wait_for(&mut frames, "sort age ▼").await;

    // Enter opens the detail view: "loading" until the engine answers the Detail request.
    keys(&tx, "\n").await;
    let (cmd, reply) = engine.commands.recv().await.unwrap();
    let Command::Detail { key } = cmd else {
        panic!("expected a detail request, got {cmd:?}")
    };
    let edge = snap.edges.iter().find(|e| e.key == key).unwrap();
    assert_eq!(edge.book, "pinnacle");
    wait_for(&mut frames, "loading line history").await;
    reply
        .send(Reply::Detail(Box::new(fixture::detail_for(edge))))
        .unwrap();
    wait_for(&mut frames, "Line history implied %").await;
    keys(&tx, "\x1b").await;

    // The command line reaches the engine as Command::Scan.
    keys(&tx, ":scan\n").await;
    let (cmd, reply) = engine.commands.recv().await.unwrap();
    assert_eq!(cmd, Command::Scan);
    reply.send(Reply::Done("scan: 50 edges".into())).unwrap();
    wait_for(&mut frames, "scan: 50 edges").await;

    // A newer snapshot redraws; the selection and filter survive it.
    let mut next = snap.clone();
    next.version += 1;
    next.edges.truncate(40);
    engine.snapshots.send(std::sync::Arc::new(next)).unwrap();
    wait_for(&mut frames, "of 40").await;

    keys(&tx, "q").await;
    let app = tokio::time::timeout(Duration::from_secs(10), ui_task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(app.view.edges.filter_text, "book=pinnacle");
    assert_eq!(app.view.edges.sort, super::command::SortColumn::Age);
    assert_eq!(app.view.history, ["scan"]);
}

#[tokio::test]
async fn dangerous_commands_confirm_and_read_only_refuses_them() {
    let snap = fixture::snapshot();
    let (handle, mut engine) = EngineHandle::channel(snap.clone(), false);
    let (tx, mut rx) = mpsc::channel(64);
    let (ftx, mut frames) = mpsc::unbounded_channel();
    let mut terminal = Terminal::new(FrameTap {
        inner: TestBackend::new(80, 24),
        frames: ftx,
    })
    .unwrap();
    let ui_task = tokio::spawn(async move {
        let mut app = App::new(&opts("mono"));
        run_loop(
            &mut terminal,
            &mut app,
            &handle,
            &mut rx,
            1000,
            &mut NoHost,
            &|| NOW_MS,
        )
        .await
    });
    keys(&tx, "p").await;
    wait_for(&mut frames, "Pause ingestion?").await;
    keys(&tx, "n").await;
    wait_for(&mut frames, "cancelled :pause").await;
    keys(&tx, "py").await;
    let (cmd, reply) = engine.commands.recv().await.unwrap();
    assert_eq!(cmd, Command::Pause);
    reply.send(Reply::Done("ingestion paused".into())).unwrap();
    wait_for(&mut frames, "ingestion paused").await;
    // `+` bets the selected edge at its Kelly stake once the question naming it is answered.
    keys(&tx, "+").await;
    wait_for(&mut frames, "Record a real bet of").await;
    keys(&tx, "y").await;
    let (cmd, reply) = engine.commands.recv().await.unwrap();
    let edge = &snap.edges[0];
    let sorted_first = snap
        .edges
        .iter()
        .max_by(|a, b| a.ev.total_cmp(&b.ev))
        .unwrap_or(edge);
    assert_eq!(
        cmd,
        Command::PlaceBet {
            key: sorted_first.key.clone(),
            stake: Some(sorted_first.stake)
        }
    );
    reply.send(Reply::Done("recorded bet 9".into())).unwrap();
    wait_for(&mut frames, "recorded bet 9").await;
    tx.send(AppEvent::Quit).await.unwrap();
    ui_task.await.unwrap().unwrap();

    // Read-only: the key does nothing but say why, and nothing reaches the engine.
    let mut app = App::new(&TuiOptions {
        read_only: true,
        ..opts("default")
    });
    app.view.sync(&snap);
    let effects = app.on_key(key(KeyCode::Char('p')), &snap);
    assert!(effects.is_empty());
    assert!(app.view.status.as_ref().unwrap().text.contains("read-only"));
    assert!(!ui::hints(&ui::Ctx {
        snap: &snap,
        view: &app.view,
        theme: &app.theme,
        now_ms: NOW_MS
    })
    .iter()
    .any(|(_, l)| l == "pause"));
    // `:bet` is refused and hidden from completion and help.
    let effects = app.on_key(key(KeyCode::Char('+')), &snap);
    assert!(effects.is_empty());
    assert!(app.view.status.as_ref().unwrap().text.contains("read-only"));
    assert!(!crate::tui::command::visible(true).any(|s| s.name == "bet"));
    assert!(crate::tui::command::visible(false).any(|s| s.name == "bet"));
}

#[test]
fn help_and_markets_overlays_scroll_and_close_on_their_own_keys() {
    use super::view::Mode;
    let snap = fixture::snapshot();
    let mut app = App::new(&opts("default"));
    app.view.sync(&snap);
    // A short screen, so both overlays (the fixture's markets list is 17 lines) have pages.
    app.view.viewport = (80, 10);
    for (open, opener) in [("help", '?'), ("markets", 'm')] {
        let scroll = |app: &App| match app.view.mode {
            Mode::Help { scroll } | Mode::Markets { scroll } => Some(scroll),
            _ => None,
        };
        run(&mut app, &snap, open);
        app.on_key(key(KeyCode::Down), &snap);
        app.on_key(key(KeyCode::Char('j')), &snap);
        assert_eq!(scroll(&app), Some(2), "{open}");
        app.on_key(key(KeyCode::Char('g')), &snap);
        assert_eq!(scroll(&app), Some(0), "{open}");
        // End stops at the last page, never past it.
        app.on_key(key(KeyCode::End), &snap);
        let end = scroll(&app).unwrap();
        app.on_key(key(KeyCode::Down), &snap);
        assert_eq!(scroll(&app), Some(end), "{open}");
        app.on_key(key(KeyCode::Char(opener)), &snap);
        assert!(
            matches!(app.view.mode, Mode::Normal),
            "{open} closes on {opener}"
        );
        run(&mut app, &snap, open);
        app.on_key(key(KeyCode::Esc), &snap);
        assert!(
            matches!(app.view.mode, Mode::Normal),
            "{open} closes on Esc"
        );
    }
}

#[test]
fn command_line_history_and_tab_completion() {
    let snap = fixture::snapshot();
    let mut app = App::new(&opts("default"));
    app.view.sync(&snap);
    let type_line = |app: &mut App, s: &str| {
        for c in s.chars() {
            app.on_key(key(KeyCode::Char(c)), &snap);
        }
    };
    run(&mut app, &snap, "command");
    type_line(&mut app, "ex");
    app.on_key(key(KeyCode::Tab), &snap);
    let super::view::Mode::Command(input) = &app.view.mode else {
        panic!()
    };
    assert_eq!(input.text, "export ");
    assert_eq!(input.completions, ["export csv", "export json"]);
    app.on_key(key(KeyCode::Tab), &snap);
    app.on_key(key(KeyCode::Tab), &snap);
    let super::view::Mode::Command(input) = &app.view.mode else {
        panic!()
    };
    assert_eq!(input.text, "export json");
    let effects = app.on_key(key(KeyCode::Enter), &snap);
    assert!(
        matches!(&effects[..], [super::app::Effect::Engine { command: Command::Export { path: Some(p), .. }, .. }] if p.ends_with(format!("edges-{NOW_MS}.json")))
    );
    run(&mut app, &snap, "command");
    type_line(&mut app, "sort ev");
    app.on_key(key(KeyCode::Enter), &snap);
    run(&mut app, &snap, "command");
    app.on_key(key(KeyCode::Up), &snap);
    let super::view::Mode::Command(input) = &app.view.mode else {
        panic!()
    };
    assert_eq!(input.text, "sort ev");
    app.on_key(key(KeyCode::Up), &snap);
    let super::view::Mode::Command(input) = &app.view.mode else {
        panic!()
    };
    assert_eq!(input.text, "export json");
    app.on_key(key(KeyCode::Down), &snap);
    app.on_key(key(KeyCode::Down), &snap);
    let super::view::Mode::Command(input) = &app.view.mode else {
        panic!()
    };
    assert_eq!(input.text, "");
    app.on_key(key(KeyCode::Esc), &snap);
    run(&mut app, &snap, "command");
    type_line(&mut app, "bogus");
    app.on_key(key(KeyCode::Enter), &snap);
    assert!(app
        .view
        .status
        .as_ref()
        .unwrap()
        .text
        .contains("unknown command `bogus`"));
}

/// Issue 14, item 4: an attached dashboard whose store stopped answering names the outage in the
/// odds pane and the health line, and calls no book stalled (the ages are the last read's).
#[test]
fn an_unreachable_store_reads_as_an_outage_not_a_stalled_feed() {
    let mut snap = fixture::snapshot();
    for f in &mut snap.ingest.freshness {
        f.age_seconds = 400.0;
    }
    snap.ingest.store_down = Some(crate::snapshot::StoreDown {
        since_ms: snap.taken_ms - 42_000,
        error: "cannot reach PostgreSQL at desk@db:5432/betting: connection refused".into(),
    });
    snap.health = crate::engine::runtime::health_of(&snap.ingest, snap.taken_ms);
    let problems = &snap.health.problems;
    assert!(
        problems[0].starts_with("store unreachable for 42s"),
        "{problems:?}"
    );
    assert!(
        !problems.iter().any(|p| p.contains("stalled")),
        "{problems:?}"
    );
    let mut app = App::new(&opts("default"));
    app.on_resize(80, 24);
    app.view.sync(&snap);
    run(&mut app, &snap, "focus odds");
    let text = screen(&render(&app, &snap, (80, 24)));
    assert!(text.contains("store unreachable"), "{text}");
    assert!(!text.contains("✖ stalled"), "{text}");
    assert!(text.contains("▲ unknown"), "{text}");
    assert_screen("odds_80x24_store_unreachable", &text);
}
