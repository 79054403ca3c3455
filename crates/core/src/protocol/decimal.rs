//! Plain decimal numbers as the protocol writes them (`digits[.digits]`), checked exactly, without
//! going through floating point where a rounding could let a wrong value pass.

/// A non-negative decimal split into its integer and fraction digits (both ASCII digits only).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decimal<'a> {
    pub integer: &'a str,
    pub fraction: &'a str,
}

impl<'a> Decimal<'a> {
    /// `digits` or `digits.digits`; anything else (signs, exponents, `inf`, `.5`, `5.`) is refused.
    pub fn parse(text: &'a str) -> Option<Self> {
        let (integer, fraction) = match text.split_once('.') {
            Some((integer, fraction)) if !fraction.is_empty() => (integer, fraction),
            Some(_) => return None,
            None => (text, ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        (!integer.is_empty() && digits(integer) && digits(fraction)).then_some(Self { integer, fraction })
    }

    /// The integer part without leading zeros (empty for zero).
    fn significant_integer(&self) -> &'a str {
        self.integer.trim_start_matches('0')
    }

    pub fn is_zero(&self) -> bool {
        self.significant_integer().is_empty() && self.fraction.bytes().all(|b| b == b'0')
    }

    /// Whether the value is at most `limit`, compared exactly.
    pub fn at_most(&self, limit: u64) -> bool {
        let integer = self.significant_integer();
        if integer.len() > 19 {
            return false;
        }
        let value: u64 = if integer.is_empty() { 0 } else { integer.parse().unwrap_or(u64::MAX) };
        value < limit || (value == limit && self.fraction.bytes().all(|b| b == b'0'))
    }

    /// The integer part as a u64, if it fits.
    pub fn integer_value(&self) -> Option<u64> {
        let integer = self.significant_integer();
        if integer.is_empty() { Some(0) } else { integer.parse().ok() }
    }
}

#[cfg(test)]
mod tests {
    use super::Decimal;

    #[test]
    fn accepts_only_plain_decimals() {
        for good in ["0", "7", "007", "1.5", "0.000000001", "12345678901234567890123.4"] {
            assert!(Decimal::parse(good).is_some(), "{good}");
        }
        for bad in ["", ".", ".5", "5.", "+5", "-5", "1e5", "inf", "nan", "1.2.3", "0x10", "1_0", "٣"] {
            assert_eq!(Decimal::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn compares_exactly_at_the_limit() {
        let value = |s| Decimal::parse(s).unwrap();
        assert!(value("90").at_most(90));
        assert!(value("090.000").at_most(90));
        assert!(!value("90.000000000000000000001").at_most(90));
        assert!(value("89.999999999999999999999").at_most(90));
        assert!(!value("91").at_most(90));
        assert!(!value("100000000000000000000000").at_most(90));
        assert!(value("0000000000000000000000000001").at_most(1));
    }

    #[test]
    fn knows_zero() {
        assert!(Decimal::parse("000.000").unwrap().is_zero());
        assert!(!Decimal::parse("0.0001").unwrap().is_zero());
    }
}
