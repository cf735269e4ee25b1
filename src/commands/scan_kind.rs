//! What `scan --kind` prints: one kind of opportunity from a pricing pass, as a table or JSON.

use crate::cli::ScanKind;
use crate::config::Config;
use crate::engine::pricer::PricingRun;
use crate::snapshot::{EdgeKind, EdgeRow};
use serde_json::json;

fn line(l: Option<f64>) -> String {
    l.map(|l| format!("{l:+.1}")).unwrap_or_default()
}

pub fn print(kind: ScanKind, run: &PricingRun, cfg: &Config, as_json: bool) {
    let m = &run.market;
    let edges = |k: EdgeKind| -> Vec<EdgeRow> {
        run.edges.iter().filter(|e| e.kind == k).cloned().collect()
    };
    if as_json {
        let body = match kind {
            ScanKind::Value => json!({"kind": "value", "opportunities": edges(EdgeKind::Value)}),
            ScanKind::Stale => json!({
                "kind": "stale",
                "opportunities": edges(EdgeKind::Stale),
                "stale_lines": m.stale,
                "steam": m.steam,
            }),
            ScanKind::Arb => json!({"kind": "arb", "arbitrage": m.arbitrage}),
            ScanKind::Middle => json!({"kind": "middle", "middles": m.middles}),
        };
        let mut body = body;
        body["simulation"] = json!(run.run);
        println!("{body}");
        return;
    }
    match kind {
        ScanKind::Value => super::analytics::print_edges(&edges(EdgeKind::Value), cfg),
        ScanKind::Stale => {
            println!(
                "Stale lines: {} (books behind an originator's steam after {:.0}s)",
                m.stale.len(),
                cfg.analytics.markets.steam_window_seconds
            );
            for s in &m.stale {
                println!(
                    "{:<16} {:<9} {:<4} {:<6} {:<11} {:>5} {:>+5}  {} now {:>5} {:>+5}  stale {:>5.0}s  EV {}",
                    s.event_id,
                    s.market.as_str(),
                    s.scope.as_str(),
                    s.selection.as_str(),
                    s.book,
                    line(s.price.line),
                    s.price.american,
                    s.originator,
                    line(s.originator_price.line),
                    s.originator_price.american,
                    s.stale_seconds,
                    s.ev.map(|e| format!("{:+.2}%", e * 100.0))
                        .unwrap_or_else(|| "unpriced".into())
                );
            }
        }
        ScanKind::Arb => {
            println!(
                "Arbitrage: {} (return per unit of total stake; legs older than {:.0}s are stale)",
                m.arbitrage.len(),
                cfg.analytics.markets.arb_freshness_seconds
            );
            for a in &m.arbitrage {
                let legs: Vec<String> = a
                    .legs
                    .iter()
                    .map(|l| {
                        format!(
                            "{} {} {} {:+} {:.1}%",
                            l.book,
                            l.selection.as_str(),
                            line(l.line),
                            l.american,
                            l.stake_share * 100.0
                        )
                    })
                    .collect();
                println!(
                    "{:<16} {:<9} {:<4} return {:+.2}%  oldest {:.0}s{}  {}",
                    a.event_id,
                    a.market.as_str(),
                    a.scope.as_str(),
                    a.ret * 100.0,
                    a.oldest_leg_seconds,
                    if a.stale { " STALE" } else { "" },
                    legs.join(" | ")
                );
            }
        }
        ScanKind::Middle => {
            println!(
                "Middles: {} (window and push probabilities from the exact score distribution)",
                m.middles.len()
            );
            for x in &m.middles {
                println!(
                    "{:<16} {:<4} {} {} {:+.1} {:+} / {} {} {:+.1} {:+}  middle {:.2}%  push {:.2}%  EV {:+.2}%",
                    x.event_id,
                    x.scope.as_str(),
                    x.low.book,
                    x.low.selection.as_str(),
                    x.low.line,
                    x.low.american,
                    x.high.book,
                    x.high.selection.as_str(),
                    x.high.line,
                    x.high.american,
                    x.middle_prob * 100.0,
                    x.push_prob * 100.0,
                    x.ev * 100.0
                );
            }
        }
    }
}
