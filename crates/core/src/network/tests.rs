use super::*;

fn name(s: &str) -> NodeName {
    s.into()
}

#[tokio::test]
async fn step_mode_holds_until_released_in_order() {
    let network = Arc::new(Network::default());
    network.set_mode(Mode::Step);
    let mut sent = Vec::new();
    for (i, to) in ["B", "C", "D"].into_iter().enumerate() {
        let sender = network.clone();
        sent.push(tokio::spawn(async move {
            sender.transmit(&name("A"), &name(to), "kiwi", i as u32, Instant::now()).await
        }));
        let mut changes = network.watch();
        // Each transmission is held before the next one starts.
        while network.held().len() <= i {
            changes.changed().await.unwrap();
        }
    }
    assert!(sent.iter().all(|task| !task.is_finished()));
    assert_eq!(network.release_next().map(|h| h.to), Some(name("B")));
    sent.remove(0).await.unwrap();
    assert!(sent.iter().all(|task| !task.is_finished()), "one release lets exactly one go");
    // The rest in release order: the lower hop first.
    assert_eq!(network.release_next().map(|h| h.to), Some(name("C")));
    assert_eq!(network.release_next().map(|h| h.to), Some(name("D")));
    for task in sent {
        task.await.unwrap();
    }
    assert_eq!(network.release_next(), None);
}

#[tokio::test]
async fn leaving_step_mode_releases_everything() {
    let network = Arc::new(Network::default());
    network.set_mode(Mode::Step);
    let task = {
        let network = network.clone();
        tokio::spawn(async move { network.transmit(&name("A"), &name("B"), "kiwi", 1, Instant::now()).await })
    };
    let mut changes = network.watch();
    while network.held().is_empty() {
        changes.changed().await.unwrap();
    }
    network.set_mode(Mode::Live);
    task.await.unwrap();
    assert!(network.held().is_empty());
}

#[tokio::test(start_paused = true)]
async fn latency_delays_each_record_without_queueing_them_behind_each_other() {
    let network = Arc::new(Network::default());
    network.set_latency("A", "B", Duration::from_millis(300));
    let queued = Instant::now();
    let started = Instant::now();
    let transmissions: Vec<_> = (0..5)
        .map(|i| {
            let network = network.clone();
            tokio::spawn(async move { network.transmit(&name("A"), &name("B"), "kiwi", i, queued).await })
        })
        .collect();
    for transmission in transmissions {
        transmission.await.unwrap();
    }
    // Five records queued together arrive together, 300 ms later (the clock is paused, so
    // this is exact), not 1.5 s later.
    assert_eq!(started.elapsed(), Duration::from_millis(300));
    // A record already older than the latency goes at once.
    let old = Instant::now() - Duration::from_secs(1);
    let started = Instant::now();
    network.transmit(&name("A"), &name("B"), "kiwi", 1, old).await;
    assert_eq!(started.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn lowering_a_latency_or_going_live_releases_what_already_waits() {
    let network = Arc::new(Network::default());
    network.set_latency("A", "B", Duration::from_secs(3600));
    let started = Instant::now();
    let waiting = {
        let network = network.clone();
        tokio::spawn(async move { network.transmit(&name("A"), &name("B"), "kiwi", 1, started).await })
    };
    tokio::task::yield_now().await;
    network.set_latency("A", "B", Duration::from_millis(200));
    waiting.await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_millis(200), "due at the new latency, not an hour");
    network.set_mode(Mode::Slow(Duration::from_secs(3600)));
    let started = Instant::now();
    let waiting = {
        let network = network.clone();
        tokio::spawn(async move { network.transmit(&name("B"), &name("A"), "kiwi", 1, started).await })
    };
    tokio::task::yield_now().await;
    network.set_mode(Mode::Live);
    waiting.await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_millis(200), "live: only the link's own latency is left");
}

#[tokio::test(start_paused = true)]
async fn slow_motion_makes_every_hop_take_the_chosen_time() {
    let network = Network::default();
    network.set_mode(Mode::Slow(Duration::from_secs(2)));
    let started = Instant::now();
    network.transmit(&name("A"), &name("B"), "kiwi", 1, started).await;
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    network.set_mode(Mode::Live);
    let started = Instant::now();
    network.transmit(&name("A"), &name("B"), "kiwi", 1, started).await;
    assert_eq!(started.elapsed(), Duration::ZERO, "live again: no delay");
}

#[test]
fn modes_and_fates_read_back_as_they_are_written() {
    for mode in [Mode::Live, Mode::Step, Mode::Slow(Duration::from_millis(500))] {
        assert_eq!(mode.to_string().parse::<Mode>().unwrap(), mode);
    }
    assert_eq!(Mode::Slow(Duration::from_millis(1500)).to_string(), "slow 1s 500ms");
    assert!("fast".parse::<Mode>().unwrap_err().to_string().contains("live, step or slow"));
    for fate in [Fate::Deliver, Fate::Drop, Fate::Duplicate] {
        assert_eq!(Fate::from_verb(fate.verb()), Some(fate));
    }
    assert_eq!(Fate::Lost.verb(), "drop", "a lost message is one dropped by the link");
    assert_eq!(Fate::from_verb("keep"), None);
}

#[test]
fn delays_read_and_write_their_three_forms_and_stay_within_their_spread() {
    for text in ["100ms", "100ms±40ms", "exp:100ms"] {
        assert_eq!(Delay::parse(text).unwrap().to_string(), text);
    }
    assert_eq!(Delay::parse("100ms+-40ms"), Delay::parse("100ms±40ms"));
    assert_eq!(Delay::parse("soon"), None);
    let spread = Delay::parse("100ms±40ms").unwrap();
    let mut dice = Dice::seeded(7);
    for _ in 0..1000 {
        let drawn = spread.draw(dice.unit());
        assert!((Duration::from_millis(60)..=Duration::from_millis(140)).contains(&drawn), "{drawn:?}");
    }
    let exponential = Delay::parse("exp:100ms").unwrap();
    let mean: f64 = (0..10_000).map(|_| exponential.draw(dice.unit()).as_secs_f64()).sum::<f64>() / 10_000.0;
    assert!((0.09..0.11).contains(&mean), "the mean is the delay: {mean}");
}

#[tokio::test]
async fn a_lossy_link_loses_its_share_and_the_same_seed_loses_the_same_messages() {
    let fates = |seed: u64| async move {
        let network = Network::seeded(seed);
        network.set_loss("A", "B", 0.3);
        let mut fates = Vec::new();
        for _ in 0..1000 {
            fates.push(network.transmit(&name("A"), &name("B"), "kiwi", 1, Instant::now()).await);
        }
        fates
    };
    let first = fates(42).await;
    let lost = first.iter().filter(|fate| **fate == Fate::Lost).count();
    assert!((230..370).contains(&lost), "about 30% lost: {lost}");
    assert!(first.iter().all(|fate| matches!(fate, Fate::Lost | Fate::Deliver)));
    assert!(fates(42).await == first, "the same seed, the same losses");
    assert!(fates(43).await != first, "another seed, other losses");
    let network = Network::seeded(1);
    network.set_loss("A", "B", 1.0);
    assert_eq!(network.transmit(&name("B"), &name("A"), "kiwi", 1, Instant::now()).await, Fate::Lost, "both ways");
    network.set_loss("A", "B", 0.0);
    assert!(!network.is_special(), "0% removes it");
}

#[test]
fn a_one_way_cut_cuts_one_direction() {
    let network = Network::default();
    network.cut_one_way("A", "B");
    assert!(network.is_cut_from("A", "B") && !network.is_cut_from("B", "A"));
    assert!(network.is_cut("B", "A"), "the link is cut, one way");
    network.heal_one_way("A", "B");
    assert!(!network.is_cut("A", "B"));
    network.cut("A", "B");
    assert!(network.is_cut_from("A", "B") && network.is_cut_from("B", "A"));
    network.heal("B", "A");
    assert!(!network.is_cut("A", "B"));
}

#[test]
fn cuts_and_latency_are_per_link_in_both_directions() {
    let network = Network::default();
    network.cut("B", "A");
    assert!(network.is_cut("A", "B"));
    network.heal("A", "B");
    assert!(!network.is_cut("B", "A"));
    network.set_latency("A", "B", Duration::from_millis(300));
    assert_eq!(network.latency("B", "A"), Duration::from_millis(300));
    network.set_latency("A", "B", Duration::ZERO);
    assert_eq!(network.latency("A", "B"), Duration::ZERO);
}
