//! The published shape of the evaluation (JSON, and the rows of its CSV and table): records
//! grouped per season and over every season. Every CLV or ROI figure is an [`Estimate`]
//! `{n, mean, ci95_low, ci95_high}`; CLV is in probability points (1.0 = one point), ROI in
//! percent of the amount staked.

use super::bets::{BetRecord, MARKETS};
use super::books::{profiles, BookProfile};
use super::stats::{Correlation, Estimate, Scores};
use super::{GameRecordRow, Inputs, Records};
use crate::config::schema::ModelWeights;
use crate::ingest::archive::{Archive, JoinReport};
use serde::Serialize;
use std::collections::BTreeMap;

/// Version of the document's shape; bumped when a field changes meaning or goes away.
pub const SCHEMA: &str = "nflreadpy-betting/evaluation/1";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub schema: &'static str,
    pub archive: ArchiveSummary,
    pub method: Method,
    /// Over every season evaluated.
    pub total: Figures,
    pub by_season: Vec<Figures>,
    /// Per book and season, and per book over every season (`season: null`).
    pub books: Vec<BookProfile>,
    /// The move model each season's opener bets were priced with (fitted on the archive's
    /// seasons before it; `null` for the first, which has none).
    pub move_models: BTreeMap<i32, Option<crate::pricing::opener::MoveModel>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArchiveSummary {
    pub files: usize,
    /// Games read from the archive (two rows each).
    pub games: usize,
    /// Cells, markets or games quarantined, and the first of them (`file line, column: reason`).
    pub rejected: usize,
    pub rejected_first: Vec<String>,
    /// Games placed on the schedule, and those that were not, with the reason.
    pub joined: usize,
    pub unjoined: Vec<String>,
    /// Joined games with a final score: the games every figure counts.
    pub played: usize,
    /// Closing quotes the live plausibility guard (`ingestion.plausibility`) kept out of every
    /// figure, as it keeps them out of live pricing.
    pub closes_kept_out: usize,
    pub seasons: Vec<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Method {
    pub devig_method: String,
    /// `analytics.value_threshold`: the EV every bet here had to reach.
    pub value_threshold: f64,
    pub worst_case_gate: bool,
    /// The blend weights each season was priced with: the games-file backtest's walk-forward
    /// choice (five earlier seasons, never the season scored).
    pub weights_by_season: BTreeMap<i32, ModelWeights>,
    pub open_cutoff: &'static str,
    pub clv_reference: &'static str,
}

/// Every figure over one set of games.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    /// `null` over every season.
    pub season: Option<i32>,
    pub games: usize,
    pub probabilities: Probabilities,
    pub movement: Movement,
    /// The product's edge rule at the opener's price (its blend weights and thresholds).
    pub opener_bets: BetFigures,
    /// The same rule with the model alone as the fair price (blend weight 1): the model's own
    /// opinion, not what the product bets.
    pub model_opener_bets: BetFigures,
    /// The product's opener rule with the move model: each game priced at the close the move
    /// model predicts (fitted on earlier seasons), bets where that beats the opener's price.
    pub move_model_bets: BetFigures,
    /// Each book's close against the other books' de-vigged consensus.
    pub line_shopping: BetFigures,
    pub cross_book: CrossBook,
}

/// P(home wins | no tie) scored against results, on the games where the opener and the closing
/// consensus both quote a moneyline (the same games for every row).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Probabilities {
    pub opener: Scores,
    pub close_consensus: Scores,
    pub model_open: Scores,
    pub model_kickoff: Scores,
    /// The product's blend at the opener (model at the opener with the opener) and at the close
    /// (model at kickoff with the closing consensus), at the season's moneyline weight.
    pub blend_open: Scores,
    pub blend_close: Scores,
}

/// Does the model's disagreement with the opener predict where the line goes?
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Movement {
    /// Home win probability, in probability points: disagreement = model at the opener minus
    /// the opener; move = closing consensus minus the opener.
    pub moneyline: MoveFigures,
    /// Expected home margin, in points of spread (the same for the closing consensus line).
    pub spread: MoveFigures,
    /// Total points (model at the opener against the opener's total).
    pub total: MoveFigures,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MoveFigures {
    pub correlation: Correlation,
    pub all: MoveBucket,
    /// By size of the disagreement.
    pub by_disagreement: Vec<MoveBucket>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MoveBucket {
    pub disagreement_at_least: f64,
    pub disagreement_below: Option<f64>,
    /// The move in the model's direction (positive: toward the model).
    pub toward_model: Estimate,
    /// Share of lines that moved which moved the model's way.
    pub direction_hit: Estimate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BetFigures {
    pub all: BetStats,
    pub by_market: Vec<Group>,
    pub by_ev_bucket: Vec<Group>,
    /// Line shopping only (the opener is one book).
    pub by_book: Vec<Group>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BetStats {
    pub bets: usize,
    /// Probability points; absent for bets made at the close.
    pub clv_points: Estimate,
    /// Share of bets whose CLV is positive.
    pub beat_close: Estimate,
    pub roi_percent: Estimate,
    pub win_rate: Estimate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub group: String,
    #[serde(flatten)]
    pub stats: BetStats,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossBook {
    pub boards: usize,
    pub boards_with_arbitrage: usize,
    pub boards_with_moneyline_arbitrage: usize,
    pub arbitrages: usize,
    /// Guaranteed return per unit of total stake, in percent.
    pub arbitrage_return_percent: Estimate,
    pub middles: usize,
    /// The model's EV of each middle and what it returned on the final score, in percent.
    pub middle_ev_percent: Estimate,
    pub middle_return_percent: Estimate,
}

/// EV buckets of the bet tables: [lower, upper).
pub const EV_BUCKETS: [(f64, Option<f64>); 4] = [
    (0.0, Some(0.02)),
    (0.02, Some(0.05)),
    (0.05, Some(0.10)),
    (0.10, None),
];

pub fn bet_stats(bets: &[&BetRecord]) -> BetStats {
    let clv: Vec<f64> = bets
        .iter()
        .filter_map(|b| b.clv)
        .map(|c| 100.0 * c)
        .collect();
    let beat: Vec<f64> = bets
        .iter()
        .filter_map(|b| b.clv)
        .map(|c| f64::from(u8::from(c > 0.0)))
        .collect();
    let roi: Vec<f64> = bets.iter().map(|b| 100.0 * b.profit).collect();
    let wins: Vec<f64> = bets
        .iter()
        .filter(|b| b.profit != 0.0)
        .map(|b| f64::from(u8::from(b.profit > 0.0)))
        .collect();
    BetStats {
        bets: bets.len(),
        clv_points: Estimate::of(&clv),
        beat_close: Estimate::of(&beat),
        roi_percent: Estimate::of(&roi),
        win_rate: Estimate::of(&wins),
    }
}

fn bucket_name(lo: f64, hi: Option<f64>) -> String {
    match hi {
        Some(h) => format!("{:.0}-{:.0}%", 100.0 * lo, 100.0 * h),
        None => format!("{:.0}%+", 100.0 * lo),
    }
}

pub fn bet_figures(bets: &[&BetRecord], by_book: bool) -> BetFigures {
    let group = |name: String, f: &dyn Fn(&BetRecord) -> bool| Group {
        group: name,
        stats: bet_stats(&bets.iter().copied().filter(|b| f(b)).collect::<Vec<_>>()),
    };
    let mut books: Vec<&str> = bets.iter().map(|b| b.book.as_str()).collect();
    books.sort_by_key(|b| {
        (
            b.trim_start_matches("book-")
                .parse::<u32>()
                .unwrap_or(u32::MAX),
            *b,
        )
    });
    books.dedup();
    BetFigures {
        all: bet_stats(bets),
        by_market: MARKETS
            .iter()
            .map(|m| group(m.as_str().to_string(), &|b| b.market == *m))
            .collect(),
        by_ev_bucket: EV_BUCKETS
            .iter()
            .map(|&(lo, hi)| {
                group(bucket_name(lo, hi), &|b| {
                    b.ev >= lo && hi.is_none_or(|h| b.ev < h)
                })
            })
            .collect(),
        by_book: if by_book {
            books
                .into_iter()
                .map(|name| group(name.to_string(), &|b| b.book == name))
                .collect()
        } else {
            Vec::new()
        },
    }
}

fn probabilities(rows: &[&GameRecordRow]) -> Probabilities {
    let scored: Vec<(&GameRecordRow, bool)> = rows
        .iter()
        .filter(|r| r.opener_home_win.is_some() && r.close_home_win.is_some())
        .filter_map(|r| Some((*r, r.home_won()?)))
        .collect();
    let s = |f: &dyn Fn(&GameRecordRow) -> Option<f64>| {
        Scores::of(
            &scored
                .iter()
                .filter_map(|(r, y)| Some((f(r)?, *y)))
                .collect::<Vec<_>>(),
        )
    };
    Probabilities {
        opener: s(&|r| r.opener_home_win),
        close_consensus: s(&|r| r.close_home_win),
        model_open: s(&|r| Some(r.model_open_home_win)),
        model_kickoff: s(&|r| Some(r.model_kickoff_home_win)),
        blend_open: s(&|r| r.blend_open_home_win),
        blend_close: s(&|r| r.blend_close_home_win),
    }
}

/// (disagreement, move) pairs, both in the figure's unit.
fn move_figures(pairs: &[(f64, f64)], edges: &[f64]) -> MoveFigures {
    let bucket = |lo: f64, hi: Option<f64>| {
        let inside: Vec<&(f64, f64)> = pairs
            .iter()
            .filter(|(d, _)| d.abs() >= lo && hi.is_none_or(|h| d.abs() < h) && *d != 0.0)
            .collect();
        MoveBucket {
            disagreement_at_least: lo,
            disagreement_below: hi,
            toward_model: Estimate::of(
                &inside
                    .iter()
                    .map(|(d, m)| d.signum() * m)
                    .collect::<Vec<_>>(),
            ),
            direction_hit: Estimate::of(
                &inside
                    .iter()
                    .filter(|(_, m)| *m != 0.0)
                    .map(|(d, m)| f64::from(u8::from(d.signum() == m.signum())))
                    .collect::<Vec<_>>(),
            ),
        }
    };
    let mut by = Vec::new();
    for (i, lo) in edges.iter().enumerate() {
        by.push(bucket(*lo, edges.get(i + 1).copied()));
    }
    MoveFigures {
        correlation: Correlation::of(pairs),
        all: bucket(0.0, None),
        by_disagreement: by,
    }
}

fn movement(rows: &[&GameRecordRow]) -> Movement {
    let ml: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|r| {
            let o = r.opener_home_win?;
            Some((
                100.0 * (r.model_open_home_win - o),
                100.0 * (r.close_home_win? - o),
            ))
        })
        .collect();
    let sp: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|r| {
            let o = r.opener_margin?;
            Some((r.model_open_margin - o, r.close_margin? - o))
        })
        .collect();
    let tot: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|r| {
            let o = r.opener_total?;
            Some((r.model_open_total - o, r.close_total? - o))
        })
        .collect();
    Movement {
        moneyline: move_figures(&ml, &[0.0, 2.5, 5.0, 10.0]),
        spread: move_figures(&sp, &[0.0, 1.0, 2.0, 4.0]),
        total: move_figures(&tot, &[0.0, 1.0, 2.0, 4.0]),
    }
}

fn cross_book(boards: &[&super::cross_book::BoardRecord]) -> CrossBook {
    let arbs: Vec<f64> = boards
        .iter()
        .flat_map(|b| b.arbitrage.iter().map(|(_, r)| 100.0 * r))
        .collect();
    let middles: Vec<(f64, f64)> = boards
        .iter()
        .flat_map(|b| b.middles.iter().copied())
        .collect();
    CrossBook {
        boards: boards.len(),
        boards_with_arbitrage: boards.iter().filter(|b| !b.arbitrage.is_empty()).count(),
        boards_with_moneyline_arbitrage: boards
            .iter()
            .filter(|b| {
                b.arbitrage
                    .iter()
                    .any(|(m, _)| *m == crate::domain::MarketKind::Moneyline)
            })
            .count(),
        arbitrages: arbs.len(),
        arbitrage_return_percent: Estimate::of(&arbs),
        middles: middles.len(),
        middle_ev_percent: Estimate::of(&middles.iter().map(|m| 100.0 * m.0).collect::<Vec<_>>()),
        middle_return_percent: Estimate::of(
            &middles.iter().map(|m| 100.0 * m.1).collect::<Vec<_>>(),
        ),
    }
}

/// The figures over the records of `season` (every season when `None`).
pub fn figures(recs: &Records, season: Option<i32>) -> Figures {
    let keep = |s: i32| season.is_none_or(|x| x == s);
    let rows: Vec<&GameRecordRow> = recs.games.iter().filter(|r| keep(r.season)).collect();
    fn pick(v: &[BetRecord], season: Option<i32>) -> Vec<&BetRecord> {
        v.iter()
            .filter(|b| season.is_none_or(|x| x == b.season))
            .collect()
    }
    Figures {
        season,
        games: rows.len(),
        probabilities: probabilities(&rows),
        movement: movement(&rows),
        opener_bets: bet_figures(&pick(&recs.opener_bets, season), false),
        model_opener_bets: bet_figures(&pick(&recs.model_opener_bets, season), false),
        move_model_bets: bet_figures(&pick(&recs.move_model_bets, season), false),
        line_shopping: bet_figures(&pick(&recs.shopping, season), true),
        cross_book: cross_book(
            &recs
                .boards
                .iter()
                .filter(|b| keep(b.season))
                .collect::<Vec<_>>(),
        ),
    }
}

pub fn build(
    archive: &Archive,
    joined: &JoinReport,
    inputs: &Inputs<'_>,
    recs: &Records,
) -> Evaluation {
    let mut seasons: Vec<i32> = recs.games.iter().map(|r| r.season).collect();
    seasons.sort_unstable();
    seasons.dedup();
    Evaluation {
        schema: SCHEMA,
        archive: ArchiveSummary {
            files: archive.files,
            games: archive.games.len(),
            rejected: archive.rejected.len(),
            rejected_first: archive
                .rejected
                .iter()
                .take(20)
                .map(|r| format!("{}: {}", r.place, r.reason))
                .collect(),
            joined: joined.joined.len(),
            unjoined: joined
                .unjoined
                .iter()
                .map(|u| format!("{} ({} line {}): {}", u.game.label(), u.game.file, u.game.line, u.reason))
                .collect(),
            played: recs.games.len(),
            closes_kept_out: recs.games.iter().map(|r| r.closes_kept_out).sum(),
            seasons: seasons.clone(),
        },
        method: Method {
            devig_method: inputs.cfg.devig_method.name().to_string(),
            value_threshold: inputs.cfg.value_threshold,
            worst_case_gate: inputs.cfg.worst_case_gate,
            weights_by_season: seasons
                .iter()
                .map(|s| (*s, inputs.weights.get(s).copied().unwrap_or(inputs.cfg.model_weight)))
                .collect(),
            open_cutoff: "regular season from week 2: results before the first day of the previous week, each team's last known starting quarterback, no kickoff weather; week 1 and playoffs: the week's own cutoff",
            clv_reference: "the bet's win probability given action under the closing consensus of every book (de-vigged, equal weights; a moved line valued on the model's score distribution) minus the bet price's break-even probability",
        },
        total: figures(recs, None),
        by_season: seasons.iter().map(|s| figures(recs, Some(*s))).collect(),
        books: profiles(&recs.books),
        move_models: recs.move_models.clone(),
    }
}

/// One figure of the CSV: `section` (`all`, a season, or `books`), the figure's path in the JSON
/// document, and its estimate (`value` is the mean, the correlation or a count).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CsvRow {
    pub season: String,
    pub figure: String,
    pub n: Option<u64>,
    pub value: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
}

/// Flattens a JSON figure tree: an object with `n` and an interval is one row; other numbers are
/// rows of their own; arrays of groups are named by their `group` (or bucket bounds).
fn flatten(v: &serde_json::Value, path: &str, season: &str, out: &mut Vec<CsvRow>) {
    use serde_json::Value;
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::Object(m) if m.contains_key("ci95_low") => {
            let f = |k: &str| m.get(k).and_then(Value::as_f64);
            out.push(CsvRow {
                season: season.to_string(),
                figure: path.to_string(),
                n: m.get("n").and_then(Value::as_u64),
                value: f("mean").or_else(|| f("r")),
                ci95_low: f("ci95_low"),
                ci95_high: f("ci95_high"),
            });
        }
        Value::Object(m) => {
            for (k, x) in m {
                if k == "season" || k == "group" {
                    continue;
                }
                flatten(x, &join(k), season, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                let name = item
                    .get("group")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or_else(|| {
                        let lo = item.get("disagreement_at_least")?.as_f64()?;
                        Some(
                            match item.get("disagreement_below").and_then(Value::as_f64) {
                                Some(hi) => format!("{lo}-{hi}"),
                                None => format!("{lo}+"),
                            },
                        )
                    })
                    .unwrap_or_default();
                let mut inner = item.clone();
                if let Value::Object(m) = &mut inner {
                    m.remove("disagreement_at_least");
                    m.remove("disagreement_below");
                }
                flatten(&inner, &join(&name), season, out);
            }
        }
        Value::Number(n) => out.push(CsvRow {
            season: season.to_string(),
            figure: path.to_string(),
            n: None,
            value: n.as_f64(),
            ci95_low: None,
            ci95_high: None,
        }),
        _ => {}
    }
}

/// Every figure of the document as CSV rows (`season,figure,n,value,ci95_low,ci95_high`).
pub fn csv_rows(e: &Evaluation) -> Vec<CsvRow> {
    let mut out = Vec::new();
    let total = serde_json::to_value(&e.total).unwrap_or_default();
    flatten(&total, "", "all", &mut out);
    for f in &e.by_season {
        let v = serde_json::to_value(f).unwrap_or_default();
        flatten(
            &v,
            "",
            &f.season.map(|s| s.to_string()).unwrap_or_default(),
            &mut out,
        );
    }
    for b in &e.books {
        let mut v = serde_json::to_value(b).unwrap_or_default();
        if let serde_json::Value::Object(m) = &mut v {
            m.remove("book");
            m.remove("class");
        }
        let season = b
            .season
            .map_or_else(|| "all".to_string(), |s| s.to_string());
        flatten(&v, &format!("books.{}", b.book), &season, &mut out);
    }
    out
}

pub fn csv(e: &Evaluation) -> anyhow::Result<String> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    for r in csv_rows(e) {
        w.serialize(r)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn est(e: &Estimate, digits: usize) -> String {
    match (e.mean, e.ci95_low, e.ci95_high) {
        (Some(m), Some(l), Some(h)) => format!("{m:+.digits$} [{l:+.digits$}, {h:+.digits$}]"),
        (Some(m), _, _) => format!("{m:+.digits$}"),
        _ => "-".into(),
    }
}

fn brier(s: &Scores) -> String {
    s.brier
        .mean
        .map_or_else(|| "-".into(), |m| format!("{m:.4}"))
}

fn season_name(f: &Figures) -> String {
    f.season.map_or_else(|| "all".into(), |s| s.to_string())
}

/// The human-readable report.
pub fn table(e: &Evaluation) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let a = &e.archive;
    let seasons = match (a.seasons.first(), a.seasons.last()) {
        (Some(f), Some(l)) => format!("{f}-{l}"),
        _ => "none".into(),
    };
    let _ = writeln!(
        o,
        "Real-market evaluation, {seasons}: {} games read from {} files, {} joined to the schedule, {} played and scored; {} archive entries quarantined; {} closing quotes kept out by the plausibility guard.",
        a.games, a.files, a.joined, a.played, a.rejected, a.closes_kept_out
    );
    for u in &a.unjoined {
        let _ = writeln!(o, "  not joined: {u}");
    }
    let _ = writeln!(
        o,
        "Method: {}-de-vigged; bets need EV >= {:.1}%{}; the model at the opener sees {}.\nCLV: {}. Every figure: mean [95% interval].\n",
        e.method.devig_method,
        100.0 * e.method.value_threshold,
        if e.method.worst_case_gate { " (worst-case gate on)" } else { "" },
        e.method.open_cutoff,
        e.method.clv_reference
    );
    let all: Vec<&Figures> = e
        .by_season
        .iter()
        .chain(std::iter::once(&e.total))
        .collect();
    let _ = writeln!(
        o,
        "Moneyline Brier, P(home wins | no tie) (lower is better)"
    );
    let _ = writeln!(
        o,
        "  {:<6} {:>5} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "season", "games", "opener", "close", "mdl@open", "mdl@kick", "bld@open", "bld@clse"
    );
    for f in &all {
        let p = &f.probabilities;
        let _ = writeln!(
            o,
            "  {:<6} {:>5} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
            season_name(f),
            p.opener.brier.n,
            brier(&p.opener),
            brier(&p.close_consensus),
            brier(&p.model_open),
            brier(&p.model_kickoff),
            brier(&p.blend_open),
            brier(&p.blend_close)
        );
    }
    let t = &e.total;
    let _ = writeln!(
        o,
        "\nDoes the model's disagreement with the opener predict the move to the close? (all seasons)"
    );
    for (name, unit, m) in [
        ("moneyline", "prob. points", &t.movement.moneyline),
        ("spread", "points", &t.movement.spread),
        ("total", "points", &t.movement.total),
    ] {
        let c = &m.correlation;
        let _ = writeln!(
            o,
            "  {name:<9} corr {} (n={}); move toward the model, {unit}:",
            match (c.r, c.ci95_low, c.ci95_high) {
                (Some(r), Some(l), Some(h)) => format!("{r:+.3} [{l:+.3}, {h:+.3}]"),
                _ => "-".into(),
            },
            c.n
        );
        for b in &m.by_disagreement {
            let range = match b.disagreement_below {
                Some(h) => format!("{}-{}", b.disagreement_at_least, h),
                None => format!("{}+", b.disagreement_at_least),
            };
            let _ = writeln!(
                o,
                "    disagreement {range:<8} n={:<5} {:<26} direction hit {}",
                b.toward_model.n,
                est(&b.toward_model, 2),
                est(&b.direction_hit, 3)
            );
        }
    }
    for (title, pick) in [
        (
            "The product's bets at the opener price (its blend and thresholds)",
            (|f: &Figures| &f.opener_bets) as fn(&Figures) -> &BetFigures,
        ),
        (
            "The model alone at the opener price (blend weight 1: reference, not the product's rule)",
            |f: &Figures| &f.model_opener_bets,
        ),
        (
            "The move model at the opener price: priced at the predicted close, bets where it beats the opener (EV >= 0)",
            |f: &Figures| &f.move_model_bets,
        ),
        (
            "Line shopping at the close: each book against the other books' consensus",
            |f: &Figures| &f.line_shopping,
        ),
    ] {
        let _ = writeln!(o, "\n{title}");
        let _ = writeln!(
            o,
            "  {:<10} {:>5}  {:<26} {:<26}",
            "", "bets", "CLV, prob. points", "ROI %"
        );
        let line = |o: &mut String, name: &str, s: &BetStats| {
            let _ = writeln!(
                o,
                "  {name:<10} {:>5}  {:<26} {:<26}",
                s.bets,
                est(&s.clv_points, 2),
                est(&s.roi_percent, 1)
            );
        };
        for f in &all {
            line(&mut o, &season_name(f), &pick(f).all);
        }
        let tf = pick(t);
        for g in tf.by_market.iter().chain(&tf.by_ev_bucket).chain(&tf.by_book) {
            line(&mut o, &g.group, &g.stats);
        }
    }
    let _ = writeln!(o, "\nArbitrage and middles on the closing boards");
    let _ = writeln!(
        o,
        "  {:<6} {:>6} {:>9} {:>7} {:<24} {:>7} {:<24}",
        "season", "boards", "with arb", "ML arb", "arb return %", "middles", "middle return %"
    );
    for f in &all {
        let c = &f.cross_book;
        let _ = writeln!(
            o,
            "  {:<6} {:>6} {:>9} {:>7} {:<24} {:>7} {:<24}",
            season_name(f),
            c.boards,
            c.boards_with_arbitrage,
            c.boards_with_moneyline_arbitrage,
            est(&c.arbitrage_return_percent, 2),
            c.middles,
            est(&c.middle_return_percent, 1)
        );
    }
    let _ = writeln!(
        o,
        "\nBooks over every season (hold in %, distance from the others in prob. points; class per\nseason chosen on the seasons before it, S sharp, s soft, - unrated; the last on every season)"
    );
    let _ = writeln!(
        o,
        "  {:<8} {:>5} {:>7} {:>7} {:>7} {:>7} {:<24} {:>6}  classes by season",
        "book", "games", "hold ML", "hold sp", "hold to", "Brier", "Brier vs others", "dist"
    );
    for b in e.books.iter().filter(|b| b.season.is_none()) {
        let m = |x: &Estimate, k: f64| {
            x.mean
                .map_or_else(|| "-".into(), |v| format!("{:.2}", k * v))
        };
        let classes: Vec<String> = e
            .books
            .iter()
            .filter(|x| x.book == b.book && x.season.is_some())
            .map(|x| {
                let c = match x.class.as_str() {
                    "sharp" => "S",
                    "soft" => "s",
                    _ => "-",
                };
                format!("{}:{c}", x.season.unwrap_or(0) % 100)
            })
            .collect();
        let _ = writeln!(
            o,
            "  {:<8} {:>5} {:>7} {:>7} {:>7} {:>7} {:<24} {:>6}  {} -> {}",
            b.book,
            b.games,
            m(&b.hold_moneyline, 100.0),
            m(&b.hold_spread, 100.0),
            m(&b.hold_total, 100.0),
            b.brier
                .mean
                .map_or_else(|| "-".into(), |v| format!("{v:.4}")),
            est(&b.brier_vs_others, 4),
            m(&b.distance_points, 1.0),
            classes.join(" "),
            b.class
        );
    }
    o
}
