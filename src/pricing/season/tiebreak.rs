//! Division ranks and conference ranks by the NFL's tiebreaking procedures
//! (<https://www.nfl.com/standings/tie-breaking-procedures>), for every club, not only the
//! playoff ones (ranks 8-16 order the rest by the wild-card rules, as nflseedR does).
//!
//! Division ties: head-to-head, division record, common games, conference record, strength of
//! victory, strength of schedule, combined points ranking in the conference then the league,
//! net points in common games, net points in all games, then a coin toss. Whenever a step
//! separates the clubs, every club it leaves tied with others starts again from the first step
//! among those clubs only (the NFL's restart: a three-club tie that loses one club reverts to
//! the two-club procedure).
//!
//! Conference ranks: division winners first (seeds 1-4), then the rest. Clubs tied on win
//! percentage from one division are ordered by their division rank; otherwise only the
//! highest-ranked club of each division stays in, and one club is picked by head-to-head (a
//! sweep for three or more), conference record, common games (minimum four), strength of
//! victory and of schedule, the points rankings, net points in conference games and in all
//! games, then a coin toss, restarting whenever a step eliminates a club. The winner takes the
//! rank and the procedure repeats for the next one.
//!
//! Net touchdowns (the step before the coin toss in both procedures) need touchdown counts the
//! games file does not hold, so it is skipped: the coin toss follows net points.

use super::standings::{bits, Standings};
use super::MAX_TEAMS;
use rand::RngCore;
use serde::Serialize;

/// A tiebreaking step; its name is the one nflseedR writes in `*_tie_broken_by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Step {
    HeadToHead,
    HeadToHeadSweep,
    DivisionRecord,
    CommonGames,
    ConferenceRecord,
    StrengthOfVictory,
    StrengthOfSchedule,
    ConferencePointsRank,
    LeaguePointsRank,
    CommonNetPoints,
    ConferenceNetPoints,
    NetPoints,
    LeagueNetPoints,
    DivisionTiebreaker,
    CoinToss,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::HeadToHead => "Head-To-Head Win PCT",
            Step::HeadToHeadSweep => "Head-To-Head Sweep",
            Step::DivisionRecord => "Division Win PCT",
            Step::CommonGames => "Common Games Win PCT",
            Step::ConferenceRecord => "Conference Win PCT",
            Step::StrengthOfVictory => "SOV",
            Step::StrengthOfSchedule => "SOS",
            Step::ConferencePointsRank => "Conference Points Rank",
            Step::LeaguePointsRank => "League Points Rank",
            Step::CommonNetPoints => "Common Games Point Differential",
            Step::ConferenceNetPoints => "Conference Point Differential",
            Step::NetPoints => "Point Differential",
            Step::LeagueNetPoints => "League Point Differential",
            Step::DivisionTiebreaker => "Division Tiebreaker",
            Step::CoinToss => "Coin Toss",
        }
    }
}

/// The step that decided a club's place and how many clubs were tied when it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Decided {
    pub step: Step,
    pub clubs: u8,
}

impl std::fmt::Display for Decided {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.step {
            Step::DivisionTiebreaker | Step::CoinToss => f.write_str(self.step.name()),
            s => write!(f, "{} ({})", s.name(), self.clubs),
        }
    }
}

const DIVISION_STEPS: [Step; 10] = [
    Step::HeadToHead,
    Step::DivisionRecord,
    Step::CommonGames,
    Step::ConferenceRecord,
    Step::StrengthOfVictory,
    Step::StrengthOfSchedule,
    Step::ConferencePointsRank,
    Step::LeaguePointsRank,
    Step::CommonNetPoints,
    Step::NetPoints,
];

const WILD_CARD_STEPS: [Step; 9] = [
    Step::HeadToHeadSweep,
    Step::ConferenceRecord,
    Step::CommonGames,
    Step::StrengthOfVictory,
    Step::StrengthOfSchedule,
    Step::ConferencePointsRank,
    Step::LeaguePointsRank,
    Step::ConferenceNetPoints,
    Step::LeagueNetPoints,
];

/// Common games count in a wild-card tie only with at least this many per club.
const WILD_CARD_MIN_COMMON: u32 = 4;

/// Every club's division rank and conference rank (1-based), the deciding step of each, and
/// the conference order (`order[conf][rank - 1]` = team).
#[derive(Debug, Clone)]
pub struct SeasonRanks {
    pub div_rank: [u8; MAX_TEAMS],
    pub conf_rank: [u8; MAX_TEAMS],
    pub div_decided: [Option<Decided>; MAX_TEAMS],
    pub conf_decided: [Option<Decided>; MAX_TEAMS],
    pub order: [[u8; MAX_TEAMS]; 2],
}

impl SeasonRanks {
    /// The team at conference rank `rank` (1-based).
    pub fn seed(&self, conf: usize, rank: usize) -> usize {
        self.order[conf][rank - 1] as usize
    }
}

/// Ranks every division and conference of a season; `coin` settles what no step does.
pub fn rank_season(st: &Standings, coin: &mut impl RngCore) -> SeasonRanks {
    let sched = st.schedule();
    let mut out = SeasonRanks {
        div_rank: [0; MAX_TEAMS],
        conf_rank: [0; MAX_TEAMS],
        div_decided: [None; MAX_TEAMS],
        conf_decided: [None; MAX_TEAMS],
        order: [[0; MAX_TEAMS]; 2],
    };
    for &div in sched.division_masks() {
        let mut rank = 0u8;
        order_division(st, div, coin, &mut |t, d| {
            rank += 1;
            out.div_rank[t] = rank;
            out.div_decided[t] = d;
        });
    }
    for conf in 0..2 {
        let mut rank = 0u8;
        let mask = sched.conference_mask(conf);
        let div_rank = out.div_rank;
        let mut order = [0u8; MAX_TEAMS];
        seed_conference(st, mask, &div_rank, coin, &mut |t, d| {
            order[rank as usize] = t as u8;
            rank += 1;
            out.conf_rank[t] = rank;
            out.conf_decided[t] = d;
        });
        out.order[conf] = order;
    }
    out
}

type Push<'p> = dyn FnMut(usize, Option<Decided>) + 'p;

fn order_division(st: &Standings, div: u32, coin: &mut impl RngCore, push: &mut Push) {
    let pct = per_team(div, |t| st.win_pct(t));
    let mut rest = div;
    while rest != 0 {
        let level = top_level(&pct, rest);
        rest &= !level;
        if level.count_ones() == 1 {
            push(level.trailing_zeros() as usize, None);
        } else {
            break_division_tie(st, level, coin, push);
        }
    }
}

/// Orders clubs of one division tied on win percentage.
fn break_division_tie(st: &Standings, group: u32, coin: &mut impl RngCore, push: &mut Push) {
    let clubs = group.count_ones() as u8;
    for step in DIVISION_STEPS {
        let Some(key) = keys(st, step, group) else {
            continue;
        };
        let mut rest = group;
        let first = top_level(&key, rest);
        if first == group {
            continue;
        }
        while rest != 0 {
            let level = top_level(&key, rest);
            rest &= !level;
            if level.count_ones() == 1 {
                push(
                    level.trailing_zeros() as usize,
                    Some(Decided { step, clubs }),
                );
            } else {
                break_division_tie(st, level, coin, push);
            }
        }
        return;
    }
    let mut rest = group;
    while rest != 0 {
        let t = toss(rest, coin);
        rest &= !(1 << t);
        push(
            t,
            Some(Decided {
                step: Step::CoinToss,
                clubs,
            }),
        );
    }
}

/// Conference ranks 1..=n: division winners, then everyone else, one rank at a time.
fn seed_conference(
    st: &Standings,
    conf: u32,
    div_rank: &[u8; MAX_TEAMS],
    coin: &mut impl RngCore,
    push: &mut Push,
) {
    let winners = bits(conf)
        .filter(|&t| div_rank[t] == 1)
        .fold(0u32, |m, t| m | 1 << t);
    let pct = per_team(conf, |t| st.win_pct(t));
    for mut pool in [winners, conf & !winners] {
        while pool != 0 {
            let level = top_level(&pct, pool);
            if level.count_ones() == 1 {
                push(level.trailing_zeros() as usize, None);
                pool &= !level;
                continue;
            }
            if one_division(st, level).is_some() {
                let mut order: Vec<usize> = bits(level).collect();
                order.sort_by_key(|&t| div_rank[t]);
                for t in order {
                    push(
                        t,
                        Some(Decided {
                            step: Step::DivisionTiebreaker,
                            clubs: level.count_ones() as u8,
                        }),
                    );
                }
                pool &= !level;
                continue;
            }
            let (t, d) = pick_one(st, best_per_division(st, level, div_rank), coin);
            push(t, Some(d));
            pool &= !(1 << t);
        }
    }
}

/// The one club of `cands` (from different divisions) that takes the next conference rank.
fn pick_one(st: &Standings, mut cands: u32, coin: &mut impl RngCore) -> (usize, Decided) {
    'restart: loop {
        let clubs = cands.count_ones() as u8;
        if clubs == 1 {
            // Callers pass clubs of two divisions or more, and a restart keeps two or more:
            // this arm only keeps a bad call from looping.
            return (
                cands.trailing_zeros() as usize,
                Decided {
                    step: Step::CoinToss,
                    clubs,
                },
            );
        }
        for step in WILD_CARD_STEPS {
            let Some(key) = keys(st, step, cands) else {
                continue;
            };
            let level = top_level(&key, cands);
            if level.count_ones() == 1 {
                return (level.trailing_zeros() as usize, Decided { step, clubs });
            }
            if level != cands {
                cands = level;
                continue 'restart;
            }
        }
        return (
            toss(cands, coin),
            Decided {
                step: Step::CoinToss,
                clubs,
            },
        );
    }
}

/// Each step's figure for every club of `group` (higher is better); `None` when the step does
/// not apply to this group (no head-to-head games between two clubs, or fewer than four common
/// games in a wild-card tie).
fn keys(st: &Standings, step: Step, group: u32) -> Option<[f64; MAX_TEAMS]> {
    let sched = st.schedule();
    let n = group.count_ones();
    let common = || bits(group).fold(u32::MAX, |m, t| m & sched.opponents(t)) & !group;
    let key = match step {
        Step::HeadToHead => per_team(group, |t| {
            let (w2, g, _) = st.against(t, group & !(1 << t));
            pct(w2, g)
        }),
        Step::HeadToHeadSweep if n == 2 => {
            let t = group.trailing_zeros() as usize;
            let (_, g, _) = st.against(t, group & !(1 << t));
            if g == 0 {
                return None;
            }
            per_team(group, |t| {
                let (w2, g, _) = st.against(t, group & !(1 << t));
                pct(w2, g)
            })
        }
        Step::HeadToHeadSweep => per_team(group, |t| sweep(st, t, group & !(1 << t))),
        Step::DivisionRecord => per_team(group, |t| st.div_pct(t)),
        Step::ConferenceRecord => per_team(group, |t| st.conf_pct(t)),
        Step::CommonGames => {
            let common = common();
            let wild_card = one_division(st, group).is_none();
            let mut short = false;
            let key = per_team(group, |t| {
                let (w2, g, _) = st.against(t, common);
                short |= wild_card && g < WILD_CARD_MIN_COMMON;
                pct(w2, g)
            });
            if short {
                return None;
            }
            key
        }
        Step::StrengthOfVictory => per_team(group, |t| st.sov(t)),
        Step::StrengthOfSchedule => per_team(group, |t| st.sos(t)),
        Step::ConferencePointsRank => per_team(group, |t| {
            let conf = sched.conference_mask(sched.clubs[t].conf as usize);
            -f64::from(st.points_rank(t, conf))
        }),
        Step::LeaguePointsRank => {
            let all = all_teams(sched.len());
            per_team(group, |t| -f64::from(st.points_rank(t, all)))
        }
        Step::CommonNetPoints => {
            let common = common();
            per_team(group, |t| st.against(t, common).2 as f64)
        }
        Step::ConferenceNetPoints => per_team(group, |t| st.conf_net_points(t) as f64),
        Step::NetPoints | Step::LeagueNetPoints => per_team(group, |t| st.net_points(t) as f64),
        Step::DivisionTiebreaker | Step::CoinToss => return None,
    };
    Some(key)
}

/// 1 when `t` beat every club of `others` (having played each), 0 when it lost to every one,
/// otherwise one half: a sweep either way or nothing.
fn sweep(st: &Standings, t: usize, others: u32) -> f64 {
    if st.schedule().opponents(t) & others != others {
        return 0.5;
    }
    let (w2, g, _) = st.against(t, others);
    if w2 == 2 * g {
        1.0
    } else if w2 == 0 {
        0.0
    } else {
        0.5
    }
}

fn pct(w2: u32, games: u32) -> f64 {
    if games == 0 {
        0.0
    } else {
        f64::from(w2) / f64::from(2 * games)
    }
}

fn all_teams(n: usize) -> u32 {
    if n >= 32 {
        u32::MAX
    } else {
        (1u32 << n) - 1
    }
}

/// The division every club of `group` is in, if they share one.
fn one_division(st: &Standings, group: u32) -> Option<u8> {
    let clubs = &st.schedule().clubs;
    let first = clubs[group.trailing_zeros() as usize].div;
    bits(group).all(|t| clubs[t].div == first).then_some(first)
}

/// The highest-ranked club of each division present in `group`.
fn best_per_division(st: &Standings, group: u32, div_rank: &[u8; MAX_TEAMS]) -> u32 {
    let clubs = &st.schedule().clubs;
    bits(group)
        .filter(|&t| {
            bits(group).all(|o| clubs[o].div != clubs[t].div || div_rank[o] >= div_rank[t])
        })
        .fold(0, |m, t| m | 1 << t)
}

fn per_team(group: u32, mut f: impl FnMut(usize) -> f64) -> [f64; MAX_TEAMS] {
    let mut out = [0.0; MAX_TEAMS];
    for t in bits(group) {
        out[t] = f(t);
    }
    out
}

/// The clubs of `mask` sharing the highest key.
fn top_level(key: &[f64; MAX_TEAMS], mask: u32) -> u32 {
    let best = bits(mask).map(|t| key[t]).fold(f64::NEG_INFINITY, f64::max);
    bits(mask)
        .filter(|&t| key[t] == best)
        .fold(0, |m, t| m | 1 << t)
}

/// A seeded coin toss among the clubs of `mask`: one draw each, the highest wins.
fn toss(mask: u32, coin: &mut impl RngCore) -> usize {
    let mut best: Option<(u32, usize)> = None;
    for t in bits(mask) {
        let d = coin.next_u32();
        if best.is_none_or(|(b, _)| d > b) {
            best = Some((d, t));
        }
    }
    best.map_or(0, |(_, t)| t)
}
