//! Records from a season's scores and the figures the tiebreakers compare. Wins are counted in
//! half-wins (a tie is one, a win two), so every percentage is a ratio of integers and two equal
//! percentages are equal to the bit: no tolerance decides a tie.

use super::schedule::SeasonSchedule;
use super::MAX_TEAMS;

/// One club's regular season.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Record {
    /// Half-wins: two per win, one per tie.
    pub w2: u32,
    pub games: u32,
    pub ties: u32,
    pub div_w2: u32,
    pub div_games: u32,
    pub conf_w2: u32,
    pub conf_games: u32,
    pub pf: u32,
    pub pa: u32,
    /// Net points in conference games.
    pub conf_pd: i32,
}

impl Record {
    pub fn wins(&self) -> u32 {
        (self.w2 - self.ties) / 2
    }

    pub fn losses(&self) -> u32 {
        self.games - self.wins() - self.ties
    }
}

/// Half-wins of `score` (own, other) for the own side.
#[inline]
pub fn half_wins(own: u8, other: u8) -> u32 {
    match own.cmp(&other) {
        std::cmp::Ordering::Greater => 2,
        std::cmp::Ordering::Equal => 1,
        std::cmp::Ordering::Less => 0,
    }
}

/// The standings of a season under one set of scores (`scores[g]` = (home, away) of game `g`).
#[derive(Debug, Clone)]
pub struct Standings<'a> {
    sched: &'a SeasonSchedule,
    scores: &'a [(u8, u8)],
    records: [Record; MAX_TEAMS],
}

impl<'a> Standings<'a> {
    pub fn new(sched: &'a SeasonSchedule, scores: &'a [(u8, u8)]) -> Standings<'a> {
        let mut records = [Record::default(); MAX_TEAMS];
        for (g, f) in sched.games.iter().enumerate() {
            let (hs, as_) = scores[g];
            let (h, a) = (f.home as usize, f.away as usize);
            let (ch, ca) = (&sched.clubs[h], &sched.clubs[a]);
            let div = ch.div == ca.div;
            let conf = ch.conf == ca.conf;
            for (t, own, other) in [(h, hs, as_), (a, as_, hs)] {
                let r = &mut records[t];
                let w = half_wins(own, other);
                r.w2 += w;
                r.games += 1;
                r.ties += u32::from(w == 1);
                r.pf += u32::from(own);
                r.pa += u32::from(other);
                if div {
                    r.div_w2 += w;
                    r.div_games += 1;
                }
                if conf {
                    r.conf_w2 += w;
                    r.conf_games += 1;
                    r.conf_pd += i32::from(own) - i32::from(other);
                }
            }
        }
        Standings {
            sched,
            scores,
            records,
        }
    }

    pub fn schedule(&self) -> &SeasonSchedule {
        self.sched
    }

    pub fn record(&self, t: usize) -> &Record {
        &self.records[t]
    }

    pub fn win_pct(&self, t: usize) -> f64 {
        let r = &self.records[t];
        ratio(r.w2, 2 * r.games)
    }

    pub fn div_pct(&self, t: usize) -> f64 {
        let r = &self.records[t];
        ratio(r.div_w2, 2 * r.div_games)
    }

    pub fn conf_pct(&self, t: usize) -> f64 {
        let r = &self.records[t];
        ratio(r.conf_w2, 2 * r.conf_games)
    }

    /// Net points in all games.
    pub fn net_points(&self, t: usize) -> i64 {
        let r = &self.records[t];
        i64::from(r.pf) - i64::from(r.pa)
    }

    pub fn conf_net_points(&self, t: usize) -> i64 {
        i64::from(self.records[t].conf_pd)
    }

    /// (half-wins, games, net points) of `t` against the teams in `opps`.
    pub fn against(&self, t: usize, opps: u32) -> (u32, u32, i64) {
        let mut out = (0, 0, 0i64);
        for s in self.sched.slots(t) {
            if opps & (1 << s.opp) == 0 {
                continue;
            }
            let (own, other) = self.side(s.game as usize, s.home);
            out.0 += half_wins(own, other);
            out.1 += 1;
            out.2 += i64::from(own) - i64::from(other);
        }
        out
    }

    /// Strength of victory: the combined win percentage of the opponents `t` beat (one entry per
    /// win, so a team beaten twice counts twice); 0 with no wins.
    pub fn sov(&self, t: usize) -> f64 {
        self.opponents_pct(t, true)
    }

    /// Strength of schedule: the combined win percentage of every opponent, per game.
    pub fn sos(&self, t: usize) -> f64 {
        self.opponents_pct(t, false)
    }

    fn opponents_pct(&self, t: usize, wins_only: bool) -> f64 {
        let (mut w2, mut games) = (0u32, 0u32);
        for s in self.sched.slots(t) {
            if wins_only {
                let (own, other) = self.side(s.game as usize, s.home);
                if own <= other {
                    continue;
                }
            }
            let o = &self.records[s.opp as usize];
            w2 += o.w2;
            games += 2 * o.games;
        }
        ratio(w2, games)
    }

    /// The combined ranking in points scored and points allowed among the teams of `among`
    /// (1 + the number of teams strictly better, for each; lower is better).
    pub fn points_rank(&self, t: usize, among: u32) -> u32 {
        let me = &self.records[t];
        let (mut scored, mut allowed) = (1, 1);
        for o in bits(among) {
            let r = &self.records[o];
            scored += u32::from(r.pf > me.pf);
            allowed += u32::from(r.pa < me.pa);
        }
        scored + allowed
    }

    fn side(&self, game: usize, home: bool) -> (u8, u8) {
        let (h, a) = self.scores[game];
        if home {
            (h, a)
        } else {
            (a, h)
        }
    }
}

/// `num / den`, 0 when there is nothing to divide.
fn ratio(num: u32, den: u32) -> f64 {
    if den == 0 {
        0.0
    } else {
        f64::from(num) / f64::from(den)
    }
}

/// The set bits of a mask, lowest first.
pub fn bits(mut mask: u32) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if mask == 0 {
            return None;
        }
        let i = mask.trailing_zeros() as usize;
        mask &= mask - 1;
        Some(i)
    })
}
