use super::*;
use proptest::prelude::*;

fn model() -> &'static PeriodModel {
    PeriodModel::shipped().expect("the shipped tables fit")
}

fn inputs(margin: f64, total: f64) -> GameInputs {
    GameInputs {
        mean_margin: margin,
        mean_total: total,
    }
}

#[test]
fn one_point_is_never_a_score_and_lumps_sit_on_3_and_7() {
    let p = model().team_points_pmf(&inputs(3.0, 45.0), Scope::Q2, true);
    assert_eq!(p[1], 0.0);
    assert!(
        p[3] > p[2] && p[3] > p[4] && p[7] > p[6] && p[7] > p[8],
        "{p:?}"
    );
}

#[test]
fn quarter_two_unders_reproduce_the_tables() {
    // A league-average game (the tables' slate averages 22.7 home and 20.6 away expected
    // points); the pooled comparison against the tables is the holdout's job.
    let j = model()
        .joint(&inputs(2.5, 45.0), Scope::Q2)
        .expect("a period");
    let d = crate::pricing::ScopeDist::from_joint(&j);
    let under = |x: f64| d.total.below(x);
    assert!((0.05..0.11).contains(&under(3.5)), "{}", under(3.5));
    assert!((0.17..0.26).contains(&under(7.5)), "{}", under(7.5));
}

#[test]
fn home_teams_take_a_larger_share_early() {
    let m = model();
    let home = m.split(22.0, 0);
    let away = m.split(22.0, 1);
    assert!(home.quarters[0] > away.quarters[0]);
    assert!((home.scope(Scope::Game) - 22.0).abs() < 1e-9);
    assert!((away.scope(Scope::Game) - 22.0).abs() < 1e-9);
}

#[test]
fn absurd_inputs_give_a_pmf() {
    for (m, t) in [
        (f64::NAN, 44.0),
        (0.0, f64::INFINITY),
        (-500.0, 10.0),
        (0.0, 1e9),
    ] {
        for scope in SCOPES {
            let j = model().joint(&inputs(m, t), scope).expect("a period");
            let s: f64 = j.cells().iter().sum();
            assert!((s - 1.0).abs() < 1e-9 && j.cells().iter().all(|p| *p >= 0.0));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// For random games: the quarters sum to the halves and the game in mean, every pmf is a
    /// distribution.
    #[test]
    fn quarters_sum_to_halves_and_game(margin in -20.0f64..20.0, total in 25.0f64..65.0) {
        let m = model();
        let g = inputs(margin, total);
        let mut means = std::collections::HashMap::new();
        for scope in SCOPES {
            let j = m.joint(&g, scope).expect("a period");
            let cells = j.cells();
            prop_assert!(cells.iter().all(|p| (0.0..=1.0).contains(p)));
            prop_assert!((cells.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            let d = crate::pricing::ScopeDist::from_joint(&j);
            let (h, a) = m.team_means(&g, scope);
            prop_assert!((d.home.mean() - h).abs() < 1e-6, "{scope}: {} vs {h}", d.home.mean());
            prop_assert!((d.away.mean() - a).abs() < 1e-6, "{scope}: {} vs {a}", d.away.mean());
            means.insert(scope, (h, a));
        }
        let add = |s: &[Scope]| s.iter().fold((0.0, 0.0), |(x, y), s| (x + means[s].0, y + means[s].1));
        let q12 = add(&[Scope::Q1, Scope::Q2]);
        prop_assert!((q12.0 - means[&Scope::H1].0).abs() < 1e-9 && (q12.1 - means[&Scope::H1].1).abs() < 1e-9);
        let (ho, ao) = (m.split((total + margin) / 2.0, 0).overtime, m.split((total - margin) / 2.0, 1).overtime);
        let q34 = add(&[Scope::Q3, Scope::Q4]);
        prop_assert!((q34.0 + ho - means[&Scope::H2].0).abs() < 1e-9 && (q34.1 + ao - means[&Scope::H2].1).abs() < 1e-9);
        let game = add(&[Scope::H1, Scope::H2]);
        prop_assert!((game.0 + game.1 - total).abs() < 1e-9, "{game:?} vs {total}");
        prop_assert!((game.0 - game.1 - margin).abs() < 1e-9);
    }
}

#[test]
fn in_sample_fit_reproduces_the_pooled_tables() {
    let t = PeriodTables::shipped().expect("tables");
    let fits = holdout::kfold(&t, 1);
    let worst = fits
        .iter()
        .max_by(|a, b| a.error().total_cmp(&b.error()))
        .expect("markets");
    assert!(worst.error() < 0.015, "{worst:?}");
}
