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

/// Every playoff pairing's expected margin and the model's chance for the home (or first-named)
/// side as a function of the expected margin, so a simulated season's strength shocks move the
/// chance the same way they move a regular-season game's margin. A playoff game cannot end tied.
#[derive(Debug, Clone)]
pub struct PlayoffOdds {
    n: usize,
    home: Vec<f64>,
    neutral: Vec<f64>,
    curve: Vec<f64>,
}

/// The win-chance curve covers expected margins of +/- this many points, in steps of [`STEP`].
const CURVE_MAX: f64 = 45.0;
const STEP: f64 = 0.25;

impl PlayoffOdds {
    /// `mean(home, away, neutral)`: the expected margin; `win_at(mean)`: the home side's chance.
    pub fn new(
        n: usize,
        mean: impl Fn(usize, usize, bool) -> f64,
        win_at: impl Fn(f64) -> f64,
    ) -> PlayoffOdds {
        let grid = |neutral: bool| (0..n * n).map(|i| mean(i / n, i % n, neutral)).collect();
        let steps = (2.0 * CURVE_MAX / STEP) as usize;
        let curve = (0..=steps)
            .map(|i| {
                let p = win_at(-CURVE_MAX + i as f64 * STEP);
                if p.is_finite() {
                    p.clamp(0.0, 1.0)
                } else {
                    0.5
                }
            })
            .collect();
        PlayoffOdds {
            n,
            home: grid(false),
            neutral: grid(true),
            curve,
        }
    }

    /// The home side's chance with `shift` points added to its expected margin.
    pub fn chance(&self, home: usize, away: usize, neutral: bool, shift: f64) -> f64 {
        let grid = if neutral { &self.neutral } else { &self.home };
        let m = grid[home * self.n + away] + shift;
        let x = if m.is_finite() {
            ((m + CURVE_MAX) / STEP).clamp(0.0, (self.curve.len() - 1) as f64)
        } else {
            CURVE_MAX / STEP
        };
        let i = (x.floor() as usize).min(self.curve.len() - 2);
        let f = x - i as f64;
        self.curve[i] * (1.0 - f) + self.curve[i + 1] * f
    }

    /// Whether `home` beats `away` on the uniform draw `u`.
    #[inline]
    pub fn home_wins(&self, home: usize, away: usize, neutral: bool, shift: f64, u: u32) -> bool {
        f64::from(u) < self.chance(home, away, neutral, shift) * 4_294_967_296.0
    }
}

/// Plays one postseason. `seeds[c]` lists conference `c`'s playoff clubs, seed 1 first;
/// `reached[t]` is raised to the round each club reaches. Returns the champion.
pub fn play(
    seeds: [&[u8]; 2],
    odds: &PlayoffOdds,
    shocks: &[f64; MAX_TEAMS],
    rng: &mut impl RngCore,
    reached: &mut [u8; MAX_TEAMS],
) -> usize {
    let mut champions = [0usize; 2];
    for (c, conf) in seeds.iter().enumerate() {
        champions[c] = conference(conf, odds, shocks, rng, reached);
    }
    for &t in &champions {
        reached[t] = SUPER_BOWL;
    }
    let (a, b) = (champions[0], champions[1]);
    let champion = if odds.home_wins(a, b, true, shocks[a] - shocks[b], rng.next_u32()) {
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
    shocks: &[f64; MAX_TEAMS],
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
    alive.extend(round(&playing, seeds, odds, shocks, rng));
    alive.sort_unstable();
    for &s in &alive {
        reached[seeds[s] as usize] = DIVISIONAL;
    }
    let mut left = round(&alive, seeds, odds, shocks, rng);
    left.sort_unstable();
    for &s in &left {
        reached[seeds[s] as usize] = CONFERENCE_GAME;
    }
    let last = round(&left, seeds, odds, shocks, rng);
    seeds[last.first().copied().unwrap_or(0)] as usize
}

/// Plays best against worst, second against second-worst, and so on; returns the winners.
fn round(
    alive: &[usize],
    seeds: &[u8],
    odds: &PlayoffOdds,
    shocks: &[f64; MAX_TEAMS],
    rng: &mut impl RngCore,
) -> Vec<usize> {
    let n = alive.len();
    (0..n / 2)
        .map(|i| {
            let (hi, lo) = (alive[i], alive[n - 1 - i]);
            let (h, a) = (seeds[hi] as usize, seeds[lo] as usize);
            if odds.home_wins(h, a, false, shocks[h] - shocks[a], rng.next_u32()) {
                hi
            } else {
                lo
            }
        })
        .collect()
}
