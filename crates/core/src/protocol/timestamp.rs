//! POSIX times with nanosecond precision, kept as integers so that no digit is ever lost.

use std::time::{SystemTime, UNIX_EPOCH};

use super::decimal::Decimal;

/// A point in time: whole seconds since the epoch and nanoseconds within the second.
/// Ordered by value, so `1.5` and `1.500` are the same time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: u64,
    nanos: u32,
}

impl Timestamp {
    pub const fn new(secs: u64, nanos: u32) -> Self {
        assert!(nanos < 1_000_000_000);
        Self { secs, nanos }
    }

    /// `digits[.digits]` with at most nine fraction digits and seconds that fit in 64 bits.
    pub fn parse(text: &str) -> Option<Self> {
        let decimal = Decimal::parse(text)?;
        if decimal.fraction.len() > 9 {
            return None;
        }
        let secs = decimal.integer_value()?;
        let mut nanos = 0u32;
        for (i, digit) in decimal.fraction.bytes().enumerate() {
            nanos += u32::from(digit - b'0') * 10u32.pow(8 - i as u32);
        }
        Some(Self { secs, nanos })
    }

    pub fn now() -> Self {
        Self::from(SystemTime::now())
    }

    pub fn secs(self) -> u64 {
        self.secs
    }

    pub fn subsec_nanos(self) -> u32 {
        self.nanos
    }

    /// This time moved by `nanos` (negative: earlier), clamped to the epoch.
    pub fn shifted(self, nanos: i64) -> Self {
        let total = (self.as_nanos() + i128::from(nanos)).max(0);
        let secs = u64::try_from(total / 1_000_000_000).unwrap_or(u64::MAX);
        Self { secs, nanos: (total % 1_000_000_000) as u32 }
    }

    /// Nanoseconds since the epoch; i128 holds any difference of two timestamps exactly.
    pub fn as_nanos(self) -> i128 {
        i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos)
    }
}

impl From<SystemTime> for Timestamp {
    fn from(time: SystemTime) -> Self {
        // A clock before 1970 is a broken clock; count it as the epoch rather than fail a reply.
        let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
        Self { secs: since.as_secs(), nanos: since.subsec_nanos() }
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:09}", self.secs, self.nanos)
    }
}
