//! What must hold for any input at all, checked by the fuzz targets (`fuzz/`, on nightly) and by
//! the test suite on stable (`tests/fuzz.rs`, a checked-in corpus and a bounded random run):
//! the parsers never panic, and what they accept survives the trip through the wire.

use crate::peer::wire::Message;
use crate::protocol::{self, ClientCommand, Record, Timestamp};

/// A client line: parsing never panics; an accepted IAMAT makes an AT line that every neighbour
/// accepts as it is (or flooding would break on it), with the client's fields byte for byte; an
/// invalid line is answered with `? ` and the line trimmed.
pub fn client_line(line: &[u8]) {
    match protocol::parse(line) {
        None => assert!(protocol::trim(line).is_empty(), "only a blank line goes unanswered"),
        Some(ClientCommand::Iamat(iamat)) => {
            let record = Record::new("Riley", Timestamp::now(), &iamat);
            let again = Record::parse(record.line()).expect("the AT line of an accepted IAMAT parses");
            assert_eq!(again.line(), record.line());
            assert_eq!((again.client(), again.coords(), again.time()), (iamat.client, iamat.coords, iamat.time));
        }
        Some(ClientCommand::Whatsat(whatsat)) => {
            assert!(!whatsat.client.is_empty());
            assert!((1..=20).contains(&whatsat.bound));
        }
        Some(ClientCommand::Invalid) => {
            let mut reply = Vec::new();
            protocol::write_invalid(line, &mut reply);
            assert!(reply.starts_with(b"? ") && reply.ends_with(b"\n"));
        }
    }
}

/// A peer line: parsing never panics, and what parses is written back the same.
pub fn peer_line(line: &[u8]) {
    let Ok(text) = std::str::from_utf8(line) else { return };
    let Some(message) = Message::parse(text) else { return };
    let mut written = String::new();
    message.write_to(&mut written);
    let written = written.strip_suffix('\n').expect("one line");
    assert_eq!(Message::parse(written).as_ref(), Some(&message), "{text:?} written back as {written:?}");
    if let Message::Record { at_line, .. } = message {
        // A record line's AT line is parsed by the receiver; it must not panic either.
        let _ = Record::parse(at_line);
    }
}
