//! What front ends may ask of the engine. Every key binding, `:` command, CLI one-shot and REST
//! POST becomes one of these.

use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Price the stored quotes now (iterations override, else the front end's default).
    Simulate {
        iterations: Option<u32>,
    },
    /// Re-run edge detection and refresh the opportunity list.
    Scan,
    /// Write the current opportunities to a file (path defaults under dashboard.export_dir).
    Export {
        format: ExportFormat,
        path: Option<PathBuf>,
    },
    /// Poll every source now, outside the schedule.
    IngestNow,
    Pause,
    Resume,
    Ack {
        id: i64,
    },
    Silence {
        rule: String,
        seconds: f64,
    },
    /// The odds path and every book's price for one edge (its `key`), for detail views.
    Detail {
        key: String,
    },
    /// Record a real bet on an edge (its `key`) at its price, staking `stake` or the edge's
    /// Kelly stake.
    PlaceBet {
        key: String,
        stake: Option<f64>,
    },
}

impl Command {
    /// Commands that change production state; read-only front ends never send them.
    pub fn is_mutating(&self) -> bool {
        matches!(
            self,
            Command::IngestNow
                | Command::Pause
                | Command::Resume
                | Command::Ack { .. }
                | Command::Silence { .. }
                | Command::PlaceBet { .. }
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Json,
}

/// The engine's answer to a command.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Reply {
    /// Done; a one-line message for the status bar.
    Done(String),
    Detail(Box<DetailView>),
    /// Refused or failed; the message says why.
    Error(String),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DetailView {
    pub key: String,
    /// (ms since epoch, american, line) per book, oldest first.
    pub history: Vec<HistoryPoint>,
    /// Model margin distribution for the edge's event and scope: (home margin, probability).
    pub margin_distribution: Vec<(i32, f64)>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HistoryPoint {
    pub book: String,
    pub observed_ms: i64,
    pub american: i64,
    pub line: Option<f64>,
}
