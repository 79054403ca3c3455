//! A small seeded random source (xorshift, seeded through splitmix64): the project's random
//! choices (which messages a lossy link loses, spread delays, the load generator's mix, the
//! chaos and simulation tests' faults) follow a seed, so a run can be made again. Nothing here
//! needs to be unpredictable.

#[derive(Clone, Debug)]
pub struct Dice(u64);

impl Dice {
    /// Spreads `seed` over all the state's bits (splitmix64), so that neighbouring seeds give
    /// unrelated numbers and no seed gives xorshift's one dead state, zero.
    pub fn seeded(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Self((z ^ (z >> 31)) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `below` (which must not be 0).
    pub fn below(&mut self, below: u64) -> u64 {
        self.next_u64() % below
    }

    /// A number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::Dice;

    #[test]
    fn a_seed_gives_its_numbers_and_another_seed_others() {
        let draw = |seed| {
            let mut dice = Dice::seeded(seed);
            (0..100).map(|_| dice.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draw(42), draw(42));
        assert_ne!(draw(42), draw(43), "neighbouring seeds are unrelated");
        assert!(draw(0).iter().all(|n| *n != 0), "zero is no dead seed");
        let mut dice = Dice::seeded(7);
        assert!((0..1000).map(|_| dice.unit()).all(|u| (0.0..1.0).contains(&u)));
        assert!((0..1000).all(|_| dice.below(3) < 3));
    }
}
