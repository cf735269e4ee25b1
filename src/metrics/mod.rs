//! The metrics registry: the operations guide's metric names (dots in the guide, underscores in
//! Prometheus), derived from a `Snapshot` plus the counters only the alert dispatcher and the
//! dashboard know. Collecting is a pure function, so `/metrics`, the node-exporter textfile and
//! `metrics snapshot` printouts always agree.

mod collect;
mod prometheus;
mod textfile;

pub use collect::{collect, ChannelCounters, Extra, LatencyHistogram, LATENCY_BUCKETS};
pub use prometheus::{escape_label_value, render};
pub use textfile::{write_configured, write_textfile, TextfileError};

use crate::store::records::MetricSample;
use serde::Serialize;
use std::fmt::Write as _;

/// The seven metric names the operations guide promises, in its spelling.
pub const GUIDE_METRICS: [&str; 7] = [
    "ingestion.poll_latency",
    "ingestion.success_rate",
    "ingestion.quote_freshness_seconds",
    "analytics.simulation_latency",
    "analytics.edge_count",
    "alerts.dispatch_latency",
    "dashboard.render_latency",
];

/// The Prometheus spelling of a dotted metric name.
pub fn prometheus_name(dotted: &str) -> String {
    dotted.replace('.', "_")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Gauge,
    Counter,
    Histogram,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
            Kind::Histogram => "histogram",
        }
    }
}

/// One sample. For histograms `suffix` is `_bucket`, `_sum` or `_count`; otherwise empty.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    #[serde(skip_serializing_if = "str::is_empty")]
    pub suffix: &'static str,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

/// A metric family: one name, one help line, one type, any number of labelled samples.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Family {
    /// Dotted name as the guide writes it (`ingestion.poll_latency`).
    pub name: String,
    pub help: String,
    pub kind: Kind,
    pub samples: Vec<Sample>,
}

impl Family {
    pub fn new(name: &str, kind: Kind, help: &str) -> Family {
        Family {
            name: name.to_string(),
            help: help.to_string(),
            kind,
            samples: Vec::new(),
        }
    }

    pub fn push(&mut self, labels: &[(&str, &str)], value: f64) {
        self.push_suffixed("", labels, value);
    }

    pub fn push_suffixed(&mut self, suffix: &'static str, labels: &[(&str, &str)], value: f64) {
        self.samples.push(Sample {
            suffix,
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value,
        });
    }
}

/// Every family at one instant.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Registry {
    pub taken_ms: i64,
    pub families: Vec<Family>,
}

impl Registry {
    pub fn family(&self, dotted: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.name == dotted)
    }

    /// Prometheus text exposition format 0.0.4.
    pub fn to_prometheus(&self) -> String {
        render(self)
    }

    /// `metrics snapshot` for people: one line per sample, dotted names, values in seconds.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for f in &self.families {
            if f.samples.is_empty() {
                let _ = writeln!(out, "{:<44} (no samples yet)", f.name);
                continue;
            }
            for s in &f.samples {
                let labels: Vec<String> =
                    s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let name = format!("{}{}", f.name, s.suffix.replace('_', "."));
                let _ = writeln!(
                    out,
                    "{:<44} {:>14} {}",
                    name,
                    format_value(s.value),
                    labels.join(" ")
                );
            }
        }
        out
    }

    /// Rows for the store's `metrics_samples` table, for every family whose dotted name starts
    /// with `prefix` (empty: all). Histogram buckets stay out (their sum and count keep the
    /// mean; buckets are for live scrapes); names carry the suffix dotted (`.sum`), labels are
    /// a JSON object so SQL can read them with `json_extract`.
    pub fn stored_samples(&self, prefix: &str) -> Vec<MetricSample> {
        self.families
            .iter()
            .filter(|f| f.name.starts_with(prefix))
            .flat_map(|f| {
                f.samples
                    .iter()
                    .filter(|s| s.suffix != "_bucket" && s.value.is_finite())
                    .map(|s| MetricSample {
                        ts_ms: self.taken_ms,
                        name: format!("{}{}", f.name, s.suffix.replace('_', ".")),
                        labels: serde_json::Value::Object(
                            s.labels
                                .iter()
                                .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
                                .collect(),
                        )
                        .to_string(),
                        value: s.value,
                    })
            })
            .collect()
    }

    /// `metrics snapshot --format json`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

fn format_value(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.6}")
    }
}
