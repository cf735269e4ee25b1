//! Edges: where a book's price beats our fair probability, and how much to stake on it.

pub mod arbitrage;
pub mod bankroll;
pub mod board;
pub mod book_profile;
pub mod clv;
pub mod consensus;
pub mod fair;
pub mod futures;
pub mod grouping;
pub mod hold;
pub mod kelly;
pub mod ledger;
pub mod markets;
pub mod middles;
pub mod movement;
pub mod opportunity;
pub mod portfolio;
pub mod report;
pub mod settle;
pub mod steam;
pub mod steam_paths;

pub use consensus::{consensus, Consensus, MarketKey};
pub use fair::{game_views, GameView};
pub use kelly::{expected_value, kelly, kelly_mutually_exclusive, thorp_shrink};
pub use markets::{scan_markets, MarketIntel};
pub use movement::{line_movement, LineMovement};
pub use opportunity::{find_opportunities, Opportunity};
pub use portfolio::Portfolio;

#[cfg(test)]
mod board_equivalence;
#[cfg(test)]
mod steam_equivalence;
#[cfg(test)]
mod tests;
