//! Sportsbook characters for the replay market. Sharp books track the true line with thin
//! margins; soft books lag it, shade prices and round to nickels; one goes stale now and then.
//! The lag is what makes real, transient edges: a soft book still dealing yesterday's number.

#[derive(Debug, Clone, PartialEq)]
pub struct BookProfile {
    pub name: String,
    /// How far behind the true line the book deals, as a fraction of the market cycle.
    pub lag: f64,
    /// Overround on a two-way market (0.045 = the classic -110/-110).
    pub vig: f64,
    /// Standard deviation of the book's own opinion around the (lagged) line, in points.
    pub noise_points: f64,
    /// Share of time windows in which the book stops updating (its feed goes stale).
    pub stale_share: f64,
    /// Prices rounded to multiples of this many cents of American odds.
    pub price_step: i64,
}

impl BookProfile {
    pub fn for_name(name: &str) -> BookProfile {
        let p = |lag, vig, noise_points, stale_share, price_step| BookProfile {
            name: name.to_string(),
            lag,
            vig,
            noise_points,
            stale_share,
            price_step,
        };
        match name {
            "pinnacle" => p(0.0, 0.025, 0.0, 0.0, 1),
            "circa" => p(0.004, 0.03, 0.1, 0.0, 1),
            "lowvig" => p(0.006, 0.02, 0.1, 0.0, 1),
            "draftkings" => p(0.03, 0.045, 0.35, 0.0, 5),
            "fanduel" => p(0.04, 0.045, 0.4, 0.0, 5),
            "betmgm" => p(0.06, 0.05, 0.5, 0.02, 5),
            "bovada" => p(0.08, 0.05, 0.5, 0.25, 5),
            // An unknown book behaves like an ordinary soft book.
            _ => p(0.05, 0.05, 0.5, 0.05, 5),
        }
    }

    /// A real archive book (`book-<id>`): an ordinary soft book's lag, noise and rounding, with
    /// the margin its real closes held.
    pub fn archive(name: &str, vig: f64) -> BookProfile {
        BookProfile {
            vig: vig.clamp(0.0, 0.2),
            ..BookProfile::for_name(name)
        }
    }

    pub fn is_sharp(&self) -> bool {
        self.vig <= 0.03
    }
}
