//! WHATSAT: a client ID, a radius in kilometres in (0, 50], and a bound on results in 1..=20.

use super::decimal::Decimal;

/// The largest radius a WHATSAT may ask for, in kilometres.
pub const MAX_RADIUS_KM: u64 = 50;
/// The largest number of results a WHATSAT may ask for.
pub const MAX_BOUND: u64 = 20;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Whatsat<'a> {
    pub client: &'a str,
    pub radius: Radius<'a>,
    pub bound: usize,
}

/// A radius as the client wrote it, in kilometres.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Radius<'a> {
    text: &'a str,
}

impl<'a> Whatsat<'a> {
    pub(super) fn parse(words: &mut impl Iterator<Item = &'a str>) -> Option<Self> {
        let (client, radius, bound) = (words.next()?, words.next()?, words.next()?);
        if words.next().is_some() {
            return None;
        }
        let radius = Radius::parse(radius)?;
        let bound = Decimal::parse(bound).filter(|d| d.fraction.is_empty() && !d.is_zero() && d.at_most(MAX_BOUND))?;
        Some(Self { client, radius, bound: bound.integer_value()? as usize })
    }
}

impl<'a> Radius<'a> {
    pub fn parse(text: &'a str) -> Option<Self> {
        let decimal = Decimal::parse(text)?;
        (!decimal.is_zero() && decimal.at_most(MAX_RADIUS_KM)).then_some(Self { text })
    }

    /// The radius in metres as exact decimal text (`10` -> `10000`, `0.0125` -> `12.5`): the
    /// decimal point moves three places, so no rounding reaches the upstream query.
    pub fn metres(&self) -> String {
        let (integer, fraction) = self.text.split_once('.').unwrap_or((self.text, ""));
        let padded = format!("{fraction:0<3}");
        let (whole, rest) = padded.split_at(3);
        let digits = format!("{integer}{whole}");
        let integer = match digits.trim_start_matches('0') {
            "" => "0",
            trimmed => trimmed,
        };
        let rest = rest.trim_end_matches('0');
        if rest.is_empty() { integer.to_string() } else { format!("{integer}.{rest}") }
    }

    pub fn as_str(&self) -> &'a str {
        self.text
    }
}
