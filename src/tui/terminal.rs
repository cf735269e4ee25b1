//! Terminal hygiene: raw mode and the alternate screen for exactly as long as the UI runs, and a
//! restore that happens once whatever ends it — a normal return, an error, a panic (restore
//! first, then the previous hook prints), SIGTERM or SIGHUP (the SSH session went away).

use super::event_loop::{AppEvent, Host};
use crossterm::event::{self, Event, KeyEventKind};
use crossterm::terminal::{
    self, BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen,
    LeaveAlternateScreen,
};
use crossterm::{cursor, execute};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::time::Duration;
use tokio::sync::mpsc;

static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Leaves raw mode and the alternate screen if we are in them; safe to call any number of times.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let mut out = io::stdout();
        let _ = execute!(
            out,
            EndSynchronizedUpdate,
            LeaveAlternateScreen,
            cursor::Show
        );
        let _ = terminal::disable_raw_mode();
        let _ = out.flush();
    }
}

fn enter() -> io::Result<()> {
    terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(io::stdout(), EnterAlternateScreen, cursor::Hide)
}

/// Chains a hook that restores the terminal before the previous hook prints the panic, so the
/// message lands on a sane screen.
fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

/// Owns the full-screen terminal; dropping it restores the shell's terminal.
pub struct TerminalGuard {
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl TerminalGuard {
    pub fn enter() -> anyhow::Result<TerminalGuard> {
        use std::io::IsTerminal;
        if !io::stdout().is_terminal() {
            anyhow::bail!(
                "the dashboard needs a terminal on stdout; use --headless for pipes and scripts"
            );
        }
        install_panic_hook();
        enter()?;
        let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        terminal.clear()?;
        Ok(TerminalGuard { terminal })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// The real terminal's extra operations.
pub struct TerminalHost {
    /// Paused while suspended so the input thread does not steal the shell's keystrokes.
    pub input_paused: Arc<AtomicBool>,
}

impl Host<CrosstermBackend<Stdout>> for TerminalHost {
    fn suspend(&mut self, terminal: &mut Terminal<CrosstermBackend<Stdout>>) -> io::Result<()> {
        self.input_paused.store(true, Ordering::SeqCst);
        restore();
        // SAFETY: raising a signal on our own process has no memory-safety preconditions; the
        // default SIGTSTP action stops the process until the shell sends SIGCONT (`fg`).
        #[cfg(unix)]
        unsafe {
            libc::raise(libc::SIGTSTP);
        }
        enter()?;
        self.input_paused.store(false, Ordering::SeqCst);
        terminal.clear()
    }

    fn begin_frame(&mut self) {
        let _ = execute!(io::stdout(), BeginSynchronizedUpdate);
    }

    fn end_frame(&mut self) {
        let _ = execute!(io::stdout(), EndSynchronizedUpdate);
    }
}

/// Reads terminal input on a dedicated thread (crossterm's reads block) and forwards key presses
/// and resizes. Stops when `stop` is set or the loop hangs up.
pub fn spawn_input_thread(
    tx: mpsc::Sender<AppEvent>,
    stop: Arc<AtomicBool>,
    paused: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("tui-input".into())
        .spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                if paused.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
                match event::poll(Duration::from_millis(200)) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(_) => break,
                }
                let ev = match event::read() {
                    Ok(ev) => ev,
                    Err(_) => break,
                };
                let forward = match &ev {
                    Event::Key(k) => {
                        k.kind == KeyEventKind::Press || k.kind == KeyEventKind::Repeat
                    }
                    Event::Resize(..) => true,
                    _ => false,
                };
                if forward && tx.blocking_send(AppEvent::Input(ev)).is_err() {
                    break;
                }
            }
        })
        .expect("spawning the input thread")
}

/// SIGTERM, SIGHUP and SIGINT end the UI cleanly (restoring the terminal on the way out).
pub fn spawn_signal_task(tx: mpsc::Sender<AppEvent>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut hup), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
            signal(SignalKind::interrupt()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
            _ = int.recv() => {}
        }
        let _ = tx.send(AppEvent::Quit).await;
    });
    #[cfg(not(unix))]
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        let _ = tx.send(AppEvent::Quit).await;
    });
}
