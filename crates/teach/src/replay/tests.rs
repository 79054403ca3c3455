use std::fmt::Write as _;

use super::*;
use crate::moment::Moment;
use herdctl_core::cache::PageStart;
use herdctl_core::network::Mode;

const STARTED: &str = "2026-11-26T10:00:00Z";

fn header() -> String {
    let topology = Topology::built_in().to_json();
    format!(r#"{{"format":"{TRACE_FORMAT}","started":"{STARTED}","seed":7,"client":null,"topology":{topology}}}"#)
}

fn record(server: &str, client: &str, time: u32) -> String {
    format!("AT {server} +0.000000001 {client} +34.068930-118.445127 {time}.000000000")
}

fn recording(lines: &[String]) -> Recording {
    let text = std::iter::once(header()).chain(lines.iter().cloned()).collect::<Vec<_>>().join("\n");
    Recording::parse(&text, "test.jsonl", None).expect("a valid trace")
}

#[test]
fn a_moment_shows_the_caches_the_links_and_the_faults_as_they_were() {
    let at = record("Riley", "kiwi", 1);
    let lines = [
        format!(r#"{{"t":0.1,"node":"Riley","kind":"learned","text":"kiwi","record":"{at}","hops":0}}"#),
        format!(
            r#"{{"t":0.2,"node":"Riley","kind":"peer_send","peer":"Jaquez","text":"kiwi","record":"{at}","hops":1,"catch_up":false}}"#
        ),
        format!(
            r#"{{"t":0.3,"node":"Jaquez","kind":"peer_receive","peer":"Riley","text":"kiwi","record":"{at}","hops":1,"arrival":"new","catch_up":false}}"#
        ),
        r#"{"t":0.4,"node":"Jaquez","kind":"fault","fault":"cut_one_way","peer":"Juzang","text":"cut"}"#.to_string(),
        r#"{"t":0.5,"node":"Riley","kind":"fault","fault":"latency","peer":"Jaquez","value":"100ms±40ms","text":"latency"}"#
            .to_string(),
        r#"{"t":0.6,"node":"herd","kind":"fault","fault":"mode","value":"step","text":"mode: step"}"#.to_string(),
        format!(
            r#"{{"t":0.7,"node":"Jaquez","kind":"held","peer":"Campbell","text":"kiwi","record":"{at}","hops":2,"catch_up":false}}"#
        ),
        r#"{"t":0.8,"node":"Jaquez","kind":"fault","fault":"node_down","text":"node down"}"#.to_string(),
        r#"{"t":0.9,"node":"Jaquez","kind":"some_future_kind","text":"skipped"}"#.to_string(),
    ];
    let timeline = Timeline::new(Arc::new(recording(&lines)));
    assert_eq!(timeline.len(), 9, "the unknown kind is skipped; the arrival at Jaquez is also said as its storing");

    let before_the_kill = timeline.world_after(timeline.count_at(Duration::from_millis(750)));
    let jaquez = before_the_kill.cache_entry("Jaquez", "kiwi").expect("Jaquez learned kiwi from Riley");
    assert_eq!(jaquez.via, Via::Peer("Riley".into()));
    assert_eq!(jaquez.hops, 1);
    assert_eq!(before_the_kill.cache_entry("Riley", "kiwi").map(|e| e.via), Some(Via::Client));
    assert!(before_the_kill.is_cut_from("Jaquez", "Juzang") && !before_the_kill.is_cut_from("Juzang", "Jaquez"));
    assert_eq!(before_the_kill.delay("Jaquez", "Riley").to_string(), "100ms±40ms", "a link's delay either way");
    assert_eq!(before_the_kill.mode(), Mode::Step);
    let held = before_the_kill.held();
    assert_eq!((held.len(), &*held[0].to, held[0].hops), (1, "Campbell", 2));
    assert_eq!(before_the_kill.totals().messages, 1, "one record sent");

    let end = timeline.world_after(timeline.len());
    assert!(end.cache_entry("Jaquez", "kiwi").is_none(), "a dead node remembers nothing");
    assert!(end.held().is_empty(), "what a dead node held died with it");
    assert!(!end.status().iter().find(|n| &*n.name == "Jaquez").unwrap().up);

    let at_start = timeline.world_after(0);
    assert!(at_start.cache_entry("Riley", "kiwi").is_none());
    assert!(at_start.status().iter().all(|n| n.up), "nodes never said to start were up from the start");
}

#[test]
fn a_moment_far_from_the_start_is_the_same_through_checkpoints_as_from_the_start() {
    let mut lines = Vec::new();
    for i in 0..5_000u32 {
        let at = record("Riley", &format!("c{}", i % 700), i + 1);
        let t = f64::from(i) / 1000.0;
        lines.push(format!(r#"{{"t":{t},"node":"Riley","kind":"learned","text":"c","record":"{at}","hops":0}}"#));
    }
    let timeline = Timeline::new(Arc::new(recording(&lines)));
    for count in [0, 1, 1_999, 2_000, 2_001, 4_321, 5_000] {
        let through_checkpoints = timeline.world_after(count);
        let mut from_the_start = timeline.world_after(0);
        for event in &timeline.recording().events[..count] {
            from_the_start.apply(event);
        }
        let page = |world: &World| -> Vec<String> {
            world.cache_page("Riley", &PageStart::First, 1_000).iter().map(|e| e.record.line().to_string()).collect()
        };
        assert_eq!(page(&through_checkpoints), page(&from_the_start), "after {count} events");
    }
}

#[test]
fn a_long_recording_keeps_a_bounded_number_of_copies_and_the_same_moments() {
    // As many events as a burst leaves in a look-back: copies of the world are spaced wider
    // rather than grow with the recording (they held 2.6 GB after a 230,000-client burst).
    let mut lines = Vec::new();
    for i in 0..60_000u32 {
        let at = record("Riley", &format!("c{i}"), i + 1);
        let t = f64::from(i) / 1000.0;
        lines.push(format!(r#"{{"t":{t},"node":"Riley","kind":"learned","text":"c","record":"{at}","hops":0}}"#));
    }
    let timeline = Timeline::new(Arc::new(recording(&lines)));
    assert!(timeline.checkpoints() <= super::MOST_CHECKPOINTS + 1, "{} copies", timeline.checkpoints());
    for count in [0, 2_499, 2_500, 37_777, 60_000] {
        assert_eq!(timeline.world_after(count).status()[0].clients, count, "after {count} events");
    }
}

#[test]
fn a_cache_page_reads_either_way_from_a_client() {
    let lines: Vec<String> = ["a", "b", "c", "d"]
        .iter()
        .map(|c| {
            format!(r#"{{"t":0.1,"node":"Riley","kind":"learned","text":"{c}","record":"{}"}}"#, record("Riley", c, 1))
        })
        .collect();
    let world = Timeline::new(Arc::new(recording(&lines))).world_after(4);
    let clients = |start: PageStart| -> String {
        world.cache_page("Riley", &start, 2).iter().map(|e| e.record.client().to_string()).collect()
    };
    assert_eq!(clients(PageStart::First), "ab");
    assert_eq!(clients(PageStart::Last), "cd");
    assert_eq!(clients(PageStart::From("b".into())), "bc");
    assert_eq!(clients(PageStart::After("b".into())), "cd");
    assert_eq!(clients(PageStart::Before("c".into())), "ab");
}

#[test]
fn what_is_not_a_readable_trace_is_refused_with_what_to_do() {
    let refused = |text: &str| Recording::parse(text, "x.jsonl", None).unwrap_err().to_string();
    assert!(refused("hello\n").contains("not a herdctl trace"), "{}", refused("hello"));
    assert!(refused(r#"{"format":"herdctl-trace/9","started":"2026-11-26T10:00:00Z"}"#).contains("herdctl-trace/9"));
    let old = format!(r#"{{"format":"{TRACE_FORMAT}","started":"{STARTED}","seed":null,"client":null}}"#);
    assert!(refused(&old).contains("--topology FILE"), "{}", refused(&old));
    assert!(Recording::parse(&old, "x.jsonl", Some(Topology::built_in())).is_ok(), "a topology given stands in");
    let mut text = header();
    let _ = write!(text, "\n{{\"t\":0.1,\"node\":\"Nobody\",\"kind\":\"fault\",\"fault\":\"node_down\"}}");
    let refusal = refused(&text);
    assert!(refusal.contains("line 2") && refusal.contains("\"Nobody\" is not a node"), "{refusal}");
}
