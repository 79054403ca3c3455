//! Numbers as people read them: grouped digits and the right plural.

/// `1,234,567`.
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `1 client`, `2 clients`, `10,001 clients`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", grouped(n), if n == 1 { one } else { many })
}

/// The one mark of a figure that comes from sampled events (a burst: the nodes publish only so
/// many a second, and the console counts or rebuilds from those it was shown).
pub const SAMPLED: &str = "≈sampled";

/// The mark of a recording with gaps: a moment rebuilt from it may miss what the gaps held.
pub const INCOMPLETE: &str = "≈incomplete";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_naturally() {
        assert_eq!(count(0, "client", "clients"), "0 clients");
        assert_eq!(count(1, "client", "clients"), "1 client");
        assert_eq!(count(10_001, "client", "clients"), "10,001 clients");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000_000), "1,000,000");
    }
}
