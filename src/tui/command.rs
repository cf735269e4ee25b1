//! The one command grammar of the dashboard. The `:` line, every key binding and the help screen
//! all come from `REGISTRY`: a key is bound to a command string, parsed exactly like a typed one.

use crate::duration::{parse_bounded, MAX_SILENCE};
use crate::snapshot::{Command, ExportFormat};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Engine,
    View,
    Navigate,
}

impl Group {
    pub fn title(self) -> &'static str {
        match self {
            Group::Engine => "Engine",
            Group::View => "View",
            Group::Navigate => "Navigate",
        }
    }
}

/// One command as help, hints and completion see it.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    pub name: &'static str,
    pub args: &'static str,
    pub desc: &'static str,
    pub group: Group,
    /// Changes production state: hidden (from help, hints, completion) and refused in read-only mode.
    pub mutating: bool,
    /// Asks y/n before running; the text is the question.
    pub confirm: Option<&'static str>,
    /// Short label for the hint bar; commands without one appear only in help.
    pub hint: Option<&'static str>,
}

const fn spec(
    name: &'static str,
    args: &'static str,
    desc: &'static str,
    group: Group,
) -> CommandSpec {
    CommandSpec {
        name,
        args,
        desc,
        group,
        mutating: false,
        confirm: None,
        hint: None,
    }
}

const fn hint(mut s: CommandSpec, label: &'static str) -> CommandSpec {
    s.hint = Some(label);
    s
}

const fn mutating(mut s: CommandSpec, confirm: Option<&'static str>) -> CommandSpec {
    s.mutating = true;
    s.confirm = confirm;
    s
}

pub const REGISTRY: &[CommandSpec] = &[
    hint(
        spec("scan", "", "re-run edge detection now", Group::Engine),
        "scan",
    ),
    spec(
        "export",
        "csv|json [PATH]",
        "write the edges table to a file",
        Group::Engine,
    ),
    spec(
        "simulate",
        "[N]",
        "price every market now (N iterations)",
        Group::Engine,
    ),
    mutating(
        spec(
            "ingest",
            "now",
            "poll every source now, outside the schedule",
            Group::Engine,
        ),
        Some("Poll every source now? This spends API quota."),
    ),
    mutating(
        spec(
            "pause",
            "",
            "pause ingestion on every source",
            Group::Engine,
        ),
        Some("Pause ingestion? Quotes go stale until you resume."),
    ),
    mutating(spec("resume", "", "resume ingestion", Group::Engine), None),
    mutating(
        spec(
            "bet",
            "[STAKE]",
            "record a real bet on the selected edge (its Kelly stake unless given)",
            Group::Engine,
        ),
        Some("Record this bet in the ledger?"),
    ),
    mutating(
        spec("ack", "ID", "acknowledge a firing alert", Group::Engine),
        None,
    ),
    mutating(
        spec(
            "silence",
            "RULE DUR",
            "mute an alert rule for a while (30m, 2h)",
            Group::Engine,
        ),
        Some("Silence this rule? Its alerts will not be delivered."),
    ),
    spec(
        "filter",
        "[EXPR]",
        "filter the focused table (empty clears)",
        Group::View,
    ),
    spec(
        "sort",
        "COL [asc|desc]",
        "sort the edges table; again flips the order",
        Group::View,
    ),
    spec(
        "rank",
        "COL",
        "order the Futures pane (sb, edge, playoffs, ...)",
        Group::View,
    ),
    spec("theme", "NAME", "switch colour theme", Group::View),
    hint(
        spec("zoom", "", "focused pane full screen, or back", Group::View),
        "zoom",
    ),
    spec(
        "markets",
        "",
        "arbitrage, middles and low hold across books, by return",
        Group::View,
    ),
    hint(spec("help", "", "keys and commands", Group::View), "help"),
    hint(
        spec("command", "", "open the : command line", Group::View),
        "cmd",
    ),
    hint(
        spec(
            "search",
            "",
            "type a filter for the focused table",
            Group::View,
        ),
        "filter",
    ),
    hint(spec("quit", "", "leave the dashboard", Group::View), "quit"),
    spec(
        "suspend",
        "",
        "suspend to the shell (fg resumes)",
        Group::View,
    ),
    spec(
        "focus",
        "PANE",
        "focus a pane by name or number",
        Group::Navigate,
    ),
    spec("next-pane", "", "focus the next pane", Group::Navigate),
    spec("prev-pane", "", "focus the previous pane", Group::Navigate),
    hint(
        spec("open", "", "details of the selected row", Group::Navigate),
        "detail",
    ),
    spec("back", "", "close the overlay or zoom", Group::Navigate),
    spec("up", "", "select the previous row", Group::Navigate),
    spec("down", "", "select the next row", Group::Navigate),
    spec("page-up", "", "one page up", Group::Navigate),
    spec("page-down", "", "one page down", Group::Navigate),
    spec("top", "", "first row", Group::Navigate),
    spec("bottom", "", "last row", Group::Navigate),
];

pub fn lookup(name: &str) -> Option<&'static CommandSpec> {
    let name = match name {
        "q" | "q!" | "exit" => "quit",
        "?" | "h" => "help",
        n => n,
    };
    REGISTRY.iter().find(|s| s.name == name)
}

/// Commands a front end may offer: everything, less the mutating ones in read-only mode.
pub fn visible(read_only: bool) -> impl Iterator<Item = &'static CommandSpec> {
    REGISTRY.iter().filter(move |s| !(read_only && s.mutating))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Odds,
    Edges,
    Sims,
    Alerts,
    Log,
    Bets,
    Books,
    Futures,
}

/// How many panes there are (per-pane state arrays are this long).
pub const PANES: usize = Pane::ALL.len();

impl Pane {
    pub const COUNT: usize = 8;
    pub const ALL: [Pane; Pane::COUNT] = [
        Pane::Odds,
        Pane::Edges,
        Pane::Sims,
        Pane::Alerts,
        Pane::Log,
        Pane::Bets,
        Pane::Books,
        Pane::Futures,
    ];

    /// The pane's number in tabs, titles and `focus N`. Numbers are fixed per pane, not
    /// positions: they never move when a pane is added.
    pub fn number(self) -> usize {
        match self {
            Pane::Odds => 1,
            Pane::Edges => 2,
            Pane::Sims => 3,
            Pane::Alerts => 4,
            Pane::Log => 5,
            Pane::Bets => 6,
            Pane::Books => 7,
            Pane::Futures => 8,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Pane::Odds => "odds",
            Pane::Edges => "edges",
            Pane::Sims => "sims",
            Pane::Alerts => "alerts",
            Pane::Log => "log",
            Pane::Bets => "bets",
            Pane::Books => "books",
            Pane::Futures => "futures",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Odds => "Odds freshness",
            Pane::Edges => "Edges",
            Pane::Sims => "Simulation",
            Pane::Alerts => "Alerts",
            Pane::Log => "Log",
            Pane::Bets => "Bets",
            Pane::Books => "Books",
            Pane::Futures => "Futures",
        }
    }

    /// The title where a row of tabs has no room for the full one.
    pub fn short_title(self) -> &'static str {
        match self {
            Pane::Odds => "Odds",
            Pane::Sims => "Sims",
            other => other.title(),
        }
    }

    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn parse(s: &str) -> Option<Pane> {
        if let Ok(n) = s.parse::<usize>() {
            return Pane::ALL.into_iter().find(|p| p.number() == n);
        }
        let s = s.to_ascii_lowercase();
        Pane::ALL
            .into_iter()
            .find(|p| p.name() == s || (s.len() >= 2 && p.name().starts_with(&s)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    Event,
    Market,
    Scope,
    Selection,
    Book,
    Price,
    Fair,
    Ev,
    Kelly,
    Stake,
    Age,
    Move,
    Kind,
}

impl SortColumn {
    pub const ALL: [SortColumn; 13] = [
        SortColumn::Event,
        SortColumn::Market,
        SortColumn::Scope,
        SortColumn::Selection,
        SortColumn::Book,
        SortColumn::Price,
        SortColumn::Fair,
        SortColumn::Ev,
        SortColumn::Kelly,
        SortColumn::Stake,
        SortColumn::Age,
        SortColumn::Move,
        SortColumn::Kind,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SortColumn::Event => "event",
            SortColumn::Market => "market",
            SortColumn::Scope => "scope",
            SortColumn::Selection => "selection",
            SortColumn::Book => "book",
            SortColumn::Price => "price",
            SortColumn::Fair => "fair",
            SortColumn::Ev => "ev",
            SortColumn::Kelly => "kelly",
            SortColumn::Stake => "stake",
            SortColumn::Age => "age",
            SortColumn::Move => "move",
            SortColumn::Kind => "kind",
        }
    }

    pub fn parse(s: &str) -> Option<SortColumn> {
        let s = s.to_ascii_lowercase();
        SortColumn::ALL.into_iter().find(|c| c.name() == s)
    }

    /// Numbers read best largest first; names alphabetically; ages freshest first.
    pub fn natural_descending(self) -> bool {
        !matches!(
            self,
            SortColumn::Event
                | SortColumn::Market
                | SortColumn::Scope
                | SortColumn::Selection
                | SortColumn::Book
                | SortColumn::Age
                | SortColumn::Kind
        )
    }
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq)]
pub enum UiCommand {
    Scan,
    Export {
        format: ExportFormat,
        path: Option<PathBuf>,
    },
    Simulate {
        iterations: Option<u32>,
    },
    IngestNow,
    Pause,
    Resume,
    Bet {
        stake: Option<f64>,
    },
    Ack {
        id: i64,
    },
    Silence {
        rule: String,
        seconds: f64,
    },
    Filter(String),
    Sort {
        column: SortColumn,
        descending: Option<bool>,
    },
    Theme(String),
    Zoom,
    Markets,
    Help,
    CommandLine,
    Search,
    Quit,
    Suspend,
    Focus(Pane),
    /// Order the Futures pane.
    Rank(crate::tui::ui::FuturesOrder),
    NextPane,
    PrevPane,
    Open,
    Back,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
}

impl UiCommand {
    /// The registry entry this command came from.
    pub fn spec(&self) -> &'static CommandSpec {
        let name = match self {
            UiCommand::Scan => "scan",
            UiCommand::Export { .. } => "export",
            UiCommand::Simulate { .. } => "simulate",
            UiCommand::IngestNow => "ingest",
            UiCommand::Pause => "pause",
            UiCommand::Resume => "resume",
            UiCommand::Bet { .. } => "bet",
            UiCommand::Ack { .. } => "ack",
            UiCommand::Silence { .. } => "silence",
            UiCommand::Filter(_) => "filter",
            UiCommand::Sort { .. } => "sort",
            UiCommand::Theme(_) => "theme",
            UiCommand::Zoom => "zoom",
            UiCommand::Markets => "markets",
            UiCommand::Help => "help",
            UiCommand::CommandLine => "command",
            UiCommand::Search => "search",
            UiCommand::Quit => "quit",
            UiCommand::Suspend => "suspend",
            UiCommand::Focus(_) => "focus",
            UiCommand::Rank(_) => "rank",
            UiCommand::NextPane => "next-pane",
            UiCommand::PrevPane => "prev-pane",
            UiCommand::Open => "open",
            UiCommand::Back => "back",
            UiCommand::Up => "up",
            UiCommand::Down => "down",
            UiCommand::PageUp => "page-up",
            UiCommand::PageDown => "page-down",
            UiCommand::Top => "top",
            UiCommand::Bottom => "bottom",
        };
        lookup(name).expect("every command has a registry entry")
    }

    /// The engine command this maps to, for the ones the engine runs.
    pub fn to_engine(&self) -> Option<Command> {
        Some(match self {
            UiCommand::Scan => Command::Scan,
            UiCommand::Export { format, path } => Command::Export {
                format: *format,
                path: path.clone(),
            },
            UiCommand::Simulate { iterations } => Command::Simulate {
                iterations: *iterations,
            },
            UiCommand::IngestNow => Command::IngestNow,
            UiCommand::Pause => Command::Pause,
            UiCommand::Resume => Command::Resume,
            UiCommand::Ack { id } => Command::Ack { id: *id },
            UiCommand::Silence { rule, seconds } => Command::Silence {
                rule: rule.clone(),
                seconds: *seconds,
            },
            _ => return None,
        })
    }
}

/// Parses one command line (without the leading `:`).
pub fn parse(line: &str) -> Result<UiCommand, String> {
    let line = line.trim().trim_start_matches(':').trim();
    let (word, rest) = match line.split_once(char::is_whitespace) {
        Some((w, r)) => (w, r.trim()),
        None => (line, ""),
    };
    if word.is_empty() {
        return Err("empty command".into());
    }
    let spec = lookup(&word.to_ascii_lowercase()).ok_or_else(|| {
        let near: Vec<&str> = REGISTRY
            .iter()
            .map(|s| s.name)
            .filter(|n| n.starts_with(&word[..1]))
            .collect();
        if near.is_empty() {
            format!("unknown command `{word}` (try :help)")
        } else {
            format!(
                "unknown command `{word}`; did you mean {}?",
                near.join(", ")
            )
        }
    })?;
    let args: Vec<&str> = rest.split_whitespace().collect();
    let usage = || format!("usage: {} {}", spec.name, spec.args);
    let no_args = |c: UiCommand| {
        if args.is_empty() {
            Ok(c)
        } else {
            Err(format!("`{}` takes no arguments", spec.name))
        }
    };
    match spec.name {
        "scan" => no_args(UiCommand::Scan),
        "export" => {
            let format = match args.first().map(|a| a.to_ascii_lowercase()).as_deref() {
                Some("csv") => ExportFormat::Csv,
                Some("json") => ExportFormat::Json,
                _ => return Err(usage()),
            };
            if args.len() > 2 {
                return Err(usage());
            }
            Ok(UiCommand::Export {
                format,
                path: args.get(1).map(PathBuf::from),
            })
        }
        "simulate" => match args.as_slice() {
            [] => Ok(UiCommand::Simulate { iterations: None }),
            [n] => n
                .replace('_', "")
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .map(|n| UiCommand::Simulate {
                    iterations: Some(n),
                })
                .ok_or_else(|| format!("simulate: `{n}` is not a positive number of iterations")),
            _ => Err(usage()),
        },
        "ingest" => match args.as_slice() {
            ["now"] => Ok(UiCommand::IngestNow),
            _ => Err(usage()),
        },
        "pause" => no_args(UiCommand::Pause),
        "resume" => no_args(UiCommand::Resume),
        "bet" => match args.as_slice() {
            [] => Ok(UiCommand::Bet { stake: None }),
            [n] => n
                .trim_start_matches('$')
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x > 0.0 && *x <= crate::edges::ledger::MAX_STAKE)
                .map(|x| UiCommand::Bet { stake: Some(x) })
                .ok_or_else(|| format!("bet: `{n}` is not a positive stake")),
            _ => Err(usage()),
        },
        "ack" => match args.as_slice() {
            [id] => id
                .trim_start_matches('#')
                .parse()
                .map(|id| UiCommand::Ack { id })
                .map_err(|_| format!("ack: `{id}` is not an alert id")),
            _ => Err(usage()),
        },
        "silence" => match args.as_slice() {
            [rule, dur] => {
                let d = parse_bounded(dur, MAX_SILENCE).map_err(|e| format!("silence: {e}"))?;
                if d.is_zero() {
                    return Err("silence: the duration must be above zero".into());
                }
                Ok(UiCommand::Silence {
                    rule: rule.to_string(),
                    seconds: d.as_secs_f64(),
                })
            }
            _ => Err(usage()),
        },
        "filter" => Ok(UiCommand::Filter(rest.to_string())),
        "rank" => match args.as_slice() {
            [c] => crate::tui::ui::FuturesOrder::parse(c)
                .map(UiCommand::Rank)
                .ok_or_else(|| {
                    format!(
                        "rank: choose one of {}",
                        crate::tui::ui::FuturesOrder::ALL
                            .map(|o| o.name())
                            .join(" ")
                    )
                }),
            _ => Err(usage()),
        },
        "sort" => {
            let column = args
                .first()
                .and_then(|c| SortColumn::parse(c))
                .ok_or_else(|| {
                    format!(
                        "sort: choose one of {}",
                        SortColumn::ALL.map(|c| c.name()).join(" ")
                    )
                })?;
            let descending = match args.get(1).map(|a| a.to_ascii_lowercase()).as_deref() {
                None => None,
                Some("desc") => Some(true),
                Some("asc") => Some(false),
                Some(_) => return Err(usage()),
            };
            if args.len() > 2 {
                return Err(usage());
            }
            Ok(UiCommand::Sort { column, descending })
        }
        "theme" => match args.as_slice() {
            [name] => Ok(UiCommand::Theme(name.to_string())),
            _ => Err(usage()),
        },
        "focus" => match args.as_slice() {
            [p] => Pane::parse(p)
                .map(UiCommand::Focus)
                .ok_or_else(|| format!("focus: unknown pane `{p}`")),
            _ => Err(usage()),
        },
        "zoom" => no_args(UiCommand::Zoom),
        "markets" => no_args(UiCommand::Markets),
        "help" => no_args(UiCommand::Help),
        "command" => no_args(UiCommand::CommandLine),
        "search" => no_args(UiCommand::Search),
        "quit" => no_args(UiCommand::Quit),
        "suspend" => no_args(UiCommand::Suspend),
        "next-pane" => no_args(UiCommand::NextPane),
        "prev-pane" => no_args(UiCommand::PrevPane),
        "open" => no_args(UiCommand::Open),
        "back" => no_args(UiCommand::Back),
        "up" => no_args(UiCommand::Up),
        "down" => no_args(UiCommand::Down),
        "page-up" => no_args(UiCommand::PageUp),
        "page-down" => no_args(UiCommand::PageDown),
        "top" => no_args(UiCommand::Top),
        "bottom" => no_args(UiCommand::Bottom),
        other => Err(format!("`{other}` is registered but has no parser")),
    }
}

/// What completion may offer beyond the registry: names that live in the snapshot or config.
#[derive(Debug, Clone, Default)]
pub struct CompletionContext {
    pub read_only: bool,
    pub themes: Vec<String>,
    pub rules: Vec<String>,
    pub alert_ids: Vec<i64>,
}

/// Candidate completions of the whole line, in registry order. The caller shows them and Tab
/// takes the first (or cycles).
pub fn complete(line: &str, ctx: &CompletionContext) -> Vec<String> {
    let trailing_space = line.ends_with(' ');
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.is_empty() || (words.len() == 1 && !trailing_space) {
        let prefix = words.first().copied().unwrap_or("");
        return visible(ctx.read_only)
            .filter(|s| s.name.starts_with(prefix))
            .map(|s| s.name.to_string())
            .collect();
    }
    let Some(spec) = lookup(words[0]).filter(|s| !(ctx.read_only && s.mutating)) else {
        return Vec::new();
    };
    let arg_index = if trailing_space {
        words.len() - 1
    } else {
        words.len() - 2
    };
    let prefix = if trailing_space {
        ""
    } else {
        words[words.len() - 1]
    };
    let options: Vec<String> = match (spec.name, arg_index) {
        ("export", 0) => vec!["csv".into(), "json".into()],
        ("ingest", 0) => vec!["now".into()],
        ("sort", 0) => SortColumn::ALL
            .iter()
            .map(|c| c.name().to_string())
            .collect(),
        ("sort", 1) => vec!["asc".into(), "desc".into()],
        ("rank", 0) => crate::tui::ui::FuturesOrder::ALL
            .iter()
            .map(|o| o.name().to_string())
            .collect(),
        ("theme", 0) => ctx.themes.clone(),
        ("focus", 0) => Pane::ALL.iter().map(|p| p.name().to_string()).collect(),
        ("silence", 0) => ctx.rules.clone(),
        ("silence", 1) => vec!["15m".into(), "1h".into(), "4h".into()],
        ("ack", 0) => ctx.alert_ids.iter().map(|i| i.to_string()).collect(),
        ("simulate", 0) => vec!["5000".into(), "20000".into()],
        _ => Vec::new(),
    };
    let head = words[..=arg_index].join(" ");
    options
        .into_iter()
        .filter(|o| o.starts_with(prefix))
        .map(|o| format!("{head} {o}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_commands_parse_and_map_to_engine_commands() {
        let cases: Vec<(&str, Command)> = vec![
            ("scan", Command::Scan),
            (":scan", Command::Scan),
            (
                "export csv",
                Command::Export {
                    format: ExportFormat::Csv,
                    path: None,
                },
            ),
            (
                "export JSON out/edges.json",
                Command::Export {
                    format: ExportFormat::Json,
                    path: Some("out/edges.json".into()),
                },
            ),
            ("simulate", Command::Simulate { iterations: None }),
            (
                "simulate 20_000",
                Command::Simulate {
                    iterations: Some(20_000),
                },
            ),
            ("ingest now", Command::IngestNow),
            ("pause", Command::Pause),
            ("resume", Command::Resume),
            ("ack #42", Command::Ack { id: 42 }),
            (
                "silence stalled 1h30m",
                Command::Silence {
                    rule: "stalled".into(),
                    seconds: 5400.0,
                },
            ),
        ];
        for (line, want) in cases {
            let cmd = parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(cmd.to_engine(), Some(want), "{line}");
        }
    }

    /// Issue 13, item 1: `:silence RULE 1e30` panicked in `Duration::from_secs_f64`.
    #[test]
    fn bad_durations_in_silence_are_errors_not_panics() {
        for line in [
            "silence stalled 1e30",
            "silence stalled 1e300s",
            "silence stalled 31d",
        ] {
            let e = parse(line).expect_err(line);
            assert!(e.contains("silence"), "{line}: {e}");
        }
        assert!(parse("silence stalled 30d").is_ok());
    }

    #[test]
    fn view_commands_parse_and_stay_local() {
        assert_eq!(
            parse("filter book=pinnacle ev>0.03").unwrap(),
            UiCommand::Filter("book=pinnacle ev>0.03".into())
        );
        assert_eq!(parse("filter").unwrap(), UiCommand::Filter(String::new()));
        assert_eq!(
            parse("sort ev").unwrap(),
            UiCommand::Sort {
                column: SortColumn::Ev,
                descending: None
            }
        );
        assert_eq!(
            parse("sort age asc").unwrap(),
            UiCommand::Sort {
                column: SortColumn::Age,
                descending: Some(false)
            }
        );
        assert_eq!(
            parse("theme mono").unwrap(),
            UiCommand::Theme("mono".into())
        );
        assert_eq!(parse("focus 2").unwrap(), UiCommand::Focus(Pane::Edges));
        assert_eq!(
            parse("focus alerts").unwrap(),
            UiCommand::Focus(Pane::Alerts)
        );
        assert_eq!(parse("q").unwrap(), UiCommand::Quit);
        assert_eq!(parse("  help ").unwrap(), UiCommand::Help);
        for c in [
            UiCommand::Zoom,
            UiCommand::Quit,
            UiCommand::Filter("x".into()),
            UiCommand::Theme("x".into()),
        ] {
            assert_eq!(c.to_engine(), None);
        }
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        let err = |l: &str| parse(l).unwrap_err();
        assert!(err("").contains("empty"));
        assert!(err("scna").contains("did you mean scan"), "{}", err("scna"));
        assert!(err("zzz").contains("unknown command `zzz`"));
        assert_eq!(err("export xml"), "usage: export csv|json [PATH]");
        assert!(err("simulate -5").contains("not a positive"));
        assert!(err("simulate 0").contains("not a positive"));
        assert_eq!(err("ingest later"), "usage: ingest now");
        assert!(err("ack abc").contains("not an alert id"));
        assert!(err("silence stalled soon").contains("bad duration"));
        assert!(err("silence stalled 0s").contains("above zero"));
        assert!(err("sort colour").contains("choose one of"));
        assert!(err("scan now").contains("takes no arguments"));
        assert!(err("focus 9").contains("unknown pane"));
    }

    #[test]
    fn mutating_commands_are_flagged_and_dangerous_ones_confirm() {
        for name in ["pause", "ingest", "silence"] {
            let s = lookup(name).unwrap();
            assert!(s.mutating && s.confirm.is_some(), "{name}");
        }
        for name in ["resume", "ack"] {
            assert!(lookup(name).unwrap().mutating);
        }
        assert!(!lookup("scan").unwrap().mutating);
        let ro: Vec<&str> = visible(true).map(|s| s.name).collect();
        assert!(!ro.contains(&"pause") && !ro.contains(&"silence") && ro.contains(&"scan"));
    }

    #[test]
    fn every_registry_entry_parses_from_its_name_or_usage() {
        for s in REGISTRY {
            let line = match s.name {
                "export" => "export csv".to_string(),
                "ingest" => "ingest now".into(),
                "ack" => "ack 1".into(),
                "silence" => "silence r 1m".into(),
                "sort" => "sort ev".into(),
                "theme" => "theme mono".into(),
                "focus" => "focus 1".into(),
                "rank" => "rank sb".into(),
                n => n.to_string(),
            };
            let cmd = parse(&line).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(cmd.spec().name, s.name);
        }
    }

    #[test]
    fn completion_offers_names_then_arguments_and_hides_mutating_in_read_only() {
        let ctx = CompletionContext {
            read_only: false,
            themes: vec!["default".into(), "mono".into()],
            rules: vec!["stalled".into()],
            alert_ids: vec![7],
        };
        assert_eq!(
            complete("s", &ctx),
            ["scan", "simulate", "silence", "sort", "search", "suspend"]
        );
        assert_eq!(complete("ex", &ctx), ["export"]);
        assert_eq!(complete("export ", &ctx), ["export csv", "export json"]);
        assert_eq!(complete("export j", &ctx), ["export json"]);
        assert_eq!(complete("theme m", &ctx), ["theme mono"]);
        assert_eq!(complete("sort ev ", &ctx), ["sort ev asc", "sort ev desc"]);
        assert_eq!(complete("silence ", &ctx), ["silence stalled"]);
        assert_eq!(complete("ack ", &ctx), ["ack 7"]);
        let ro = CompletionContext {
            read_only: true,
            ..ctx
        };
        assert_eq!(
            complete("s", &ro),
            ["scan", "simulate", "sort", "search", "suspend"]
        );
        assert_eq!(complete("pa", &ro), ["page-up", "page-down"]);
        assert!(complete("pau", &ro).is_empty());
        assert!(complete("silence ", &ro).is_empty());
    }
}
