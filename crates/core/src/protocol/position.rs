//! Positions in ISO 6709 decimal degrees: a signed latitude directly followed by a signed
//! longitude, as in `+34.068930-118.445127`.

use super::decimal::Decimal;

/// A validated position. The text the client sent is kept elsewhere; this is for arithmetic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Position {
    pub lat: f64,
    pub lon: f64,
}

impl Position {
    /// Accepts exactly `[+-]digits[.digits][+-]digits[.digits]` with latitude in [-90, 90] and
    /// longitude in [-180, 180], the bounds checked on the digits themselves.
    pub fn parse(text: &str) -> Option<Self> {
        let split = text.bytes().skip(1).position(|b| b == b'+' || b == b'-')? + 1;
        let (lat, lon) = text.split_at(split);
        Some(Self { lat: signed_within(lat, 90)?, lon: signed_within(lon, 180)? })
    }
}

fn signed_within(text: &str, limit: u64) -> Option<f64> {
    let unsigned = text.strip_prefix(['+', '-'])?;
    let decimal = Decimal::parse(unsigned)?;
    if !decimal.at_most(limit) {
        return None;
    }
    // The digits are plain and in range, so this parse cannot fail; f64 is precise enough for
    // distances (the text itself is what is echoed to clients).
    let magnitude: f64 = unsigned.parse().ok()?;
    Some(if text.starts_with('-') { -magnitude } else { magnitude })
}
