//! What `expect` checks: which node knows which client, which record it holds, a link's state,
//! what an update cost, whether the herd converged; and how an `expect` line reads.

use std::time::Duration;

use super::forms::{CommandError, MAX_WAIT, Verb, at_most, duration};

/// What `expect` checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// `expect NODE knows CLIENT`: within a moment (a flood takes one); with `now`, at once (a
    /// strict read-your-writes check).
    Knows { node: String, client: String, now: bool },
    /// `expect NODE lacks CLIENT`: at once.
    Lacks { node: String, client: String },
    /// `expect NODE has CLIENT at COORDS` / `from SERVER`: which record it holds.
    Has { node: String, client: String, field: RecordField, value: String },
    /// `expect reply NODE TEXT`: the last reply this walkthrough got from NODE starts with TEXT.
    Reply { node: String, starts: String },
    /// `expect link A B up|down|cut`.
    Link { a: String, b: String, state: LinkExpect },
    /// `expect cost CLIENT messages|duplicates|hops OP N`: what the last update of CLIENT cost.
    Cost { client: String, measure: CostMeasure, compare: Compare, value: usize },
    /// `expect converged within DURATION`: every running node holds the same record of every
    /// client, by then.
    Converged { within: Duration },
    /// `expect CLIENT reached N nodes`: exactly N running nodes hold CLIENT's newest record (the
    /// greatest any of them holds), within a moment.
    Reached { client: String, nodes: usize },
}

/// What an update's cost is measured in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CostMeasure {
    /// Peer messages that flooded it.
    Messages,
    /// Copies dropped on arrival.
    Duplicates,
    /// Hops until the last node had it.
    Hops,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    AtMost,
    Exactly,
    AtLeast,
}

impl Compare {
    pub fn holds(self, found: usize, value: usize) -> bool {
        match self {
            Self::AtMost => found <= value,
            Self::Exactly => found == value,
            Self::AtLeast => found >= value,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Self::AtMost => "<=",
            Self::Exactly => "==",
            Self::AtLeast => ">=",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordField {
    /// The position, as the client wrote it.
    Coords,
    /// The server that received the IAMAT.
    Server,
    /// The neighbour this node learned it from (`client` when it came from the client).
    Via,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkExpect {
    Up,
    Down,
    Cut,
}

/// Reads the words of an `expect` line; `rest(n)` is the line after its first n words.
pub(super) fn expectation(words: &[&str], rest: &dyn Fn(usize) -> String) -> Result<Expectation, CommandError> {
    let usage = || CommandError::Usage(Verb::Expect);
    let word = |i: usize| words.get(i).map(|w| w.to_string()).ok_or_else(usage);
    Ok(match (words.get(1).copied(), words.get(2).copied(), words.len()) {
        (Some("reply"), Some(_), n) if n >= 4 => Expectation::Reply { node: word(2)?, starts: rest(3) },
        (Some("cost"), Some(_), 6) => Expectation::Cost {
            client: word(2)?,
            measure: match words[3] {
                "messages" | "msgs" => CostMeasure::Messages,
                "duplicates" | "dup" => CostMeasure::Duplicates,
                "hops" => CostMeasure::Hops,
                _ => return Err(usage()),
            },
            compare: match words[4] {
                "<=" => Compare::AtMost,
                "==" | "=" => Compare::Exactly,
                ">=" => Compare::AtLeast,
                _ => return Err(usage()),
            },
            value: words[5].parse().map_err(|_| usage())?,
        },
        (Some("link"), _, 5) => Expectation::Link {
            a: word(2)?,
            b: word(3)?,
            state: match words[4] {
                "up" => LinkExpect::Up,
                "down" => LinkExpect::Down,
                "cut" => LinkExpect::Cut,
                _ => return Err(usage()),
            },
        },
        (Some("converged"), Some("within"), 4) => {
            Expectation::Converged { within: at_most("a wait", duration(words[3])?, MAX_WAIT)? }
        }
        (_, Some("reached"), 5) if words[4] == "nodes" || words[4] == "node" => {
            Expectation::Reached { client: word(1)?, nodes: words[3].parse().map_err(|_| usage())? }
        }
        (_, Some("knows"), 4) => Expectation::Knows { node: word(1)?, client: word(3)?, now: false },
        (_, Some("knows"), 5) if words[4] == "now" => {
            Expectation::Knows { node: word(1)?, client: word(3)?, now: true }
        }
        // A lack is always checked at once; `now` may say so.
        (_, Some("lacks"), 4) => Expectation::Lacks { node: word(1)?, client: word(3)? },
        (_, Some("lacks"), 5) if words[4] == "now" => Expectation::Lacks { node: word(1)?, client: word(3)? },
        (_, Some("has"), 6) => Expectation::Has {
            node: word(1)?,
            client: word(3)?,
            field: match words[4] {
                "at" => RecordField::Coords,
                "from" => RecordField::Server,
                "via" => RecordField::Via,
                _ => return Err(usage()),
            },
            value: word(5)?,
        },
        _ => return Err(usage()),
    })
}
