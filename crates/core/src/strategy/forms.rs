//! How strategies are written: one table, [`FORMS`], that reads them and that every text listing
//! them is made from (the command line's `--strategy` help and error, the console's and scripts'
//! `strategy` command, the experiment's `--strategy`, shell completion), so that none of them can
//! leave a strategy out; and each strategy written back as it is read.

use std::sync::LazyLock;

use super::Strategy;

/// One way of writing a strategy.
#[derive(Debug)]
pub struct Form {
    /// As help writes it: `batch:INTERVAL`.
    pub form: &'static str,
    /// One that reads as a strategy: help's example, and what completion offers.
    pub example: &'static str,
    /// What it does, in a few words.
    pub does: &'static str,
    /// Reads what follows the name and its colon (`500ms`); `None` when nothing does.
    read: fn(Option<&str>) -> Option<Strategy>,
}

impl Form {
    /// The word before the colon: `batch`.
    pub fn name(&self) -> &'static str {
        self.form.split_once(':').map_or(self.form, |(name, _)| name)
    }
}

/// Every strategy's form, the default first.
pub const FORMS: &[Form] = &[
    Form {
        form: "flood",
        example: "flood",
        does: "to every live neighbour but the sender: the course's way, and every guarantee",
        read: |argument| argument.is_none().then_some(Strategy::Flood),
    },
    Form {
        form: "tree",
        example: "tree",
        does: "along the spanning tree from the record's origin: one message a node when nothing fails, \
               flooding around a failure",
        read: |argument| argument.is_none().then_some(Strategy::Tree),
    },
    Form {
        form: "batch:INTERVAL",
        example: "batch:500ms",
        does: "the tree's routes, each link sending what it gathered within INTERVAL, up to a minute, as one \
               transmission",
        read: |argument| {
            let every = humantime::parse_duration(argument?).ok()?;
            (!every.is_zero() && every.as_secs() <= 60).then_some(Strategy::Batch(every))
        },
    },
    Form {
        form: "gossip:FANOUT",
        example: "gossip:3",
        does: "to FANOUT live neighbours chosen at random, 1 to 100, and once a second each neighbour caught up \
               with all a node knows",
        read: |argument| argument?.parse().ok().filter(|fanout| (1..=100).contains(fanout)).map(Strategy::Gossip),
    },
];

/// A text that is not a strategy; it says which are.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a strategy: {choices}", choices = choices())]
pub struct NotAStrategy(String);

impl Strategy {
    /// `flood`, `tree`, `batch:500ms`, `gossip:3`: one of [`FORMS`].
    pub fn parse(text: &str) -> Result<Self, NotAStrategy> {
        let (name, argument) = match text.split_once(':') {
            Some((name, argument)) => (name, Some(argument)),
            None => (text, None),
        };
        FORMS
            .iter()
            .find(|form| form.name() == name)
            .and_then(|form| (form.read)(argument))
            .ok_or_else(|| NotAStrategy(text.into()))
    }
}

impl std::str::FromStr for Strategy {
    type Err = NotAStrategy;

    fn from_str(text: &str) -> Result<Self, NotAStrategy> {
        Self::parse(text)
    }
}

/// As [`Strategy::parse`] reads it.
impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Flood => f.write_str("flood"),
            Self::Tree => f.write_str("tree"),
            Self::Batch(every) => write!(f, "batch:{}", humantime::format_duration(*every)),
            Self::Gossip(fanout) => write!(f, "gossip:{fanout}"),
        }
    }
}

/// `flood|tree|batch:INTERVAL|gossip:FANOUT`: a command's usage.
pub fn usage() -> &'static str {
    static USAGE: LazyLock<String> = LazyLock::new(|| FORMS.iter().map(|form| form.form).collect::<Vec<_>>().join("|"));
    &USAGE
}

/// `flood, tree, batch:INTERVAL (e.g. batch:500ms) or gossip:FANOUT (e.g. gossip:3)`: what an
/// error lists.
pub fn choices() -> &'static str {
    static CHOICES: LazyLock<String> = LazyLock::new(|| {
        listed(|form| match example(form) {
            Some(example) => format!("{} (e.g. {example})", form.form),
            None => form.form.to_string(),
        })
    });
    &CHOICES
}

/// Every form with what it does and an example: a help's list.
pub fn described() -> &'static str {
    static DESCRIBED: LazyLock<String> = LazyLock::new(|| {
        listed(|form| match example(form) {
            Some(example) => format!("{} ({}; e.g. {example})", form.form, form.does),
            None => format!("{} ({})", form.form, form.does),
        })
    });
    &DESCRIBED
}

/// The example of a form that is not its own example.
fn example(form: &Form) -> Option<&'static str> {
    (form.example != form.form).then_some(form.example)
}

/// The forms as `item` writes each, in a sentence: `a, b or c`.
fn listed(item: impl Fn(&Form) -> String) -> String {
    let items: Vec<String> = FORMS.iter().map(item).collect();
    match items.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::one_of_each;

    #[test]
    fn strategies_read_back_as_they_are_written() {
        for text in ["flood", "tree", "batch:500ms", "batch:1s", "gossip:3", "gossip:100"] {
            assert_eq!(Strategy::parse(text).unwrap().to_string(), text);
        }
        for wrong in
            ["", "gossip", "gossip:0", "gossip:101", "batch", "batch:0s", "batch:2m", "tree:3", "flood:", "Flood"]
        {
            let error = Strategy::parse(wrong).unwrap_err().to_string();
            assert!(error.starts_with(&format!("{wrong:?} is not a strategy: ")), "{error}");
        }
    }

    #[test]
    fn every_strategy_has_a_form_and_every_list_names_every_form() {
        for strategy in one_of_each() {
            let written = strategy.to_string();
            let form = FORMS.iter().find(|form| form.name() == written.split(':').next().unwrap());
            let form = form.unwrap_or_else(|| panic!("{written} has no form in FORMS"));
            assert_eq!(Strategy::parse(form.example).unwrap().to_string(), form.example);
            for (list, text) in [("usage", usage()), ("choices", choices()), ("described", described())] {
                assert!(text.contains(form.form), "{list} lacks {}: {text}", form.form);
            }
            assert!(Strategy::parse("nonsense").unwrap_err().to_string().contains(form.form));
        }
        assert_eq!(usage(), "flood|tree|batch:INTERVAL|gossip:FANOUT");
        assert_eq!(choices(), "flood, tree, batch:INTERVAL (e.g. batch:500ms) or gossip:FANOUT (e.g. gossip:3)");
        let mut names: Vec<&str> = FORMS.iter().map(Form::name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FORMS.len(), "two forms share a name: the second could never be read");
    }
}
