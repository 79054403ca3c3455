//! What the operator asked for, for the console's glue to carry out.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Intent {
    Quit,
    Kill(String),
    Revive(String),
    /// A command typed in the command line; `node` is the selected node, the target of raw
    /// protocol lines.
    Submit {
        node: String,
        text: String,
    },
}
