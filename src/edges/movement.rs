//! Line movement along one selection's odds path at one book.

use crate::domain::Quote;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LineMovement {
    /// Last line minus first, from the selection's point of view (Home -3 to -3.5 is -0.5: the
    /// market made the selection a bigger favourite). `None` for markets without lines.
    pub points: Option<f64>,
    /// Last implied probability minus first (with the vig): positive when the price shortened.
    pub prob: f64,
    pub observations: usize,
}

/// Movement from the first to the last quote of `path` (oldest first, as
/// `store::read::history` returns it). `None` for an empty path or unusable odds.
pub fn line_movement(path: &[Quote]) -> Option<LineMovement> {
    let (first, last) = (path.first()?, path.last()?);
    let implied = |q: &Quote| Some(1.0 / q.decimal()).filter(|p| p.is_finite() && *p > 0.0);
    let points = match (first.line, last.line) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    Some(LineMovement {
        points,
        prob: implied(last)? - implied(first)?,
        observations: path.len(),
    })
}
