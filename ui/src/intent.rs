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
    /// Switch between live and step mode.
    ToggleStep,
    /// Release the oldest held transmission.
    ReleaseNext,
    /// Release every held transmission.
    ReleaseWave,
    /// Go on with the walkthrough after a caption.
    Continue,
    /// Back to the walkthrough's previous caption (the herd replays the story up to it).
    Back,
    /// To the start of this section of the walkthrough, or of the previous one from its start.
    PreviousSection,
    /// To the start of the walkthrough's next section.
    NextSection,
    /// Write the session's trace to a file.
    WriteTrace,
    /// Move in time: a replay, or a live console looking back.
    Time(TimeMove),
    /// Deliver, drop or duplicate the held transmission `id`.
    Decide {
        id: u64,
        choice: crate::view::HeldChoice,
    },
}

/// A move along a recording's timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeMove {
    /// One event back (in a live console in step mode: start looking back).
    Earlier,
    /// One event forward (looking back: at the newest, back to now).
    Later,
    PlayPause,
    PreviousFault,
    NextFault,
    PreviousFlood,
    NextFlood,
    Slower,
    Faster,
    /// A replay: start a live herd from the moment shown.
    GoLive,
    /// A live console looking back: back to the herd as it is now.
    Now,
    /// To this many milliseconds from the recording's start (a click on the timeline).
    To(u64),
}
