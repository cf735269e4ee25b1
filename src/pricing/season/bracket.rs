//! The playoff bracket: 7 seeds per conference since 2020 (the 1 seed has the only bye), 6
//! before (seeds 1 and 2 rest). Every round re-seeds: the best remaining seed plays the worst,
//! the higher seed at home; the Super Bowl is at a neutral site.

use super::MAX_TEAMS;
use rand::RngCore;

/// Rounds reached, stored per club: 0 missed the playoffs, 1 made them (wild-card round or a
/// bye), 2 divisional round, 3 conference championship, 4 Super Bowl, 5 won it.
pub const MADE_PLAYOFFS: u8 = 1;
pub const DIVISIONAL: u8 = 2;
pub const CONFERENCE_GAME: u8 = 3;
pub const SUPER_BOWL: u8 = 4;
pub const CHAMPION: u8 = 5;

/// Win chances of every possible playoff pairing as `u32` thresholds: the home side wins a draw
/// `u` when `u < threshold` (a playoff game cannot end tied).
#[derive(Debug, Clone)]
pub struct PlayoffOdds {
    n: usize,
    home: Vec<u32>,
    neutral: Vec<u32>,
}

impl PlayoffOdds {
    /// `win(home, away, neutral)` is the home (or first-named) side's chance.
    pub fn new(n: usize, win: impl Fn(usize, usize, bool) -> f64) -> PlayoffOdds {
        let grid = |neutral: bool| {
            (0..n * n)
                .map(|i| threshold(win(i / n, i % n, neutral)))
                .collect()
        };
        PlayoffOdds {
            n,
            home: grid(false),
            neutral: grid(true),
        }
    }

    /// Whether `home` beats `away` on the draw `u`.
    #[inline]
    pub fn home_wins(&self, home: usize, away: usize, neutral: bool, u: u32) -> bool {
        let grid = if neutral { &self.neutral } else { &self.home };
        u < grid[home * self.n + away]
    }

    /// The chance a draw gives `home` (the threshold over 2^32).
    pub fn chance(&self, home: usize, away: usize, neutral: bool) -> f64 {
        let grid = if neutral { &self.neutral } else { &self.home };
        f64::from(grid[home * self.n + away]) / 4_294_967_296.0
    }
}

fn threshold(p: f64) -> u32 {
    if p.is_nan() {
        return 1 << 31;
    }
    (p.clamp(0.0, 1.0) * 4_294_967_296.0).min(u32::MAX as f64) as u32
}

/// Plays one postseason. `seeds[c]` lists conference `c`'s playoff clubs, seed 1 first;
/// `reached[t]` is raised to the round each club reaches. Returns the champion.
pub fn play(
    seeds: [&[u8]; 2],
    odds: &PlayoffOdds,
    rng: &mut impl RngCore,
    reached: &mut [u8; MAX_TEAMS],
) -> usize {
    let mut champions = [0usize; 2];
    for (c, conf) in seeds.iter().enumerate() {
        champions[c] = conference(conf, odds, rng, reached);
    }
    for &t in &champions {
        reached[t] = SUPER_BOWL;
    }
    let champion = if odds.home_wins(champions[0], champions[1], true, rng.next_u32()) {
        champions[0]
    } else {
        champions[1]
    };
    reached[champion] = CHAMPION;
    champion
}

/// One conference's bracket to its champion.
fn conference(
    seeds: &[u8],
    odds: &PlayoffOdds,
    rng: &mut impl RngCore,
    reached: &mut [u8; MAX_TEAMS],
) -> usize {
    let byes = if seeds.len() >= 7 { 1 } else { 2 };
    // Survivors as seed numbers (0-based), best first.
    let mut alive: Vec<usize> = (0..byes.min(seeds.len())).collect();
    for &t in seeds {
        reached[t as usize] = MADE_PLAYOFFS;
    }
    for s in 0..alive.len() {
        reached[seeds[s] as usize] = DIVISIONAL;
    }
    let playing: Vec<usize> = (byes..seeds.len()).collect();
    alive.extend(round(&playing, seeds, odds, rng));
    alive.sort_unstable();
    for &s in &alive {
        reached[seeds[s] as usize] = DIVISIONAL;
    }
    let mut left = round(&alive, seeds, odds, rng);
    left.sort_unstable();
    for &s in &left {
        reached[seeds[s] as usize] = CONFERENCE_GAME;
    }
    let last = round(&left, seeds, odds, rng);
    seeds[last.first().copied().unwrap_or(0)] as usize
}

/// Plays best against worst, second against second-worst, and so on; returns the winners.
fn round(alive: &[usize], seeds: &[u8], odds: &PlayoffOdds, rng: &mut impl RngCore) -> Vec<usize> {
    let n = alive.len();
    (0..n / 2)
        .map(|i| {
            let (hi, lo) = (alive[i], alive[n - 1 - i]);
            let (h, a) = (seeds[hi] as usize, seeds[lo] as usize);
            if odds.home_wins(h, a, false, rng.next_u32()) {
                hi
            } else {
                lo
            }
        })
        .collect()
}
