//! The render loop, generic over the backend and fed by a channel of events, so tests drive the
//! real loop on a `TestBackend` with scripted keys.
//!
//! It redraws only when something changed (input, a new snapshot version, a reply, the 1 s tick
//! that ages the "N s ago" labels), at most `max_fps` times a second, never on a fixed timer.

use super::app::{App, Effect};
use super::ui;
use crate::engine::EngineHandle;
use crate::snapshot::Reply;
use crossterm::event::{Event, KeyEventKind};
use ratatui::backend::Backend;
use ratatui::Terminal;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

/// What reaches the loop from outside: terminal input, or a request to stop (signals).
#[derive(Debug, Clone, PartialEq)]
pub enum AppEvent {
    Input(Event),
    Quit,
}

/// Terminal operations the loop cannot do through `Backend` (the real terminal implements them;
/// tests use `NoHost`).
pub trait Host<B: Backend> {
    /// Hand the terminal back to the shell until the user resumes (Ctrl-Z, then `fg`).
    fn suspend(&mut self, _terminal: &mut Terminal<B>) -> std::io::Result<()> {
        Ok(())
    }
    /// Brackets each frame (synchronized updates on real terminals: no tearing over SSH).
    fn begin_frame(&mut self) {}
    fn end_frame(&mut self) {}
}

pub struct NoHost;
impl<B: Backend> Host<B> for NoHost {}

/// Milliseconds since the epoch, read once per frame outside drawing.
pub type Clock = dyn Fn() -> i64 + Send + Sync;

pub fn system_clock() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Runs until quit (a key, a signal, or the event stream closing).
pub async fn run_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    handle: &EngineHandle,
    events: &mut mpsc::Receiver<AppEvent>,
    max_fps: u32,
    host: &mut (dyn Host<B> + Send),
    clock: &Clock,
) -> anyhow::Result<()> {
    let mut snapshots = handle.subscribe();
    let mut snap = snapshots.borrow_and_update().clone();
    app.view.sync(&snap);
    if let Ok(size) = terminal.size() {
        app.on_resize(size.width, size.height);
    }
    let (reply_tx, mut replies) = mpsc::unbounded_channel();
    let min_frame = Duration::from_secs_f64(1.0 / f64::from(max_fps.clamp(1, 240)));
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut dirty = true;
    let mut last_draw: Option<Instant> = None;
    let mut engine_open = true;
    loop {
        if dirty && last_draw.is_none_or(|t| t.elapsed() >= min_frame) {
            host.begin_frame();
            let now_ms = clock();
            let drawn = terminal.draw(|f| ui::draw(f, &snap, &app.view, &app.theme, now_ms));
            host.end_frame();
            drawn?;
            dirty = false;
            last_draw = Some(Instant::now());
        }
        let next_frame = last_draw.map_or_else(Instant::now, |t| t + min_frame);
        let mut effects = Vec::new();
        tokio::select! {
            ev = events.recv() => match ev {
                None | Some(AppEvent::Quit) => break,
                Some(AppEvent::Input(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    effects = app.on_key(k, &snap);
                    dirty = true;
                }
                Some(AppEvent::Input(Event::Resize(w, h))) => {
                    app.on_resize(w, h);
                    dirty = true;
                }
                Some(AppEvent::Input(_)) => {}
            },
            Some((pending, reply)) = replies.recv() => {
                app.on_reply(pending, reply);
                dirty = true;
            }
            changed = snapshots.changed(), if engine_open => {
                if changed.is_err() {
                    engine_open = false;
                    app.view.set_status(super::view::Level::Error, "the engine stopped; showing its last snapshot");
                    dirty = true;
                } else {
                    let next = snapshots.borrow_and_update().clone();
                    if next.version != snap.version {
                        snap = next;
                        app.view.sync(&snap);
                        dirty = true;
                    }
                }
            }
            _ = tick.tick() => dirty = true,
            _ = tokio::time::sleep_until(next_frame), if dirty => {}
        }
        for effect in effects {
            match effect {
                Effect::Quit => return Ok(()),
                Effect::Suspend => {
                    host.suspend(terminal)?;
                    terminal.clear()?;
                    dirty = true;
                }
                Effect::Engine { command, pending } => {
                    let rx = handle.submit(command);
                    let tx = reply_tx.clone();
                    tokio::spawn(async move {
                        let reply = rx.await.unwrap_or_else(|_| {
                            Reply::Error("the engine stopped before replying".into())
                        });
                        let _ = tx.send((pending, reply));
                    });
                }
            }
        }
    }
    Ok(())
}
