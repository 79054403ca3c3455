//! The walkthroughs shipped in `walkthroughs/`, played headless against a real herd, and what a
//! failing walkthrough reports. Also the trace a walkthrough leaves behind.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::*;
use herdctl_core::key::HerdKey;
use herdctl_core::places::NoPlaces;
use herdctl_core::{Herd, HerdOptions, Topology};
use herdctl_teach::script::{Scenario, Script, play_headless};
use herdctl_teach::trace::Trace;

async fn herd_with_trace(trace: Option<Arc<Trace>>) -> Arc<Herd> {
    let topology = Arc::new(default_herd_on_free_ports());
    let names = topology.names().to_vec();
    let recorder = trace.map(|trace| trace.recorder().clone());
    let options = HerdOptions { recorder, ..HerdOptions::new(HerdKey::new(KEY), Arc::new(NoPlaces)) };
    Arc::new(Herd::start(topology, &names, options).await.expect("herd starts"))
}

async fn play(path: &Path) -> (herdctl_teach::script::Report, String) {
    play_scenario(&Scenario::load(&[path.to_path_buf()]).unwrap()).await
}

/// Plays every part of `scenario` as herdctl does headless, each live part on a herd of free
/// ports, the command line's herd being the course's five servers.
async fn play_scenario(scenario: &Scenario) -> (herdctl_teach::script::Report, String) {
    let stages = scenario.prepare(&default_herd_on_free_ports(), 1).unwrap();
    let start = async |topology: Arc<Topology>| {
        let topology = Arc::new(topology.on_free_ports());
        let names = topology.names().to_vec();
        let options = HerdOptions::new(HerdKey::new(KEY), Arc::new(NoPlaces));
        Herd::start(topology, &names, options).await.map(Arc::new)
    };
    let mut out = Vec::new();
    let report = herdctl_teach::script::scenario::play_headless(&scenario.parts, &stages, start, &mut out).await;
    (report, String::from_utf8(out).unwrap())
}

#[tokio::test]
async fn every_shipped_walkthrough_holds() {
    let mut played = 0;
    for entry in std::fs::read_dir("walkthroughs").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "herd") {
            continue;
        }
        let (report, out) = play(&path).await;
        assert!(report.passed(), "{}:\n{out}", path.display());
        assert!(report.held >= 3, "{} checks too little:\n{out}", path.display());
        played += 1;
    }
    assert!(played >= 9, "every walkthrough was played: {played}");
}

#[tokio::test]
async fn a_scenario_plays_its_scripts_one_after_another_each_on_its_own_herd() {
    // Two scripts: the five servers, then a grid and a recording in sections of one script.
    let five =
        Script::parse("say Five.\niamat Riley kiwi +1+1\nexpect Campbell knows kiwi\n", "walkthroughs/five.herd")
            .unwrap();
    let more = Script::parse(
        "section Grid\nshape grid 4\nsay Four.\nexpect n04 lacks kiwi\niamat n01 fig +2+2\nexpect n04 knows fig\n\
         section Then\nreplay recordings/stale-node.jsonl\nseek end\nexpect Campbell has kiwi via Bernard\n",
        "walkthroughs/more.herd",
    )
    .unwrap();
    let scenario = Scenario::of(vec![five, more]).unwrap();
    assert_eq!(scenario.parts.len(), 3);
    let (report, out) = play_scenario(&scenario).await;
    assert!(report.passed(), "{out}");
    assert_eq!(report.held, 4, "every part's checks count: {out}");
    let headers: Vec<&str> = out.lines().filter(|line| line.starts_with("── part")).collect();
    assert_eq!(
        headers,
        [
            "── part 1 of 3: walkthroughs/five.herd from line 1, on the herd given ──",
            "── part 2 of 3: walkthroughs/more.herd from line 1, on a grid of 4 ──",
            "── part 3 of 3: walkthroughs/more.herd from line 7, through walkthroughs/recordings/stale-node.jsonl ──",
        ],
        "{out}"
    );
    assert!(out.ends_with("the whole scenario: 4 expectations held, 0 failed\n"), "{out}");

    // A failure in one part fails the scenario, named by its file and line; the parts after it
    // still play.
    let wrong = Script::parse("shape ring 3\nexpect n01 knows kiwi\n", "walkthroughs/wrong.herd").unwrap();
    let after = Script::parse("say After.\nexpect Riley lacks kiwi\n", "walkthroughs/after.herd").unwrap();
    let (report, out) = play_scenario(&Scenario::of(vec![wrong, after]).unwrap()).await;
    assert_eq!((report.held, report.failures.len()), (1, 1), "{out}");
    assert!(report.failures[0].starts_with("walkthroughs/wrong.herd:2: expected n01 to know kiwi"), "{out}");
}

/// A played walkthrough's output with what may differ between runs of the same story taken
/// out: the clients' timestamps and the time differences in AT lines.
fn story_of(out: &str) -> String {
    out.split_whitespace()
        .map(|word| {
            let number = word.trim_start_matches(['+', '-']);
            let is_time = number.split_once('.').is_some_and(|(whole, fraction)| {
                fraction.len() == 9
                    && !whole.is_empty()
                    && whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit())
            });
            if is_time { "<time>" } else { word }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn every_shipped_walkthrough_tells_the_same_story_every_time() {
    // Its checks, its captions, what each release let go and what each update cost: run twice,
    // the same, whatever the machine is doing meanwhile.
    for entry in std::fs::read_dir("walkthroughs").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "herd") {
            continue;
        }
        let (first, first_out) = play(&path).await;
        let (second, second_out) = play(&path).await;
        assert!(first.passed() && second.passed(), "{}:\n{first_out}\n{second_out}", path.display());
        assert_eq!(story_of(&first_out), story_of(&second_out), "{} told two stories", path.display());
    }
}

#[tokio::test]
async fn a_broken_expectation_is_reported_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wrong.herd");
    std::fs::write(&path, "# expects the impossible\nkill Juzang\nkill Bernard\niamat Riley kiwi +1+1\nexpect Campbell knows kiwi\nexpect Jaquez knows kiwi\nwhatsat Riley kiwi 99999 5\n").unwrap();
    let (report, out) = play(&path).await;
    assert_eq!(report.held, 1, "{out}");
    assert_eq!(report.failures.len(), 2, "{out}");
    assert!(
        report.failures[0].ends_with("wrong.herd:5: expected Campbell to know kiwi, but it did not within 3s"),
        "{out}"
    );
    assert!(report.failures[1].contains("wrong.herd:7: Riley did not understand"), "{out}");

    // What the script check finds is found before anything runs.
    std::fs::write(&path, "iamat Riley kiwi +1+1\nheal Riley Campbell\n").unwrap();
    let error =
        Scenario::load(std::slice::from_ref(&path)).unwrap().prepare(&default_herd_on_free_ports(), 1).err().unwrap();
    assert!(error.to_string().ends_with("wrong.herd:2: there is no link between Riley and Campbell in this topology"));
}

#[tokio::test]
async fn the_trace_of_a_walkthrough_draws_every_node_and_message() {
    let trace = Arc::new(Trace::default());
    let herd = herd_with_trace(Some(trace.clone())).await;
    let script = Script::parse("iamat Riley kiwi +1+1\nexpect Campbell knows kiwi\n", "t").unwrap();
    let report = play_headless(&herd, &script, &mut Vec::new()).await;
    assert!(report.passed());
    let received = || trace.entries().0.iter().filter(|e| e.kind == herdctl_teach::trace::Kind::PeerReceive).count();
    eventually("every flood message has arrived", || async { received() == 8 }).await;
    herd.shutdown().await;

    let (entries, _) = trace.entries();
    let sends = entries.iter().filter(|e| e.kind == herdctl_teach::trace::Kind::PeerSend).count();
    assert_eq!(sends, 8, "one IAMAT floods 8 messages on the default herd");
    let names = herd.topology().names().to_vec();
    let svg = trace.to_svg(&names);
    // Well-formed XML, end to end.
    let mut reader = quick_xml::Reader::from_str(&svg);
    let (mut lines, mut texts, mut tooltips) = (0, Vec::new(), 0);
    let mut in_title = false;
    loop {
        match reader.read_event().expect("well-formed SVG") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Empty(tag) | quick_xml::events::Event::Start(tag)
                if tag.name().as_ref() == b"line" =>
            {
                lines += 1
            }
            quick_xml::events::Event::Start(tag) if tag.name().as_ref() == b"title" => in_title = true,
            quick_xml::events::Event::End(tag) if tag.name().as_ref() == b"title" => in_title = false,
            quick_xml::events::Event::Text(text) if in_title => {
                let text = String::from_utf8_lossy(&text);
                tooltips += usize::from(text.contains(" → ") && text.contains("AT Riley "));
            }
            quick_xml::events::Event::Text(text) => texts.push(String::from_utf8_lossy(&text).into_owned()),
            _ => {}
        }
    }
    // A title with the seed, a legend, and the whole record on every peer arrow.
    let seed = herd.seed();
    assert!(
        texts.iter().any(|t| t.starts_with("herdctl trace · ") && t.contains(&format!("seed {seed}"))),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t.starts_with("orange: a record's first copy")), "a legend");
    assert!(texts.iter().any(|t| t.contains("hover an arrow for the whole message")), "the whole legend");
    assert_eq!(tooltips, sends, "every peer arrow carries the whole message");
    for name in &names {
        assert!(texts.iter().any(|t| t == &**name), "no lane for {name}");
    }
    // A lifeline per node and the clients', an arrow per peer message, one for the IAMAT in and
    // one for its reply (and a dotted line for each gap drawn short).
    let gaps = svg.matches(r#"<line class="gap""#).count();
    assert_eq!(lines, names.len() + 1 + sends + 2 + gaps, "{svg}");
    assert_eq!(texts.iter().filter(|t| t.starts_with("kiwi h")).count(), sends);
    assert_eq!(
        texts.iter().filter(|t| t.starts_with("kiwi h") && t.ends_with(" dup")).count(),
        4,
        "duplicates are marked"
    );

    let jsonl = trace.to_jsonl();
    let (recorded, _, _) = trace.events();
    assert!(recorded.len() > entries.len(), "links coming up and catch-ups are recorded, not drawn");
    assert_eq!(jsonl.lines().count(), recorded.len() + 1, "a header, then an event a line");
    // The walkthrough's check is in it, and reads back as one.
    assert!(jsonl.contains(r#""kind":"expect""#) && jsonl.contains(r#""value":"held""#), "{jsonl}");
    let recording = herdctl_teach::replay::Recording::parse(&jsonl, "t.jsonl", None).unwrap();
    assert!(recording.events.iter().any(
        |e| matches!(&e.kind, herdctl_core::EventKind::Checked { held: true, text } if text.contains("Campbell knows kiwi"))
    ));
    let header: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert_eq!(header["format"], herdctl_teach::trace::TRACE_FORMAT);
    assert_eq!(header["seed"], herd.seed());
    let sends: Vec<serde_json::Value> = jsonl
        .lines()
        .skip(1)
        .map(|line| serde_json::from_str(line).unwrap())
        .filter(|value: &serde_json::Value| value["kind"] == "peer_send")
        .collect();
    assert!(sends.iter().all(|send| send["record"].as_str().is_some_and(|r| r.starts_with("AT Riley "))), "{sends:?}");
    for line in jsonl.lines().skip(1) {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(value["t"].is_f64() && value["node"].is_string() && value["kind"].is_string(), "{line}");
    }
}

#[tokio::test]
async fn a_handout_has_a_figure_per_section_with_its_story_and_an_honest_time_axis() {
    let trace = Arc::new(Trace::default());
    let herd = herd_with_trace(Some(trace.clone())).await;
    let text = "section One flood\nsay Riley hears of kiwi.\niamat Riley kiwi +1+1\nexpect Campbell knows kiwi\nexpect cost kiwi messages == 8\nexpect cost kiwi duplicates == 4\n\
                section A pause, then a crash\nwait 400ms\nkill Juzang\nsay Juzang is gone.\n";
    let script = Script::parse(text, "handout.herd").unwrap();
    assert!(play_headless(&herd, &script, &mut Vec::new()).await.passed());
    herd.shutdown().await;
    let dir = tempfile::tempdir().unwrap();
    let written = herdctl_teach::handout::write(&trace, herd.topology(), dir.path()).unwrap();
    let files: Vec<String> = written.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(files, ["01-one-flood.svg", "02-a-pause-then-a-crash.svg"]);
    let figures: Vec<String> = written.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
    for figure in &figures {
        let mut reader = quick_xml::Reader::from_str(figure);
        while !matches!(reader.read_event().expect("well-formed SVG"), quick_xml::events::Event::Eof) {}
        assert!(figure.contains(r#"width="760""#), "A4 width");
        assert!(figure.contains(">clients</text>"), "the clients' own lane");
        assert!(figure.contains("copy dropped (dup, stale)"), "a legend");
    }
    assert!(figures[0].contains(">One flood</text>") && figures[0].contains("» Riley hears of kiwi."));
    assert!(figures[0].contains("IAMAT kiwi"), "the client's line");
    assert_eq!(figures[0].matches("marker-end").count(), 8 + 2, "eight flood messages, the line and its reply");
    assert!(figures[1].contains(">node down</text>"), "the kill, marked on Juzang's lane");
    assert!(figures[1].contains("ms later</text>"), "the 400 ms wait is drawn compressed, and says so");
    assert!(!figures[1].contains("IAMAT"), "each figure has its own section's events only");
}

#[tokio::test]
async fn a_trace_for_one_client_keeps_its_messages_and_the_story_only() {
    let trace = Arc::new(Trace::for_client("kiwi"));
    let herd = herd_with_trace(Some(trace.clone())).await;
    let script =
        Script::parse("say two reports\niamat Riley kiwi +1+1\niamat Riley lemon +2+2\nexpect Campbell knows kiwi\nexpect Campbell knows lemon\n", "t")
            .unwrap();
    assert!(play_headless(&herd, &script, &mut Vec::new()).await.passed());
    let sent = || trace.entries().0.iter().filter(|e| e.kind == herdctl_teach::trace::Kind::PeerReceive).count();
    eventually("kiwi's 8 messages have arrived", || async { sent() == 8 }).await;
    herd.shutdown().await;
    let (entries, _) = trace.entries();
    let peer = |e: &&herdctl_teach::trace::Row| {
        matches!(e.kind, herdctl_teach::trace::Kind::PeerSend | herdctl_teach::trace::Kind::PeerReceive)
    };
    assert!(entries.iter().filter(peer).all(|e| e.text == "kiwi"), "only kiwi's messages");
    assert_eq!(entries.iter().filter(peer).count(), 16, "its 8 sends and 8 receives");
    assert!(!entries.iter().any(|e| e.text.contains("lemon")), "nothing of lemon");
    assert!(entries.iter().any(|e| e.kind == herdctl_teach::trace::Kind::Caption), "the story stays");
    assert!(trace.to_svg(herd.topology().names()).contains("only kiwi's messages"));
}

#[tokio::test]
async fn every_fault_in_a_trace_says_which_it_is() {
    let trace = Arc::new(Trace::default());
    let herd = herd_with_trace(Some(trace.clone())).await;
    let text = "cut Riley Jaquez\nheal Riley Jaquez\ncut Riley>Juzang\nheal Riley>Juzang\nloss Riley Jaquez 10%\nlatency Riley Jaquez 10ms\nstep\nlive\nkill Campbell\nrevive Campbell\n";
    let script = Script::parse(text, "faults.herd").unwrap();
    assert!(play_headless(&herd, &script, &mut Vec::new()).await.passed());
    herd.shutdown().await;
    let faults: Vec<String> = trace
        .to_jsonl()
        .lines()
        .skip(1)
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|entry| entry["kind"] == "fault")
        .map(|entry| entry["fault"].as_str().unwrap_or_else(|| panic!("a fault without its kind: {entry}")).to_string())
        .collect();
    for kind in ["seed", "node_up", "cut", "heal", "cut_one_way", "loss", "latency", "mode", "node_down"] {
        assert!(faults.iter().any(|fault| fault == kind), "no {kind} in {faults:?}");
    }
}

/// The links a trace says were cut, in order.
fn cuts(trace: &Trace) -> Vec<String> {
    trace
        .entries()
        .0
        .iter()
        .filter(|e| e.fault == Some("cut"))
        .map(|e| format!("{}-{}", e.node, e.peer.as_deref().unwrap_or("?")))
        .collect()
}

async fn seeded_herd(trace: Arc<Trace>, seed: u64) -> Arc<Herd> {
    let topology = Arc::new(default_herd_on_free_ports());
    let names = topology.names().to_vec();
    let options = HerdOptions {
        recorder: Some(trace.recorder().clone()),
        seed: Some(seed),
        ..HerdOptions::new(HerdKey::new(KEY), Arc::new(NoPlaces))
    };
    Arc::new(Herd::start(topology, &names, options).await.expect("herd starts"))
}

#[tokio::test]
async fn scheduled_faults_run_beside_the_steps_and_a_seeded_nemesis_replays_its_choices() {
    let script = Script::parse(
        "every 40ms..80ms cut random-link for 600ms\nat 200ms kill Juzang\nwait 900ms\nexpect link Riley Jaquez up\nexpect link Campbell Bernard up\n",
        "nemesis.herd",
    )
    .unwrap();
    let mut runs = Vec::new();
    for _ in 0..2 {
        let trace = Arc::new(Trace::default());
        let herd = seeded_herd(trace.clone(), 7).await;
        let mut out = Vec::new();
        let report = play_headless(&herd, &script, &mut out).await;
        let out = String::from_utf8(out).unwrap();
        assert!(report.passed(), "{out}");
        assert!(out.contains("⏱ at 200ms kill Juzang: killed Juzang"), "the at ran, and said so:\n{out}");
        assert!(!herd.status().iter().find(|n| &*n.name == "Juzang").unwrap().up);
        let cut_now = herd.topology().links().iter().filter(|(a, b)| herd.network().is_cut(a, b)).count();
        assert_eq!(cut_now, 0, "the nemesis healed what it cut when it stopped:\n{out}");
        let cut = cuts(&trace);
        assert!(cut.len() >= 3, "a cut every 40-80 ms for 600 ms: {cut:?}\n{out}");
        runs.push(cut);
        herd.shutdown().await;
    }
    // The same seed chooses the same links; the number of turns may differ by the last one,
    // which races the nemesis's end.
    let common = runs[0].len().min(runs[1].len()) - 1;
    assert_eq!(runs[0][..common], runs[1][..common], "seed 7 cuts the same links in the same order");
}

#[tokio::test]
async fn an_at_whose_time_never_comes_fails_the_walkthrough() {
    let script = Script::parse("at 30s kill Juzang\nexpect Riley lacks kiwi\n", "late.herd").unwrap();
    let herd = herd_with_trace(None).await;
    let mut out = Vec::new();
    let report = play_headless(&herd, &script, &mut out).await;
    let out = String::from_utf8(out).unwrap();
    assert_eq!(report.failures.len(), 1, "{out}");
    assert!(report.failures[0].contains("at 30s kill Juzang: its time never came"), "{out}");
    assert!(herd.status().iter().all(|n| n.up), "the at never ran");
    herd.shutdown().await;
}

#[tokio::test]
async fn a_replay_walkthrough_moves_through_its_recording_and_cannot_change_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy("walkthroughs/recordings/stale-node.jsonl", dir.path().join("session.jsonl")).unwrap();
    let path = dir.path().join("walk.herd");
    std::fs::write(
        &path,
        "replay session.jsonl\nseek start\nexpect Riley lacks kiwi\nforward to flood\nexpect Riley knows kiwi\nexpect Campbell lacks kiwi\nseek 99s\nback 1\n",
    )
    .unwrap();
    let (report, out) = play(&path).await;
    assert_eq!(report.held, 3, "{out}");
    assert_eq!(report.failures.len(), 1, "{out}");
    assert!(report.failures[0].contains("walk.herd:7: the recording lasts"), "{out}");
    assert!(out.contains("back 1: at 0.00"), "a step back from the flood's first record: {out}");

    // What would change what happened is refused by the script check, before anything plays.
    std::fs::write(&path, "replay session.jsonl\nseek end\nkill Juzang\n").unwrap();
    let error =
        Scenario::load(std::slice::from_ref(&path)).unwrap().prepare(&default_herd_on_free_ports(), 1).err().unwrap();
    assert!(error.to_string().contains("walk.herd:3: kill Juzang: a replay shows what happened and cannot change it"));
}

#[tokio::test]
async fn no_two_labels_of_a_trace_diagram_overlap() {
    let trace = Arc::new(Trace::default());
    let herd = herd_with_trace(Some(trace.clone())).await;
    let script = Script::parse(
        "section Faults and floods\nsay A caption long enough to run across several lanes of the diagram, as captions do\nkill Juzang\niamat Riley kiwi.cs.ucla.edu.with.a.long.name +1+1\nexpect Campbell knows kiwi.cs.ucla.edu.with.a.long.name\ncut Riley Jaquez\nlatency Campbell Bernard 100ms±40ms\niamat Campbell lime +2+2\nexpect Riley lacks lime\nheal Riley Jaquez\nexpect Riley knows lime\nrevive Juzang\nexpect Juzang knows lime\n",
        "faults",
    )
    .unwrap();
    let report = play_headless(&herd, &script, &mut Vec::new()).await;
    assert!(report.passed(), "{:?}", report.failures);
    herd.shutdown().await;
    let figure = figure::read(&trace.to_svg(herd.topology().names()));
    assert!(figure.texts.len() > 30, "{:?}", figure.texts);
    let overlaps = figure.overlapping_texts();
    assert!(overlaps.is_empty(), "{overlaps:#?}");
    let crossed = figure.arrows_over_marks_and_labels();
    assert!(crossed.is_empty(), "{crossed:#?}");
}

/// A walkthrough played once with a trace, then drawn: its handout's figures (file name and SVG),
/// its trace as an SVG, and the rows the trace holds.
struct Drawn {
    handout: Vec<(String, String)>,
    svg: String,
    rows: Vec<herdctl_teach::trace::Row>,
}

fn drawn(path: &str) -> Drawn {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let script = Script::load(Path::new(path)).unwrap();
        let trace = Arc::new(Trace::default());
        let topology = match script.shape() {
            Some((shape, nodes)) => shape.topology(nodes, 1).unwrap().on_free_ports(),
            None => default_herd_on_free_ports(),
        };
        let topology = Arc::new(topology);
        let options = HerdOptions {
            recorder: Some(trace.recorder().clone()),
            ..HerdOptions::new(HerdKey::new(KEY), Arc::new(NoPlaces))
        };
        let herd = Arc::new(Herd::start(topology.clone(), topology.names(), options).await.expect("herd starts"));
        let mut out = Vec::new();
        assert!(play_headless(&herd, &script, &mut out).await.passed(), "{}", String::from_utf8_lossy(&out));
        herd.shutdown().await;
        let dir = tempfile::tempdir().unwrap();
        let written = herdctl_teach::handout::write(&trace, &topology, dir.path()).unwrap();
        let handout = written
            .iter()
            .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(p).unwrap()))
            .collect();
        Drawn { handout, svg: trace.to_svg(topology.names()), rows: trace.entries().0 }
    })
}

/// The lecture, drawn once for the tests that read its figures.
fn lecture() -> &'static Drawn {
    static LECTURE: std::sync::OnceLock<Drawn> = std::sync::OnceLock::new();
    LECTURE.get_or_init(|| drawn("walkthroughs/lecture.herd"))
}

/// An A4 page at 96 dots an inch.
const A4: (f64, f64) = (794.0, 1123.0);

#[test]
fn every_figure_of_the_lectures_handout_fits_a_page_and_nothing_in_it_overlaps() {
    let drawn = lecture();
    assert_eq!(drawn.handout.len(), 6);
    for (name, svg) in &drawn.handout {
        let figure = figure::read(svg);
        assert!(figure.width <= A4.0 && figure.height <= A4.1, "{name} is {}x{}", figure.width, figure.height);
        let overlaps = figure.overlapping_texts();
        assert!(overlaps.is_empty(), "{name}: {overlaps:#?}");
        let crossed = figure.arrows_over_marks_and_labels();
        assert!(crossed.is_empty(), "{name}: {crossed:#?}");
    }
    // The partition, which lasted milliseconds: its cuts and heals marked, each of its messages
    // an arrow, in a figure of about half a page.
    let (name, partition) = &drawn.handout[4];
    assert_eq!(name, "05-5-a-partition.svg");
    let figure = figure::read(partition);
    let marks: Vec<String> = figure.texts_of("fault").map(|t| t.joined()).collect();
    assert_eq!(marks.iter().filter(|m| m.ends_with(" cut")).count(), 2, "{marks:?}");
    assert_eq!(marks.iter().filter(|m| m.ends_with(" healed")).count(), 2, "{marks:?}");
    assert!(figure.height < A4.1 * 0.75, "{}", figure.height);
}

#[test]
fn every_client_line_and_reply_of_the_lecture_is_written_whole() {
    let drawn = lecture();
    // Whole: every character of it, on one line or wrapped over several.
    let bare = |text: &str| text.split_whitespace().collect::<String>();
    let written: Vec<String> = drawn
        .handout
        .iter()
        .flat_map(|(_, svg)| figure::read(svg).texts_of("client").map(|t| bare(&t.lines.concat())).collect::<Vec<_>>())
        .collect();
    let said: Vec<&herdctl_teach::trace::Row> = drawn
        .rows
        .iter()
        .filter(|row| matches!(row.kind, herdctl_teach::trace::Kind::ClientIn | herdctl_teach::trace::Kind::ClientOut))
        .collect();
    assert_eq!(said.len(), 14, "the lecture's seven IAMATs and their replies");
    for row in said {
        assert!(written.contains(&bare(&row.text)), "{:?} is not written whole: {written:#?}", row.text);
    }
    // The stale position at the heart of the partition, in Riley's reply.
    assert!(written.iter().any(|t| t.starts_with("ATRiley") && t.contains("fig+34.068930-118.445127")), "{written:#?}");
}

#[test]
fn the_herd_stopping_is_in_no_figure() {
    let drawn = lecture();
    assert!(drawn.rows.iter().any(|row| row.is_shutdown()), "the trace has the shutdown");
    let (_, last) = drawn.handout.last().unwrap();
    let figure = figure::read(last);
    let marks: Vec<String> = figure.texts_of("fault").map(|t| t.joined()).collect();
    assert!(!marks.iter().any(|m| m.contains("shutting down") || m == "node down"), "{marks:?}");
    let trace = figure::read(&drawn.svg);
    assert!(!trace.texts.iter().any(|t| t.joined().contains("shutting down")), "nor in the trace's diagram");
    let down = |row: &&herdctl_teach::trace::Row| row.fault == Some("node_down");
    let before = drawn.rows.iter().take_while(|row| !row.is_shutdown()).filter(down).count();
    assert!(drawn.rows.iter().filter(down).count() > before, "the nodes stopped at the end");
    let downs = trace.texts_of("fault").filter(|t| t.joined() == "node down").count();
    assert_eq!(downs, before, "the kill and the resets' restarts, not the nodes stopping at the end");
}

#[test]
fn a_trace_draws_replies_to_the_clients_lane_on_an_honest_time_axis() {
    let drawn = lecture();
    let figure = figure::read(&drawn.svg);
    let clients = figure.lines.iter().find(|l| l.stroke == "#ccc").map(|l| l.x1).expect("the clients' lane");
    let replies: Vec<&figure::Line> = figure.lines_of("client").filter(|l| l.stroke == "#05a").collect();
    assert_eq!(replies.len(), 7, "{replies:?}");
    assert!(replies.iter().all(|l| l.x2 == clients && l.x1 > clients), "every reply goes to the clients: {replies:?}");
    let lines_in: Vec<&figure::Line> = figure.lines_of("client").filter(|l| l.stroke == "#0a7").collect();
    assert!(lines_in.iter().all(|l| l.x1 == clients), "and every line comes from them: {lines_in:?}");
    // The lecture's waits (300 ms, and the replies that waited 200 ms for acknowledgements) are
    // drawn short and say how long they were; rows go down as time goes on.
    let gaps: Vec<String> = figure.texts_of("gap").map(|t| t.joined()).collect();
    assert!(gaps.len() >= 3 && gaps.iter().all(|g| g.starts_with("≈ ") && g.ends_with(" later")), "{gaps:?}");
    let times: Vec<(f64, f64)> =
        figure.texts_of("time").map(|t| (t.joined().trim_end_matches('s').parse().unwrap(), t.boxes[0].top)).collect();
    assert!(times.len() > 50, "{}", times.len());
    assert!(times.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 < w[1].1), "time flows down: {times:?}");
    let overlaps = figure.overlapping_texts();
    assert!(overlaps.is_empty(), "{overlaps:#?}");
}

#[test]
fn a_section_on_a_grid_is_the_graph_with_each_updates_links_and_cost() {
    let drawn = drawn("walkthroughs/flood-or-tree.herd");
    let names: Vec<&str> = drawn.handout.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["01-flooding.svg", "02-a-spanning-tree.svg", "03-when-a-tree-link-fails.svg"]);
    let figures: Vec<figure::Figure> = drawn.handout.iter().map(|(_, svg)| figure::read(svg)).collect();
    for (figure, name) in figures.iter().zip(&names) {
        assert!(figure.width <= A4.0 && figure.height <= A4.1, "{name} is {}x{}", figure.width, figure.height);
        assert!(!figure.texts.iter().any(|t| t.joined() == "clients"), "{name}: no lanes, the graph");
        assert_eq!(figure.circles.iter().filter(|c| c.class == "node").count(), 16, "{name}: every server");
        let overlaps = figure.overlapping_texts();
        assert!(overlaps.is_empty(), "{name}: {overlaps:#?}");
    }
    let cost = |figure: &figure::Figure| figure.texts_of("count").map(|t| t.joined()).collect::<Vec<_>>().join(" ");
    let arrows = |figure: &figure::Figure| figure.lines_of("message").filter(|l| l.arrow).count();
    // Flooding: every link carries kiwi, nine of them both ways.
    assert!(cost(&figures[0]).starts_with("33 messages, 18 dropped as duplicates"), "{}", cost(&figures[0]));
    assert_eq!(arrows(&figures[0]), 33);
    assert_eq!(figures[0].lines_of("message").filter(|l| l.dashed).count(), 18, "the duplicates, dashed");
    // The tree: one message a server, none dropped.
    assert!(cost(&figures[1]).starts_with("15 messages, none dropped"), "{}", cost(&figures[1]));
    assert_eq!(arrows(&figures[1]), 15);
    let heading: Vec<String> = figures[1].texts_of("update").map(|t| t.joined()).collect();
    assert_eq!(heading, ["lime, reported at n01, by tree"]);
    // The tree's link cut: marked, and the update around it.
    assert!(figures[2].texts_of("cut").count() == 1 && figures[2].lines.iter().any(|l| l.stroke == "#a00"));
    assert!(arrows(&figures[2]) >= 15);
}

#[tokio::test]
async fn a_section_that_changes_the_strategy_is_drawn_as_the_graph() {
    let trace = Arc::new(Trace::default());
    let herd = herd_with_trace(Some(trace.clone())).await;
    let text = "section Flooding\niamat Riley kiwi +1+1\nexpect cost kiwi messages == 8\n\
                section By a tree\nstrategy tree\niamat Riley lime +1+1\nexpect cost lime messages == 4\n";
    let script = Script::parse(text, "strategy.herd").unwrap();
    assert!(play_headless(&herd, &script, &mut Vec::new()).await.passed());
    herd.shutdown().await;
    let dir = tempfile::tempdir().unwrap();
    let written = herdctl_teach::handout::write(&trace, herd.topology(), dir.path()).unwrap();
    let figures: Vec<figure::Figure> =
        written.iter().map(|p| figure::read(&std::fs::read_to_string(p).unwrap())).collect();
    assert!(figures[0].texts.iter().any(|t| t.joined() == "clients"), "five servers fit as lanes");
    assert!(!figures[1].texts.iter().any(|t| t.joined() == "clients"), "the strategy's section is the graph");
    let heading: Vec<String> = figures[1].texts_of("update").map(|t| t.joined()).collect();
    assert_eq!(heading, ["lime, reported at Riley, by tree"]);
    assert_eq!(figures[1].lines_of("message").count(), 4);
}

#[test]
fn a_walkthrough_through_a_recording_has_a_handout_of_each_sections_stretch() {
    let script = Script::load(Path::new("walkthroughs/stale-node.herd")).unwrap();
    let file = herdctl_teach::script::recorded::recording_of(&script).unwrap();
    let recording = Arc::new(herdctl_teach::replay::Recording::load(&file, None).unwrap());
    let timeline = herdctl_teach::replay::Timeline::new(recording.clone());
    let dir = tempfile::tempdir().unwrap();
    let written = herdctl_teach::handout::write_replay(&timeline, &script, dir.path()).unwrap();
    let names: Vec<String> = written.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["01-a-complaint.svg", "02-stepping-back.svg", "03-catching-up.svg"]);
    let figures: Vec<figure::Figure> =
        written.iter().map(|p| figure::read(&std::fs::read_to_string(p).unwrap())).collect();
    for (figure, name) in figures.iter().zip(&names) {
        assert!(figure.width <= A4.0 && figure.height <= A4.1, "{name} is {}x{}", figure.width, figure.height);
        let overlaps = figure.overlapping_texts();
        assert!(overlaps.is_empty(), "{name}: {overlaps:#?}");
        let crossed = figure.arrows_over_marks_and_labels();
        assert!(crossed.is_empty(), "{name}: {crossed:#?}");
        let marks: Vec<String> = figure.texts_of("fault").map(|t| t.joined()).collect();
        assert!(!marks.iter().any(|m| m.contains("node up") || m.contains("shutting down")), "{name}: {marks:?}");
    }
    let texts = |figure: &figure::Figure, class: &str| figure.texts_of(class).map(|t| t.joined()).collect::<Vec<_>>();
    // Stepping back: from the cut to the heal, the stale read at Campbell in it, whole.
    let marks = texts(&figures[1], "fault");
    assert_eq!(marks.first().map(String::as_str), Some("link to Bernard cut"), "{marks:?}");
    assert_eq!(marks.last().map(String::as_str), Some("link to Campbell healed"), "{marks:?}");
    let stale = recording
        .events
        .iter()
        .filter_map(|e| herdctl_teach::trace::Row::of(e))
        .find(|row| row.kind == herdctl_teach::trace::Kind::ClientOut && &*row.node == "Campbell")
        .expect("Campbell's answer to the WHATSAT");
    let bare = |text: &str| text.split_whitespace().collect::<String>();
    assert!(
        figures[1].texts_of("client").any(|t| bare(&t.lines.concat()) == bare(&stale.text)),
        "the stale read, whole: {:?}",
        texts(&figures[1], "client")
    );
    // The walkthrough's own captions, where they were said.
    let story = texts(&figures[1], "story");
    assert_eq!(story.len(), 3, "{story:?}");
    assert!(story[0].starts_with("» One more step back"), "at the cut, the earliest moment: {story:?}");
    assert!(story[2].starts_with("» Forward to the next fault: the heal."), "{story:?}");
    // Catching up: the catch-up after the heal, and nothing of the flood before it.
    assert!(figures[2].lines_of("message").any(|l| l.stroke == "#36c"), "catch-up, in blue");
    assert!(!texts(&figures[2], "client").iter().any(|t| t.starts_with("IAMAT")));
}
