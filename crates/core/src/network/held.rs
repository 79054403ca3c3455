//! A transmission waiting at its sender, and the fates the operator (or a lossy link) gives it.

use std::sync::Arc;

use tokio::time::Instant;

use crate::topology::NodeName;

/// A transmission held in step mode, as the console shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    pub id: u64,
    pub from: NodeName,
    pub to: NodeName,
    pub client: Arc<str>,
    pub hops: u32,
    /// When it was held.
    pub since: Instant,
}

impl Held {
    /// The order step mode releases in: hop, then sender, then receiver, then when it was held.
    /// A defined order, so that a walkthrough's duplicates are the same copies on every run
    /// (which link task holds first is a race).
    pub fn order(&self) -> (u32, &str, &str, u64) {
        (self.hops, &self.from, &self.to, self.id)
    }
}

impl std::fmt::Display for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}→{} {} (hop {})", self.from, self.to, self.client, self.hops)
    }
}

/// What becomes of a transmission: it goes, it is lost, or it arrives twice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fate {
    #[default]
    Deliver,
    /// Never written: the operator dropped it (a lost message). The receiver never learns it
    /// by this link, unless a later catch-up carries it.
    Drop,
    /// Written twice: the receiver keeps the first and drops the second as a duplicate.
    Duplicate,
    /// Never written: a lossy link lost it (`loss A B 20%`).
    Lost,
}

impl Fate {
    /// The verb that gives a held transmission this fate (`deliver`, `drop`, `dup`), as the
    /// command line and the control port write it.
    pub fn verb(self) -> &'static str {
        match self {
            Self::Deliver => "deliver",
            Self::Drop | Self::Lost => "drop",
            Self::Duplicate => "dup",
        }
    }

    /// The fate an operator's verb gives a held message.
    pub fn from_verb(verb: &str) -> Option<Self> {
        match verb {
            "deliver" => Some(Self::Deliver),
            "drop" => Some(Self::Drop),
            "dup" => Some(Self::Duplicate),
            _ => None,
        }
    }

    /// What the operator did, in the past tense.
    pub fn done(self) -> &'static str {
        match self {
            Self::Deliver => "delivered",
            Self::Drop => "dropped",
            Self::Duplicate => "duplicated",
            Self::Lost => "lost",
        }
    }
}
