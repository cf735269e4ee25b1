//! Properties of the season machinery on the real 2023 schedule with arbitrary scores: ranks
//! are permutations consistent with win percentage, the same seed ranks alike, the bracket
//! crowns one champion per postseason, and a win total's over, push and under add up.

use nflreadpy_betting::pricing::games::{load_games, GameRecord};
use nflreadpy_betting::pricing::season::bracket::{self, PlayoffOdds};
use nflreadpy_betting::pricing::season::league::League;
use nflreadpy_betting::pricing::season::{rank_season, SeasonSchedule, Standings, TeamForecast};
use proptest::prelude::*;
use rand::SeedableRng;
use std::sync::OnceLock;

fn schedule() -> &'static SeasonSchedule {
    static S: OnceLock<SeasonSchedule> = OnceLock::new();
    S.get_or_init(|| {
        let games: Vec<GameRecord> =
            load_games(concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv")).unwrap();
        SeasonSchedule::build(&games, 2023, &League::embedded(), |_| true).unwrap()
    })
}

/// Scores from a tiny range, so records, divisions and common games tie often and the deep
/// steps (points rankings, net points, the coin toss) run.
fn scores() -> impl Strategy<Value = Vec<(u8, u8)>> {
    prop::collection::vec((0u8..4, 0u8..4), schedule().games.len())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn ranks_are_permutations_ordered_by_win_percentage(s in scores(), seed in any::<u64>()) {
        let sched = schedule();
        let st = Standings::new(sched, &s);
        let r = rank_season(&st, &mut rand_pcg::Pcg64Mcg::seed_from_u64(seed));
        for &div in sched.division_masks() {
            let mut ranks: Vec<u8> = (0..32).filter(|t| div & (1 << t) != 0).map(|t| r.div_rank[t]).collect();
            ranks.sort_unstable();
            prop_assert_eq!(ranks, vec![1, 2, 3, 4]);
            for a in 0..32 {
                for b in 0..32 {
                    if div & (1 << a) != 0 && div & (1 << b) != 0 && r.div_rank[a] < r.div_rank[b] {
                        prop_assert!(st.win_pct(a) >= st.win_pct(b));
                    }
                }
            }
        }
        for conf in 0..2 {
            let order: Vec<usize> = (1..=16).map(|k| r.seed(conf, k)).collect();
            let mut sorted = order.clone();
            sorted.sort_unstable();
            sorted.dedup();
            prop_assert_eq!(sorted.len(), 16);
            for (k, &t) in order.iter().enumerate() {
                prop_assert_eq!(r.conf_rank[t] as usize, k + 1);
                prop_assert_eq!(r.div_rank[t] == 1, k < 4, "division winners take ranks 1-4");
            }
            for w in order[..4].windows(2).chain(order[4..].windows(2)) {
                prop_assert!(st.win_pct(w[0]) >= st.win_pct(w[1]));
            }
        }
        let again = rank_season(&st, &mut rand_pcg::Pcg64Mcg::seed_from_u64(seed));
        prop_assert_eq!(again.conf_rank, r.conf_rank);
        prop_assert_eq!(again.div_rank, r.div_rank);
    }

    #[test]
    fn a_postseason_crowns_one_champion(
        shocks in prop::array::uniform32(-8.0f64..8.0),
        means in prop::collection::vec(-15.0f64..15.0, 32 * 32),
        seeds in 6usize..=7,
        seed in any::<u64>(),
    ) {
        let odds = PlayoffOdds::new(32, |h, a, n| means[h * 32 + a] - if n { 2.0 } else { 0.0 },
            |m| 1.0 / (1.0 + (-m / 6.0).exp()));
        let afc: Vec<u8> = (0..seeds as u8).collect();
        let nfc: Vec<u8> = (16..16 + seeds as u8).collect();
        let mut reached = [0u8; 32];
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
        let champ = bracket::play([&afc, &nfc], &odds, &shocks, &mut rng, &mut reached);
        let count = |r: u8| reached.iter().filter(|&&x| x >= r).count();
        prop_assert_eq!(count(bracket::MADE_PLAYOFFS), 2 * seeds);
        prop_assert_eq!(count(bracket::DIVISIONAL), 8);
        prop_assert_eq!(count(bracket::CONFERENCE_GAME), 4);
        prop_assert_eq!(count(bracket::SUPER_BOWL), 2);
        prop_assert_eq!(count(bracket::CHAMPION), 1);
        prop_assert_eq!(reached[champ], bracket::CHAMPION);
        // Byes: seed 1 (and 2 with six seeds) reach the divisional round without playing.
        prop_assert!(reached[0] >= bracket::DIVISIONAL && reached[16] >= bracket::DIVISIONAL);
        if seeds == 6 {
            prop_assert!(reached[1] >= bracket::DIVISIONAL);
        }
    }

    #[test]
    fn over_push_under_add_up(wins in prop::collection::vec(0.0f64..1.0, 35), line in -1.0f64..20.0) {
        let total: f64 = wins.iter().sum();
        prop_assume!(total > 0.0);
        let wins: Vec<f64> = wins.iter().map(|w| w / total).collect();
        let t = TeamForecast {
            team: "KC".into(), conference: "AFC".into(), division: "AFC West".into(), games: 17,
            current_wins: 0.0, mean_wins: 0.0, wins, p_division: 0.0, p_seed: vec![],
            p_playoffs: 0.0, p_conference_game: 0.0, p_conference: 0.0, p_super_bowl: 0.0,
            p_first_pick: None,
        };
        let half = (line * 2.0).round() / 2.0;
        let (o, p, u) = t.p_over(half);
        prop_assert!((o + p + u - 1.0).abs() < 1e-9);
        prop_assert!(o >= 0.0 && p >= 0.0 && u >= 0.0);
        let (o2, p2, _) = t.p_over(half + 0.25);
        prop_assert_eq!(p2, 0.0, "a quarter line never pushes");
        prop_assert!(o2 <= o + 1e-12);
    }
}

#[test]
fn playoff_odds_move_with_the_shock_and_are_fair_at_zero() {
    let odds = PlayoffOdds::new(2, |_, _, _| 0.0, |m| 1.0 / (1.0 + (-m / 6.0).exp()));
    assert!((odds.chance(0, 1, false, 0.0) - 0.5).abs() < 1e-12);
    assert!(odds.chance(0, 1, false, 3.0) > odds.chance(0, 1, false, 1.0));
    assert!(odds.chance(0, 1, true, f64::NAN).is_finite());
    assert!(odds.chance(0, 1, true, 1e9) <= 1.0 && odds.chance(0, 1, true, -1e9) >= 0.0);
}

#[test]
fn the_shipped_model_draws_strength_shocks() {
    use nflreadpy_betting::config::schema::AnalyticsConfig;
    use nflreadpy_betting::pricing::known::Cutoff;
    use nflreadpy_betting::pricing::season::inputs::season_sim;
    use nflreadpy_betting::pricing::PricingEngine;
    let games = load_games(concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv")).unwrap();
    let engine = PricingEngine::from_games(&games, &AnalyticsConfig::default()).unwrap();
    let sim = season_sim(&engine, 2024, &Cutoff::day("2024-11-01")).unwrap();
    let model = engine.score_model(2024);
    for i in 0..=320 {
        let mean = -40.0 + 0.25 * i as f64;
        let pmf = model.margin_pmf(mean);
        assert!(
            pmf.iter().all(|p| p.is_finite() && *p >= 0.0) && pmf.iter().sum::<f64>() > 0.0,
            "mean {mean}"
        );
    }
    // Fitted on 2002-2023 at week 9: a few points, as the calibration's checkpoints find.
    assert!((2.0..7.0).contains(&sim.spread()), "{}", sim.spread());
}
