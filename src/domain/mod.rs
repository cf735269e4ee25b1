//! Pure domain types and odds maths. No IO lives here.

pub mod devig;
pub mod market;
pub mod normal;
pub mod odds;
pub mod outright;
pub mod periods;
pub mod sample;

pub use devig::{devig, DevigError, DevigMethod};
pub use market::{Event, MarketKind, Quote, Scope, Selection};
pub use odds::{Odds, OddsError};
pub use periods::{PeriodGate, PeriodLine};
