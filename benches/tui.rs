//! One dashboard frame with 2,000 edge rows at 120x40 on ratatui's TestBackend (goal: < 2 ms).

use criterion::{criterion_group, criterion_main, Criterion};
use nflreadpy_betting::tui::app::App;
use nflreadpy_betting::tui::{draw, TuiOptions};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// The dashboard's test snapshot (a `#[cfg(test)]` module of the library, so compiled in here).
#[path = "../src/snapshot/fixture.rs"]
#[allow(dead_code)]
mod fixture;

fn frame(c: &mut Criterion) {
    let snap = fixture::snapshot_with_edges(2000);
    let opts = TuiOptions {
        ascii: false,
        keymap_path: None,
        themes_dir: None,
        ..TuiOptions::default()
    };
    let mut app = App::new(&opts);
    app.on_resize(120, 40);
    app.view.sync(&snap);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    c.bench_function("dashboard frame, 2000 edges, 120x40", |b| {
        b.iter(|| {
            terminal
                .draw(|f| draw(f, &snap, &app.view, &app.theme, fixture::NOW_MS))
                .unwrap()
                .area
        })
    });
    // A new snapshot version: re-filter and re-sort 2,000 rows, then draw.
    let mut version = snap.version;
    let mut snap2 = snap.clone();
    c.bench_function("new snapshot: sync 2000 edges + frame, 120x40", |b| {
        b.iter(|| {
            version += 1;
            snap2.version = version;
            app.view.sync(&snap2);
            terminal
                .draw(|f| draw(f, &snap2, &app.view, &app.theme, fixture::NOW_MS))
                .unwrap()
                .area
        })
    });
}

criterion_group!(benches, frame);
criterion_main!(benches);
