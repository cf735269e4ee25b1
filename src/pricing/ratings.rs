//! Team ratings in points, learned walk-forward from what `games.csv` holds: results (margin of
//! victory, capped), earlier games' closing spreads and totals (known before the next kickoff;
//! nfelo-style market regression), starting quarterbacks, rest, divisional games, neutral
//! sites, a home-field advantage that moves with the market, season-to-season regression, and
//! scoring environment (roof, temperature, wind) for totals.
//!
//! The line of the game being priced is never an input: [`RatingState::predict`] sees only the
//! game's schedule facts (teams, site, rest, starters, weather), and the state it reads was
//! built by [`RatingState::as_of`] from games [`known_before`](super::known::known_before) the
//! kickoff. The model is therefore an independent opinion; the blend is where it meets the
//! market.
//!
//! Hyper-parameters ([`RatingParams::TUNED`]) were tuned by coordinate search on 1999-2014 only
//! (margin and total squared error, then win-probability Brier on 2006-2014, the seasons with
//! closing moneylines) and are frozen for every later evaluation.

use super::games::GameRecord;
use super::known::{known_before, Cutoff};
use std::collections::BTreeMap;

/// Relocated franchises keep their rating under the current code.
pub fn canonical_team(code: &str) -> &str {
    match code {
        "OAK" => "LV",
        "SD" => "LAC",
        "STL" => "LA",
        other => other,
    }
}

/// The model's knobs. Points throughout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatingParams {
    /// Share of a result's surprise (capped margin minus prediction) moved into the ratings.
    pub k_result: f64,
    /// Share of a closing spread's disagreement with the prediction moved into the ratings.
    pub k_market: f64,
    /// Pull toward the mean between seasons.
    pub season_revert: f64,
    /// Home-field advantage before any game is seen, and how fast it follows the market.
    pub home_field: f64,
    pub k_home_field: f64,
    /// Points per week of rest advantage (rest days capped at 14).
    pub rest_per_week: f64,
    /// Divisional games are closer: the predicted margin is scaled by this.
    pub divisional: f64,
    /// Margins beyond this teach no more than this (blowouts are noisy).
    pub margin_cap: f64,
    /// QB value learning rate, the value a never-seen starter begins at, how fast a team's usual
    /// QB value follows its starters, and the QB values' pull toward zero between seasons.
    pub k_qb: f64,
    pub qb_replacement: f64,
    pub k_qb_usual: f64,
    pub qb_revert: f64,
    /// League mean total before any game, and how fast it follows results and closing totals.
    pub league_total: f64,
    pub k_league_total: f64,
    /// Totals: shares of a result's and a closing total's surprise moved into the two teams.
    pub k_total_result: f64,
    pub k_total_market: f64,
    pub total_revert: f64,
    /// Points added under a dome or closed roof, per mph of wind above 5, and below 35 F.
    pub dome: f64,
    pub wind_per_mph: f64,
    pub cold: f64,
    /// Standard deviation of the margin about the model's mean, for win probabilities.
    pub margin_sigma: f64,
    /// Faster learning early in a season: a team's rating moves by
    /// `1 + early_boost * (early_games - n) / early_games` times the usual step in its n-th game
    /// of the season (n from 0), while n < early_games.
    pub early_boost: f64,
    pub early_games: f64,
    /// A second, market-implied rating per team: the ridge least-squares fit of earlier games'
    /// closing spreads (net of home field, rest and quarterback adjustments as the model had
    /// them then), each game weighted by `0.5^(age in days / market_half_life)`, pulled toward
    /// the main rating with weight `market_ridge` (in games). The predicted margin is
    /// `market_blend` of it and the rest of the main rating's (0: the main rating alone).
    pub market_blend: f64,
    pub market_half_life: f64,
    pub market_ridge: f64,
    /// Quarterback learning: a QB with `n` earlier starts learns at
    /// `max(k_qb, 1 / (qb_prior_starts + n))` (0: always `k_qb`), so a new starter's value
    /// settles within a few games; and the share of the QB's error taken from the closing
    /// spread rather than the result.
    pub qb_prior_starts: f64,
    pub qb_market_share: f64,
    /// Home field from the same fit: the market-implied home field (fitted jointly with the
    /// market-implied ratings, pulled toward the slow estimate with weight `hfa_ridge` games)
    /// is used at this share (0: the slow estimate alone).
    pub home_field_fit: f64,
    pub hfa_ridge: f64,
    /// The predicted margin counts a starter's difference from the team's usual QB this many
    /// times (1: as learned).
    pub qb_scale: f64,
}

impl RatingParams {
    /// Tuned on 1999-2014 (see the module notes); frozen.
    pub const TUNED: RatingParams = RatingParams {
        k_result: 0.05,
        k_market: 0.1536,
        season_revert: 0.2,
        home_field: 2.1875,
        k_home_field: 0.001152,
        rest_per_week: 1.5625,
        divisional: 1.0,
        margin_cap: 24.0,
        k_qb: 0.0625,
        qb_replacement: -3.75,
        k_qb_usual: 0.0234375,
        qb_revert: 0.24,
        league_total: 32.8,
        k_league_total: 0.008,
        k_total_result: 0.075,
        k_total_market: 0.192,
        total_revert: 0.24,
        dome: 0.625,
        wind_per_mph: -0.24,
        cold: -0.625,
        margin_sigma: 12.5,
        early_boost: 0.0,
        early_games: 4.0,
        market_blend: 0.0,
        market_half_life: 42.0,
        market_ridge: 2.0,
        qb_prior_starts: 0.0,
        qb_market_share: 0.5,
        qb_scale: 1.0,
        home_field_fit: 0.0,
        hfa_ridge: 20.0,
    };
}

impl Default for RatingParams {
    fn default() -> Self {
        RatingParams::TUNED
    }
}

/// What the model knows about a game before kickoff.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GameContext {
    pub season: i32,
    pub home: String,
    pub away: String,
    pub neutral: bool,
    pub divisional: bool,
    pub home_rest: Option<i32>,
    pub away_rest: Option<i32>,
    pub roof: Option<String>,
    pub temp: Option<f64>,
    pub wind: Option<f64>,
    pub home_qb: Option<String>,
    pub away_qb: Option<String>,
}

impl GameContext {
    /// The schedule facts of a games-file row (never its scores or lines).
    pub fn of(g: &GameRecord) -> GameContext {
        GameContext {
            season: g.season,
            home: canonical_team(&g.home_team).to_string(),
            away: canonical_team(&g.away_team).to_string(),
            neutral: g.neutral,
            divisional: g.div_game,
            home_rest: g.home_rest,
            away_rest: g.away_rest,
            roof: g.roof.clone(),
            temp: g.temp,
            wind: g.wind,
            home_qb: g.home_qb_id.clone(),
            away_qb: g.away_qb_id.clone(),
        }
    }

    /// A game known only by its teams (an odds feed's event with no schedule row).
    pub fn teams(season: i32, home: &str, away: &str) -> GameContext {
        GameContext {
            season,
            home: canonical_team(home).to_string(),
            away: canonical_team(away).to_string(),
            ..GameContext::default()
        }
    }
}

/// The model's expectation for a game.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// Home minus away points.
    pub margin: f64,
    /// Combined points.
    pub total: f64,
}

/// Everything learned from the games seen so far.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingState {
    params: RatingParams,
    /// Team strength in points against an average team, with its usual quarterback.
    team: BTreeMap<String, f64>,
    /// Team contribution to the game total, in points.
    scoring: BTreeMap<String, f64>,
    /// Quarterback value in points, and each team's usual (recent starters') QB value.
    qb: BTreeMap<String, f64>,
    qb_usual: BTreeMap<String, f64>,
    /// Starts each quarterback has made.
    qb_starts: BTreeMap<String, u32>,
    /// Games each team has played in the state's current season.
    played: BTreeMap<String, u32>,
    /// The market-implied ratings (see [`RatingParams::market_blend`]), refitted by
    /// [`refit_market`](Self::refit_market), and the closing spreads they are fitted to.
    market: BTreeMap<String, f64>,
    spreads: Vec<MarketGame>,
    last_day: Option<i64>,
    market_home_field: Option<f64>,
    home_field: f64,
    league_total: f64,
    season: Option<i32>,
    games: usize,
}

impl RatingState {
    pub fn new(params: RatingParams) -> Self {
        RatingState {
            params,
            team: BTreeMap::new(),
            scoring: BTreeMap::new(),
            qb: BTreeMap::new(),
            qb_usual: BTreeMap::new(),
            qb_starts: BTreeMap::new(),
            played: BTreeMap::new(),
            market: BTreeMap::new(),
            spreads: Vec::new(),
            last_day: None,
            market_home_field: None,
            home_field: params.home_field,
            league_total: params.league_total,
            season: None,
            games: 0,
        }
    }

    /// The state after every game known before `cutoff` (results and closing lines of games on
    /// earlier days only).
    pub fn as_of(games: &[GameRecord], params: RatingParams, cutoff: &Cutoff) -> Self {
        let mut state = RatingState::new(params);
        for day in days(games) {
            if !known_before(day[0], cutoff) {
                break;
            }
            for g in day {
                state.update(g);
            }
            state.refit_market();
        }
        state
    }

    /// Each game's prediction from the state at its [`week_cutoff`](super::known::week_cutoff),
    /// in `games` order: the backtest's walk-forward view, the same as
    /// `as_of(games, params, week cutoff).predict(its context)`.
    pub fn walk_forward(games: &[GameRecord], params: RatingParams) -> Vec<Prediction> {
        let starts = super::known::week_starts(games);
        let mut order: Vec<(Cutoff, usize)> = games
            .iter()
            .enumerate()
            .map(|(i, g)| (super::known::week_cutoff(&starts, g), i))
            .collect();
        order.sort();
        let days = days(games);
        let mut next_day = 0;
        let mut state = RatingState::new(params);
        let mut out = vec![
            Prediction {
                margin: 0.0,
                total: params.league_total,
            };
            games.len()
        ];
        for (cutoff, i) in order {
            while next_day < days.len() && known_before(days[next_day][0], &cutoff) {
                for g in &days[next_day] {
                    state.update(g);
                }
                state.refit_market();
                next_day += 1;
            }
            out[i] = state.predict(&GameContext::of(&games[i]));
        }
        out
    }

    pub fn params(&self) -> &RatingParams {
        &self.params
    }

    /// Played games learned from.
    pub fn games(&self) -> usize {
        self.games
    }

    pub fn home_field(&self) -> f64 {
        self.home_field
    }

    pub fn league_total(&self) -> f64 {
        self.league_total
    }

    pub fn knows(&self, team: &str) -> bool {
        self.team.contains_key(canonical_team(team))
    }

    /// Team ratings (points against an average team), strongest first.
    pub fn teams(&self) -> Vec<(&str, f64)> {
        let mut v: Vec<(&str, f64)> = self.team.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        v
    }

    /// Shrink factors for a game in `season`: the between-season pull applies once the state's
    /// last game was in an earlier season.
    fn carry(&self, season: i32) -> (f64, f64, f64) {
        if self.season.is_some_and(|s| season > s) {
            let p = &self.params;
            (
                1.0 - p.season_revert,
                1.0 - p.total_revert,
                1.0 - p.qb_revert,
            )
        } else {
            (1.0, 1.0, 1.0)
        }
    }

    /// The early-season step multiplier for a team's next game (1 once it has played
    /// `early_games` games this season, or when `early_boost` is 0).
    fn early_step(&self, team: &str) -> f64 {
        let p = &self.params;
        let n = f64::from(self.played.get(team).copied().unwrap_or(0));
        if p.early_boost == 0.0 || p.early_games <= 0.0 || n >= p.early_games {
            1.0
        } else {
            1.0 + p.early_boost * (p.early_games - n) / p.early_games
        }
    }

    fn qb_adjustment(&self, team: &str, qb: Option<&str>, qb_carry: f64) -> f64 {
        let Some(qb) = qb else { return 0.0 };
        let value = self
            .qb
            .get(qb)
            .map_or(self.params.qb_replacement, |v| v * qb_carry);
        (value - self.qb_usual.get(team).copied().unwrap_or(value)) * self.params.qb_scale
    }

    /// The model's margin and total for a game. Pure: reads the state, never the game's lines.
    pub fn predict(&self, ctx: &GameContext) -> Prediction {
        let (rating_margin, market_margin, total) = self.predict_parts(ctx);
        let b = self.params.market_blend;
        Prediction {
            margin: if b == 0.0 {
                rating_margin
            } else {
                (1.0 - b) * rating_margin + b * market_margin
            },
            total,
        }
    }

    /// The main rating's margin, the market-implied rating's margin, and the total.
    fn predict_parts(&self, ctx: &GameContext) -> (f64, f64, f64) {
        let p = &self.params;
        let (team_carry, total_carry, _) = self.carry(ctx.season);
        let t = self.non_team(ctx);
        let divisional = if ctx.divisional { p.divisional } else { 1.0 };
        let rating = |t: &str| self.team.get(t).copied().unwrap_or(0.0) * team_carry;
        let (home, away) = (rating(&ctx.home), rating(&ctx.away));
        let margin = (t.home_field + home - away + t.home_qb - t.away_qb + t.rest) * divisional;
        // Only a blend reads the market-implied margin (see `predict`).
        let market_margin = if p.market_blend == 0.0 {
            margin
        } else {
            let market = self.market_diff(ctx, team_carry);
            (t.home_field + market + t.home_qb - t.away_qb + t.rest) * divisional
        };
        let scoring = |t: &str| self.scoring.get(t).copied().unwrap_or(0.0) * total_carry;
        let total =
            self.league_total + scoring(&ctx.home) + scoring(&ctx.away) + environment(p, ctx);
        (margin, market_margin, total.max(10.0))
    }

    /// The parts of the predicted margin that are not the two teams' ratings: home field, rest
    /// and each quarterback against his team's usual one.
    fn non_team(&self, ctx: &GameContext) -> NonTeam {
        let p = &self.params;
        let (_, _, qb_carry) = self.carry(ctx.season);
        NonTeam {
            home_field: if ctx.neutral {
                0.0
            } else {
                self.home_field_now()
            },
            home_qb: self.qb_adjustment(&ctx.home, ctx.home_qb.as_deref(), qb_carry),
            away_qb: self.qb_adjustment(&ctx.away, ctx.away_qb.as_deref(), qb_carry),
            rest: match (ctx.home_rest, ctx.away_rest) {
                (Some(h), Some(a)) => p.rest_per_week * f64::from(h.min(14) - a.min(14)) / 7.0,
                _ => 0.0,
            },
        }
    }

    /// The home field the predictions use: the slow estimate, or its blend with the
    /// market-implied one (see [`RatingParams::home_field_fit`]).
    fn home_field_now(&self) -> f64 {
        let f = self.params.home_field_fit;
        match self.market_home_field {
            Some(m) if f != 0.0 => (1.0 - f) * self.home_field + f * m,
            _ => self.home_field,
        }
    }

    /// Home minus away market-implied rating; a team the fit has not seen yet stands at its
    /// main rating.
    fn market_diff(&self, ctx: &GameContext, team_carry: f64) -> f64 {
        let market = |t: &str| {
            self.market
                .get(t)
                .or_else(|| self.team.get(t))
                .copied()
                .unwrap_or(0.0)
                * team_carry
        };
        market(&ctx.home) - market(&ctx.away)
    }

    /// Refits the market-implied ratings to the closing spreads learned so far (see
    /// [`RatingParams::market_blend`]): weighted ridge least squares, solved exactly. Spreads
    /// whose weight has decayed below 1e-4 are dropped for good.
    pub fn refit_market(&mut self) {
        let p = self.params;
        let Some(now) = self.last_day else { return };
        if !self.fits_market() {
            return;
        }
        let weight = |day: i64| 0.5f64.powf((now - day) as f64 / p.market_half_life.max(1.0));
        self.spreads.retain(|g| weight(g.day) >= 1e-4);
        let teams: Vec<&String> = self.team.keys().collect();
        let index = |t: &str| teams.binary_search_by(|k| k.as_str().cmp(t)).ok();
        // Unknowns: one rating per team, then the home field.
        let n = teams.len() + 1;
        let hfa = n - 1;
        // Normal equations (X'WX + R) r = X'Wy + R * prior: ratings toward the main ratings,
        // the home field toward the slow estimate.
        let ridge = p.market_ridge.max(1e-6);
        let mut a = vec![0.0; n * n];
        let mut b: Vec<f64> = teams.iter().map(|t| ridge * self.team[*t]).collect();
        b.push(p.hfa_ridge.max(1e-6) * self.home_field);
        for i in 0..n {
            a[i * n + i] = if i == hfa {
                p.hfa_ridge.max(1e-6)
            } else {
                ridge
            };
        }
        for g in &self.spreads {
            let (Some(h), Some(v)) = (index(&g.home), index(&g.away)) else {
                continue;
            };
            let w = weight(g.day);
            let x = [(h, 1.0), (v, -1.0), (hfa, 1.0)];
            let used = if g.neutral { 2 } else { 3 };
            for &(i, xi) in &x[..used] {
                for &(j, xj) in &x[..used] {
                    a[i * n + j] += w * xi * xj;
                }
                b[i] += w * xi * g.target;
            }
        }
        let mut r = solve_spd(&mut a, b, n);
        self.market_home_field = r.pop();
        self.market = teams.into_iter().cloned().zip(r).collect();
    }

    /// Whether the closing spreads are kept and fitted (either use of the fit is on).
    fn fits_market(&self) -> bool {
        self.params.market_blend != 0.0 || self.params.home_field_fit != 0.0
    }

    /// Learns from one game once it is known: its result and its closing lines. Unplayed games
    /// teach nothing.
    pub fn update(&mut self, g: &GameRecord) {
        let (Some(margin), Some(total)) = (g.margin(), g.total()) else {
            return;
        };
        let ctx = GameContext::of(g);
        let (rating_margin, _, before_total) = self.predict_parts(&ctx);
        let before = Prediction {
            margin: rating_margin,
            total: before_total,
        };
        // Apply the between-season pull for real before learning from the new season.
        let (team_carry, total_carry, qb_carry) = self.carry(g.season);
        if team_carry != 1.0 || total_carry != 1.0 || qb_carry != 1.0 {
            self.team.values_mut().for_each(|r| *r *= team_carry);
            self.scoring.values_mut().for_each(|r| *r *= total_carry);
            self.qb.values_mut().for_each(|r| *r *= qb_carry);
            self.market.values_mut().for_each(|r| *r *= team_carry);
        }
        if self.season.is_none_or(|s| g.season > s) {
            self.season = Some(g.season);
            self.played.clear();
        }
        let p = self.params;
        let cap = p.margin_cap;
        let result_err = f64::from(margin).clamp(-cap, cap) - before.margin;
        let market_err = g.spread_line.map_or(0.0, |s| s - before.margin);
        let shift = p.k_result * result_err + p.k_market * market_err;
        let (home_step, away_step) = (self.early_step(&ctx.home), self.early_step(&ctx.away));
        *self.team.entry(ctx.home.clone()).or_insert(0.0) += shift * home_step;
        *self.team.entry(ctx.away.clone()).or_insert(0.0) -= shift * away_step;
        if self.fits_market() {
            if let (Some(spread), Some(day)) = (g.spread_line, day_number(&g.gameday)) {
                // What the spread says about the two teams and home field: the model's own
                // rest and quarterback terms, as it had them before this game, are taken out.
                let divisional = if ctx.divisional { p.divisional } else { 1.0 };
                let t = self.non_team(&ctx);
                let others = t.home_qb - t.away_qb + t.rest;
                self.spreads.push(MarketGame {
                    day,
                    home: ctx.home.clone(),
                    away: ctx.away.clone(),
                    neutral: ctx.neutral,
                    target: spread / divisional - others,
                });
                self.last_day = Some(self.last_day.map_or(day, |d| d.max(day)));
            }
        }
        *self.played.entry(ctx.home.clone()).or_insert(0) += 1;
        *self.played.entry(ctx.away.clone()).or_insert(0) += 1;
        if !g.neutral {
            self.home_field += p.k_home_field * market_err;
        }
        let qb_err = (1.0 - p.qb_market_share) * result_err + p.qb_market_share * market_err;
        for (team, qb, sign) in [
            (&ctx.home, ctx.home_qb.as_ref(), 1.0),
            (&ctx.away, ctx.away_qb.as_ref(), -1.0),
        ] {
            let Some(qb) = qb else { continue };
            let starts = self.qb_starts.entry(qb.clone()).or_insert(0);
            let rate = if p.qb_prior_starts > 0.0 {
                p.k_qb.max(1.0 / (p.qb_prior_starts + f64::from(*starts)))
            } else {
                p.k_qb
            };
            *starts += 1;
            let value = self.qb.get(qb).copied().unwrap_or(p.qb_replacement) + rate * sign * qb_err;
            self.qb.insert(qb.clone(), value);
            let usual = self.qb_usual.get(team).copied().unwrap_or(value);
            self.qb_usual
                .insert(team.clone(), usual + p.k_qb_usual * (value - usual));
        }
        let total_err = f64::from(total) - before.total;
        let total_market_err = g.total_line.map_or(0.0, |t| t - before.total);
        let scoring_shift = p.k_total_result * total_err + p.k_total_market * total_market_err;
        *self.scoring.entry(ctx.home).or_insert(0.0) += scoring_shift / 2.0;
        *self.scoring.entry(ctx.away).or_insert(0.0) += scoring_shift / 2.0;
        self.league_total += p.k_league_total * (0.5 * total_err + 0.5 * total_market_err);
        self.games += 1;
    }
}

/// See [`RatingState::non_team`].
struct NonTeam {
    home_field: f64,
    home_qb: f64,
    away_qb: f64,
    rest: f64,
}

/// One earlier game's closing spread as the market-implied ratings see it.
#[derive(Debug, Clone, PartialEq)]
struct MarketGame {
    day: i64,
    home: String,
    away: String,
    neutral: bool,
    /// The spread less the model's rest and quarterback terms: what it says home minus away
    /// (plus home field, away from a neutral site) is worth.
    target: f64,
}

/// Days since the common era of a `YYYY-MM-DD` date.
fn day_number(date: &str) -> Option<i64> {
    use chrono::Datelike;
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .ok()
        .map(|d| i64::from(d.num_days_from_ce()))
}

/// Solves `a x = b` for a symmetric positive definite `n x n` matrix (row-major) by Cholesky
/// decomposition, in place. The ridge term keeps `a` positive definite.
fn solve_spd(a: &mut [f64], mut b: Vec<f64>, n: usize) -> Vec<f64> {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        let d = d.max(1e-12).sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
    }
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= a[i * n + k] * b[k];
        }
        b[i] = s / a[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= a[k * n + i] * b[k];
        }
        b[i] = s / a[i * n + i];
    }
    b
}

/// Scoring environment: domes score a little more, wind and cold less. Missing weather is
/// neutral (most domes, and many recent games, have none recorded).
fn environment(p: &RatingParams, ctx: &GameContext) -> f64 {
    match ctx.roof.as_deref() {
        Some("dome") | Some("closed") => p.dome,
        _ => {
            let wind = ctx
                .wind
                .map_or(0.0, |w| p.wind_per_mph * (w - 5.0).max(0.0));
            let cold = if ctx.temp.is_some_and(|t| t < 35.0) {
                p.cold
            } else {
                0.0
            };
            wind + cold
        }
    }
}

/// Games grouped by kickoff day, days in order, games within a day in file order.
fn days(games: &[GameRecord]) -> Vec<Vec<&GameRecord>> {
    let mut by_day: BTreeMap<&str, Vec<&GameRecord>> = BTreeMap::new();
    for g in games {
        by_day.entry(g.gameday.as_str()).or_default().push(g);
    }
    by_day.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn game(day: &str, home: &str, away: &str, score: Option<(i32, i32)>) -> GameRecord {
        GameRecord {
            game_id: format!("{day}_{away}_{home}"),
            season: day[..4].parse().unwrap(),
            game_type: "REG".into(),
            // Weeks run Thursday to Wednesday, as the schedule's do.
            week: {
                use chrono::Datelike;
                let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
                (d.num_days_from_ce() - 4) / 7
            },
            gameday: day.into(),
            home_team: home.into(),
            away_team: away.into(),
            home_score: score.map(|s| s.0),
            away_score: score.map(|s| s.1),
            spread_line: score.map(|s| f64::from(s.0 - s.1) / 2.0),
            total_line: score.map(|_| 44.0),
            ..GameRecord::default()
        }
    }

    #[test]
    fn a_home_win_lifts_the_winner_and_teaches_home_field() {
        let g = game("2000-09-10", "A", "B", Some((31, 10)));
        let s = RatingState::as_of(&[g], RatingParams::TUNED, &Cutoff::end_of_time());
        assert!(
            s.predict(&GameContext::teams(2000, "A", "B")).margin > RatingParams::TUNED.home_field
        );
        assert!(s.home_field() > RatingParams::TUNED.home_field);
        assert_eq!(s.games(), 1);
    }

    #[test]
    fn same_day_results_are_not_seen_and_relocations_carry() {
        let games = [
            game("2000-09-10", "OAK", "B", Some((30, 0))),
            game("2000-09-17", "LV", "B", Some((0, 30))),
        ];
        let s = RatingState::as_of(&games, RatingParams::TUNED, &Cutoff::day("2000-09-17"));
        assert_eq!(s.games(), 1);
        assert!(s.knows("LV") && s.knows("OAK"));
    }

    #[test]
    fn walk_forward_equals_as_of_per_game() {
        let games = [
            game("2000-09-10", "A", "B", Some((30, 3))),
            game("2000-09-10", "C", "D", Some((10, 13))),
            game("2000-09-17", "A", "C", Some((21, 24))),
            game("2001-09-09", "B", "A", None),
        ];
        let wf = RatingState::walk_forward(&games, RatingParams::TUNED);
        for (g, p) in games.iter().zip(&wf) {
            let starts = crate::pricing::known::week_starts(&games);
            let cutoff = crate::pricing::known::week_cutoff(&starts, g);
            let s = RatingState::as_of(&games, RatingParams::TUNED, &cutoff);
            assert_eq!(s.predict(&GameContext::of(g)), *p, "{}", g.game_id);
        }
        // The first two share a day: neither sees the other.
        assert_eq!(wf[0].margin, RatingParams::TUNED.home_field);
        assert_eq!(wf[1].margin, RatingParams::TUNED.home_field);
    }

    /// The experimental knobs on: the market-implied ratings and home field, QB learning by
    /// starts.
    fn market_fit() -> RatingParams {
        RatingParams {
            market_blend: 0.5,
            market_half_life: 28.0,
            market_ridge: 4.0,
            home_field_fit: 0.5,
            hfa_ridge: 10.0,
            qb_prior_starts: 8.0,
            qb_scale: 1.25,
            ..RatingParams::TUNED
        }
    }

    #[test]
    fn cholesky_solves_a_known_system() {
        // [4 2 0; 2 5 1; 0 1 3] x = [2, 1, 8] has x = [0.75, -0.5, 2.8333...]: checked by
        // multiplying back.
        let m = [4.0, 2.0, 0.0, 2.0, 5.0, 1.0, 0.0, 1.0, 3.0];
        let b = vec![2.0, 1.0, 8.0];
        let x = solve_spd(&mut m.clone(), b.clone(), 3);
        for i in 0..3 {
            let row: f64 = (0..3).map(|j| m[i * 3 + j] * x[j]).sum();
            assert!((row - b[i]).abs() < 1e-12, "row {i}: {row} vs {}", b[i]);
        }
    }

    #[test]
    fn the_market_fit_recovers_ratings_and_home_field_from_spreads() {
        // Four teams with known strengths play a round robin twice (home and away) for six
        // weeks; every closing spread is exactly home field 1.5 plus the difference. With a
        // light ridge the fit recovers the truth the spreads imply.
        let truth = [("A", 3.0), ("B", 1.0), ("C", -1.0), ("D", -3.0)];
        let mut games = Vec::new();
        let start = chrono::NaiveDate::from_ymd_opt(2001, 9, 9).unwrap();
        for week in 0..6u64 {
            let day = (start + chrono::Days::new(7 * week))
                .format("%Y-%m-%d")
                .to_string();
            for (h, (home, rh)) in truth.iter().enumerate() {
                for (a, (away, ra)) in truth.iter().enumerate() {
                    if (h + a + week as usize).is_multiple_of(2) || h == a {
                        continue;
                    }
                    let mut g = game(&day, home, away, Some((20, 17)));
                    g.spread_line = Some(1.5 + rh - ra);
                    games.push(g);
                }
            }
        }
        let params = RatingParams {
            market_blend: 1.0,
            market_ridge: 0.01,
            home_field_fit: 1.0,
            hfa_ridge: 0.01,
            market_half_life: 60.0,
            ..RatingParams::TUNED
        };
        let s = RatingState::as_of(&games, params, &Cutoff::end_of_time());
        let hfa = s.market_home_field.expect("fitted");
        assert!((hfa - 1.5).abs() < 0.05, "home field {hfa}");
        let ab = s.predict(&GameContext::teams(2001, "A", "D")).margin;
        assert!((ab - (1.5 + 6.0)).abs() < 0.1, "A over D at home: {ab}");
        // Off by default: nothing is fitted and the prediction is the main rating's.
        let off = RatingState::as_of(&games, RatingParams::TUNED, &Cutoff::end_of_time());
        assert!(off.market.is_empty() && off.spreads.is_empty());
    }

    fn arb_games() -> impl Strategy<Value = Vec<GameRecord>> {
        let teams = ["A", "B", "C", "D", "E", "F"];
        prop::collection::vec((0usize..6, 1usize..6, 0i32..60, 0i32..60, 0u32..400), 1..60)
            .prop_map(move |v| {
                let mut day = 0u32;
                v.into_iter()
                    .map(|(h, off, hs, as_, gap)| {
                        day += gap % 9;
                        let date = chrono::NaiveDate::from_ymd_opt(2000, 9, 1).unwrap()
                            + chrono::Days::new(u64::from(day));
                        game(
                            &date.format("%Y-%m-%d").to_string(),
                            teams[h],
                            teams[(h + off) % 6],
                            Some((hs, as_)),
                        )
                    })
                    .collect()
            })
    }

    proptest! {
        /// Ratings at time t do not change when later games are appended.
        #[test]
        fn ratings_at_t_ignore_games_appended_later(games in arb_games(), later in arb_games(), pick in 0usize..60) {
            let cutoff = Cutoff::day(&games[pick % games.len()].gameday);
            let last = games.iter().map(|g| g.gameday.clone()).max().unwrap();
            let shifted: Vec<GameRecord> = later
                .into_iter()
                .map(|mut g| {
                    // Move the appended games after everything already there.
                    let d = chrono::NaiveDate::parse_from_str(&g.gameday, "%Y-%m-%d").unwrap();
                    let base = chrono::NaiveDate::parse_from_str(&last, "%Y-%m-%d").unwrap();
                    let moved = base + (d - chrono::NaiveDate::from_ymd_opt(2000, 9, 1).unwrap()) + chrono::Days::new(1);
                    g.gameday = moved.format("%Y-%m-%d").to_string();
                    g.season = moved.format("%Y").to_string().parse().unwrap();
                    g
                })
                .collect();
            let mut longer = games.clone();
            longer.extend(shifted);
            for params in [RatingParams::TUNED, market_fit()] {
                let a = RatingState::as_of(&games, params, &cutoff);
                let b = RatingState::as_of(&longer, params, &cutoff);
                prop_assert_eq!(&a, &b);
                let ctx = GameContext::teams(2000, "A", "B");
                prop_assert_eq!(a.predict(&ctx), b.predict(&ctx));
            }
        }
    }
}
