//! The tiebreaker oracle: standings computed from `data/games.csv` results must reproduce every
//! division rank and conference rank of 2008-2023 in nflseedR's snapshot
//! (`data/standings/`, MIT), and name the same deciding step.

use nflreadpy_betting::pricing::games::load_games;
use nflreadpy_betting::pricing::season::league::League;
use nflreadpy_betting::pricing::season::{rank_season, SeasonSchedule, Standings};
use rand::SeedableRng;
use std::collections::HashMap;

const GAMES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv");
const ORACLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/standings/nflseedR_standings_2008_2023.csv"
);

/// One row of the oracle, by (season, team).
#[derive(Debug)]
struct Expected {
    wins: f64,
    losses: u32,
    ties: u32,
    pf: u32,
    pa: u32,
    sov: f64,
    sos: f64,
    div_rank: u8,
    div_by: String,
    conf_rank: u8,
    conf_by: String,
}

fn oracle() -> HashMap<(i32, String), Expected> {
    let mut rdr = csv::Reader::from_path(ORACLE).unwrap();
    let h = rdr.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let c = [
        "season",
        "team",
        "wins",
        "losses",
        "ties",
        "pf",
        "pa",
        "sov",
        "sos",
        "div_rank",
        "div_tie_broken_by",
        "conf_rank",
        "conf_tie_broken_by",
    ]
    .map(col);
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            let f = |i: usize| r.get(c[i]).unwrap().to_string();
            (
                (f(0).parse().unwrap(), f(1)),
                Expected {
                    wins: f(2).parse().unwrap(),
                    losses: f(3).parse().unwrap(),
                    ties: f(4).parse().unwrap(),
                    pf: f(5).parse().unwrap(),
                    pa: f(6).parse().unwrap(),
                    sov: f(7).parse().unwrap(),
                    sos: f(8).parse().unwrap(),
                    div_rank: f(9).parse().unwrap(),
                    div_by: f(10),
                    conf_rank: f(11).parse().unwrap(),
                    conf_by: f(12),
                },
            )
        })
        .collect()
}

#[test]
fn reproduces_every_division_and_conference_rank_2008_2023() {
    let games = load_games(GAMES).unwrap();
    let expected = oracle();
    assert_eq!(expected.len(), 512);
    let league = League::embedded();
    let mut misses = Vec::new();
    let (mut ranks_ok, mut steps_ok, mut rows) = (0, 0, 0);
    for season in 2008..=2023 {
        let sched = SeasonSchedule::build(&games, season, &league, |_| true).unwrap();
        assert_eq!(sched.len(), 32, "{season}");
        let scores: Vec<(u8, u8)> = sched.games.iter().map(|g| g.result.unwrap()).collect();
        let st = Standings::new(&sched, &scores);
        // The seed never matters here: no 2008-2023 tie reached a coin toss.
        let mut coin = rand_pcg::Pcg64Mcg::seed_from_u64(season as u64);
        let ranks = rank_season(&st, &mut coin);
        for (t, club) in sched.clubs.iter().enumerate() {
            let e = &expected[&(season, club.code.clone())];
            rows += 1;
            let r = st.record(t);
            let who = format!("{season} {}", club.code);
            assert_eq!(f64::from(r.w2) / 2.0, e.wins, "{who} wins");
            assert_eq!(
                (r.losses(), r.ties),
                (e.losses, e.ties),
                "{who} losses, ties"
            );
            assert_eq!((r.pf, r.pa), (e.pf, e.pa), "{who} points");
            assert!((st.sov(t) - e.sov).abs() < 1e-7, "{who} sov {}", st.sov(t));
            assert!((st.sos(t) - e.sos).abs() < 1e-7, "{who} sos {}", st.sos(t));
            let got = (ranks.div_rank[t], ranks.conf_rank[t]);
            if got == (e.div_rank, e.conf_rank) {
                ranks_ok += 1;
            }
            let by = |d: Option<_>| {
                d.map(|d: nflreadpy_betting::pricing::season::Decided| d.to_string())
            };
            let got_by = (
                by(ranks.div_decided[t]).unwrap_or_default(),
                by(ranks.conf_decided[t]).unwrap_or_default(),
            );
            if got_by == (e.div_by.clone(), e.conf_by.clone()) {
                steps_ok += 1;
            }
            if got != (e.div_rank, e.conf_rank) || got_by != (e.div_by.clone(), e.conf_by.clone()) {
                misses.push(format!(
                    "{who}: div {} by {:?} (oracle {} by {:?}), conf {} by {:?} (oracle {} by {:?})",
                    got.0, got_by.0, e.div_rank, e.div_by, got.1, got_by.1, e.conf_rank, e.conf_by
                ));
            }
        }
    }
    assert_eq!(rows, 512);
    eprintln!("tiebreaker oracle: ranks {ranks_ok}/512, deciding steps {steps_ok}/512");
    assert!(
        misses.is_empty(),
        "ranks {ranks_ok}/512, steps {steps_ok}/512; misses:\n{}",
        misses.join("\n")
    );
}
