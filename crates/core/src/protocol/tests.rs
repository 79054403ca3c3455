//! Unit and property tests of the client protocol.

use proptest::prelude::*;

use super::*;

fn iamat(line: &str) -> Iamat<'_> {
    match parse(line.as_bytes()) {
        Some(ClientCommand::Iamat(iamat)) => iamat,
        other => panic!("{line:?} parsed as {other:?}"),
    }
}

fn whatsat(line: &str) -> Whatsat<'_> {
    match parse(line.as_bytes()) {
        Some(ClientCommand::Whatsat(whatsat)) => whatsat,
        other => panic!("{line:?} parsed as {other:?}"),
    }
}

fn is_invalid(line: &[u8]) -> bool {
    parse(line) == Some(ClientCommand::Invalid)
}

#[test]
fn parses_the_course_example() {
    let got = iamat("IAMAT kiwi.cs.ucla.edu +34.068930-118.445127 1614209128.918963997");
    assert_eq!(got.client, "kiwi.cs.ucla.edu");
    assert_eq!(got.coords, "+34.068930-118.445127");
    assert_eq!(got.time, "1614209128.918963997");
    assert_eq!(got.stamp, Timestamp::new(1614209128, 918963997));
    assert_eq!(got.position, Position { lat: 34.06893, lon: -118.445127 });
}

#[test]
fn formats_the_course_example_exactly() {
    let got = iamat("IAMAT kiwi.cs.ucla.edu +34.068930-118.445127 1614209128.918963997");
    let received = Timestamp::new(1614209129, 182837383);
    let record = Record::new("Riley", received, &got);
    assert_eq!(record.line(), "AT Riley +0.263873386 kiwi.cs.ucla.edu +34.068930-118.445127 1614209128.918963997");
}

#[test]
fn fields_are_split_on_every_kind_of_white_space() {
    let got = iamat(" \t\x0b\x0cIAMAT\t\tkiwi \x0b +1-2\x0c\r 5 \r");
    assert_eq!((got.client, got.coords, got.time), ("kiwi", "+1-2", "5"));
}

#[test]
fn blank_lines_get_no_reply() {
    for blank in ["", " ", "\t\r", "\x0b\x0c \r"] {
        assert_eq!(parse(blank.as_bytes()), None, "{blank:?}");
    }
}

#[test]
fn command_names_are_case_sensitive() {
    assert!(is_invalid(b"iamat kiwi +1-2 5"));
    assert!(is_invalid(b"Whatsat kiwi 10 5"));
}

#[test]
fn iamat_needs_exactly_four_fields() {
    assert!(is_invalid(b"IAMAT kiwi +1-2"));
    assert!(is_invalid(b"IAMAT kiwi +1-2 5 extra"));
    assert!(is_invalid(b"IAMAT"));
}

#[test]
fn client_ids_and_coordinates_have_a_length_cap() {
    let id = "k".repeat(MAX_CLIENT_ID);
    assert_eq!(iamat(&format!("IAMAT {id} +1-1 5")).client, id);
    assert!(is_invalid(format!("IAMAT {id}k +1-1 5").as_bytes()));
    let digits = "0".repeat(MAX_COORDS - 5); // `+1.` and `-1` make it exactly the cap
    assert!(matches!(parse(format!("IAMAT kiwi +1.{digits}-1 5").as_bytes()), Some(ClientCommand::Iamat(_))));
    assert!(is_invalid(format!("IAMAT kiwi +1.{digits}0-1 5").as_bytes()));
    // A peer's record is held to the same caps.
    assert!(Record::parse(&format!("AT Riley +0.000000000 {id} +1-1 5")).is_some());
    assert!(Record::parse(&format!("AT Riley +0.000000000 {id}k +1-1 5")).is_none());
}

#[test]
fn coordinates_follow_iso_6709_strictly() {
    for good in ["+34.068930-118.445127", "-90+180", "+90.000-180.0", "+0-0", "-00.5+000179.999"] {
        assert!(Position::parse(good).is_some(), "{good}");
    }
    for bad in [
        "34.068930-118.445127",    // latitude without a sign
        "+34.068930118.445127",    // no longitude
        "+34.068930-118.445127+1", // a third part
        "+90.0000001+0",           // latitude out of range
        "+0-180.0000000001",       // longitude out of range
        "+1e1-2",                  // exponent
        "+inf-2",
        "+nan+nan",
        "+1.-2",
        "+.5-2",
        "+-1-2",
        "+1--2",
        "+1-2a",
        "+１-2", // not an ASCII digit
        "",
        "+",
    ] {
        assert_eq!(Position::parse(bad), None, "{bad}");
    }
}

#[test]
fn timestamps_are_plain_with_at_most_nine_fraction_digits() {
    assert_eq!(Timestamp::parse("0"), Some(Timestamp::new(0, 0)));
    assert_eq!(Timestamp::parse("1.5"), Some(Timestamp::new(1, 500_000_000)));
    assert_eq!(Timestamp::parse("1.000000001"), Some(Timestamp::new(1, 1)));
    assert_eq!(Timestamp::parse("18446744073709551615.999999999"), Some(Timestamp::new(u64::MAX, 999_999_999)));
    for bad in ["18446744073709551616", "1.0000000001", "-1", "+1", "1e9", "inf", "nan", "1.", ".1", "1,5", ""] {
        assert_eq!(Timestamp::parse(bad), None, "{bad}");
    }
}

#[test]
fn difference_has_a_sign_and_nine_digits() {
    let cases = [
        (0, "+0.000000000"),
        (1, "+0.000000001"),
        (-1, "-0.000000001"),
        (1_500_000_000, "+1.500000000"),
        (-3_000_000_000, "-3.000000000"),
        (i128::from(u64::MAX) * 1_000_000_000, "+18446744073709551615.000000000"),
    ];
    for (nanos, text) in cases {
        assert_eq!(Difference(nanos).to_string(), text);
    }
}

#[test]
fn a_client_time_in_the_future_gives_a_negative_difference() {
    let got = iamat("IAMAT kiwi +1-2 100.25");
    let record = Record::new("Riley", Timestamp::new(99, 0), &got);
    assert_eq!(record.difference(), "-1.250000000");
}

#[test]
fn whatsat_limits_are_exact() {
    let got = whatsat("WHATSAT kiwi.cs.ucla.edu 10 5");
    assert_eq!((got.client, got.radius.as_str(), got.bound), ("kiwi.cs.ucla.edu", "10", 5));
    assert_eq!(whatsat("WHATSAT k 50 20").bound, 20);
    assert_eq!(whatsat("WHATSAT k 50.000 01").bound, 1);
    assert_eq!(whatsat("WHATSAT k 0.001 1").radius.as_str(), "0.001");
    for bad in [
        "WHATSAT k 51 5",
        "WHATSAT k 50.0001 5",
        "WHATSAT k 0 5",
        "WHATSAT k 0.000 5",
        "WHATSAT k -1 5",
        "WHATSAT k 10 0",
        "WHATSAT k 10 21",
        "WHATSAT k 10 5.0",
        "WHATSAT k 10 +5",
        "WHATSAT k 1e1 5",
        "WHATSAT k 10",
        "WHATSAT k 10 5 6",
    ] {
        assert!(is_invalid(bad.as_bytes()), "{bad}");
    }
}

#[test]
fn radius_turns_into_exact_metres() {
    for (km, metres) in
        [("10", "10000"), ("0.5", "500"), ("0.0125", "12.5"), ("50.000", "50000"), ("007.1", "7100"), ("0.0001", "0.1")]
    {
        assert_eq!(Radius::parse(km).unwrap().metres(), metres, "{km}");
    }
}

#[test]
fn invalid_lines_are_echoed_trimmed() {
    let mut out = Vec::new();
    write_invalid(b"  HELLO there \r", &mut out);
    assert_eq!(out, b"? HELLO there\n");
    out.clear();
    write_invalid(b"\xff\xfe bad", &mut out);
    assert_eq!(out, b"? \xff\xfe bad\n");
    assert!(is_invalid(b"IAMAT kiwi\xff +1-2 5"));
}

#[test]
fn whatsat_reply_collapses_newlines_and_ends_with_one_empty_line() {
    let mut out = Vec::new();
    write_whatsat_reply("AT Riley +0.1 k +1-2 5", "{\n\n\n   \"a\" : 1\n}\n\n\n", &mut out);
    assert_eq!(out, b"AT Riley +0.1 k +1-2 5\n{\n   \"a\" : 1\n}\n\n");
}

#[test]
fn ties_are_broken_by_server_then_coordinates() {
    let at = |server: &str, coords: &str, time: &str| {
        Record::parse(&format!("AT {server} +0.000000000 kiwi {coords} {time}")).unwrap()
    };
    assert!(at("Riley", "+1-1", "6").supersedes(&at("Riley", "+1-1", "5.999999999")));
    assert!(at("Riley", "+1-1", "5").supersedes(&at("Jaquez", "+1-1", "5.000")));
    assert!(at("Riley", "+1-2", "5").supersedes(&at("Riley", "+1-1", "5")));
    // The same IAMAT heard twice by one server: the whole line decides, the same way everywhere.
    let twice = |difference: &str| Record::parse(&format!("AT Riley {difference} kiwi +1-1 5")).unwrap();
    assert!(twice("+0.000000002").supersedes(&twice("+0.000000001")));
    assert!(!twice("+0.000000001").supersedes(&twice("+0.000000002")));
    assert!(twice("+0.000000002").supersedes_line(twice("+0.000000001").line()));
    assert!(!twice("+0.000000001").supersedes_line(twice("+0.000000002").line()));
    assert!(
        at("Riley", "+1-1", "5.0").supersedes(&at("Riley", "+1-1", "5"))
            ^ at("Riley", "+1-1", "5").supersedes(&at("Riley", "+1-1", "5.0"))
    );
    // The same order, against a stored line.
    for (a, b) in [
        (("Riley", "+1-1", "6"), ("Riley", "+1-1", "5.9")),
        (("Riley", "+1-1", "5"), ("Jaquez", "+1-1", "5")),
        (("Riley", "+1-2", "5"), ("Riley", "+1-1", "5")),
    ] {
        let (newer, older) = (at(a.0, a.1, a.2), at(b.0, b.1, b.2));
        assert!(newer.supersedes_line(older.line()) && !older.supersedes_line(newer.line()));
        assert!(!newer.supersedes_line(newer.line()));
    }
}

#[test]
fn peers_records_must_be_canonical_at_lines() {
    let good = "AT Riley +0.263873386 kiwi +34.068930-118.445127 1614209128.918963997";
    let record = Record::parse(good).unwrap();
    assert_eq!((record.server(), record.client(), record.coords()), ("Riley", "kiwi", "+34.068930-118.445127"));
    for bad in [
        "AT Riley +0.26 kiwi +34-118 1",
        "AT Riley 0.263873386 kiwi +34-118 1",
        "AT  Riley +0.263873386 kiwi +34-118 1",
        "AT Riley +0.263873386 kiwi +34-118",
        "AT Riley +0.263873386 kiwi 34-118 1",
        "AT Riley +0.263873386 kiwi +34-118 1 x",
        "IAMAT Riley +0.263873386 kiwi +34-118 1",
        "AT Riley\t+0.263873386 kiwi +34-118 1",
    ] {
        assert_eq!(Record::parse(bad), None, "{bad}");
    }
}

fn coordinate(limit: u32) -> impl Strategy<Value = String> {
    (any::<bool>(), 0..=limit, proptest::option::of("[0-9]{1,12}")).prop_map(move |(negative, whole, fraction)| {
        let sign = if negative { '-' } else { '+' };
        match fraction {
            // The limit itself only with an all-zero fraction.
            Some(f) if whole < limit => format!("{sign}{whole}.{f}"),
            _ => format!("{sign}{whole}"),
        }
    })
}

proptest! {
    #[test]
    fn any_bytes_parse_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse(&bytes);
    }

    #[test]
    fn valid_iamats_round_trip_byte_for_byte(
        client in "[!-~]{1,40}",
        lat in coordinate(90),
        lon in coordinate(180),
        secs in any::<u64>(),
        fraction in proptest::option::of("[0-9]{1,9}"),
        gap in " [ \t\x0b\x0c\r]{0,3}",
    ) {
        let coords = format!("{lat}{lon}");
        let time = match &fraction { Some(f) => format!("{secs}.{f}"), None => secs.to_string() };
        let line = format!("IAMAT{gap}{client}{gap}{coords}{gap}{time}\r");
        let got = iamat(&line);
        prop_assert_eq!((got.client, got.coords, got.time), (client.as_str(), coords.as_str(), time.as_str()));
        let record = Record::new("Riley", Timestamp::now(), &got);
        let reparsed = Record::parse(record.line()).unwrap();
        prop_assert_eq!(&reparsed, &record);
        let tail = format!(" {client} {coords} {time}");
        prop_assert!(record.line().ends_with(&tail));
    }

    #[test]
    fn difference_is_exact(received in any::<(u64, u32)>(), sent in any::<(u64, u32)>()) {
        let received = Timestamp::new(received.0, received.1 % 1_000_000_000);
        let sent = Timestamp::new(sent.0, sent.1 % 1_000_000_000);
        let text = Difference::between(received, sent).to_string();
        let (sign, digits) = text.split_at(1);
        let (whole, fraction) = digits.split_once('.').unwrap();
        prop_assert_eq!(fraction.len(), 9);
        let magnitude = whole.parse::<i128>().unwrap() * 1_000_000_000 + fraction.parse::<i128>().unwrap();
        let value = if sign == "-" { -magnitude } else { magnitude };
        prop_assert_eq!(value, received.as_nanos() - sent.as_nanos());
        prop_assert_eq!(sign == "-", received < sent);
    }

    #[test]
    fn timestamps_round_trip(secs in any::<u64>(), nanos in 0u32..1_000_000_000) {
        let stamp = Timestamp::new(secs, nanos);
        prop_assert_eq!(Timestamp::parse(&stamp.to_string()), Some(stamp));
    }

    #[test]
    fn out_of_range_latitudes_are_refused(whole in 91u32..100_000, fraction in "[0-9]{0,5}") {
        let text = if fraction.is_empty() { format!("+{whole}+0") } else { format!("+{whole}.{fraction}+0") };
        prop_assert_eq!(Position::parse(&text), None);
    }
}
