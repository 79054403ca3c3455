//! How herdctl says a failure: an error and its causes in one line, each cause said once (an
//! I/O error is often both the message and its source), never a backtrace.

/// `error` and its causes, joined with `: `.
pub fn in_words(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}
