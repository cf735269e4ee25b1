//! Front ends, the last stage of the flow: they read `Snapshot`s and send `Command`s through an
//! `EngineHandle` and never reach into the engine's insides. `headless` (`dashboard --headless`,
//! one line per refresh for scripts and monitors) lives here; the full-screen dashboard (`tui/`)
//! and the HTTP API (`api/`) are front ends too and keep their own top-level folders.

pub mod headless;
