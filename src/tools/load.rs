//! `herdctl load`: drives any herd's client ports and measures it (or serves the bare line
//! server a baseline is measured against).

use std::io::IsTerminal;
use std::sync::Arc;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use crate::cli;

/// `herdctl load`: drives the targets (after a baseline, if asked) and prints what it measured.
pub async fn run(args: cli::LoadArgs) -> anyhow::Result<()> {
    use herdctl::load::{Options, Progress, Summary, bare, run};
    let limit = herdctl_core::limits::raise_open_files();
    if let Some(addr) = &args.serve_bare {
        let listener = tokio::net::TcpListener::bind(addr.as_str()).await.map_err(|error| {
            anyhow::anyhow!("cannot listen on {addr} ({error}): give a free HOST:PORT, e.g. 127.0.0.1:9000")
        })?;
        let stop = tokio_util::sync::CancellationToken::new();
        // Listened for before the address is said: whoever reads it may stop the server at once
        // (a SIGTERM that came first ended the process by the default action, not cleanly).
        let mut terminate = herdctl::signal::Terminate::new()?;
        let bound = bare::serve_on(listener, stop.clone())?;
        eprintln!("herdctl: bare line server on {bound} (IAMAT answered with AT, nothing else); Ctrl-C stops it");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = terminate.recv() => {}
        }
        stop.cancel();
        return Ok(());
    }
    // Refused rather than tried: past the open-file limit connections fail, and the runtime
    // aborted the whole process once it could not even open its own descriptors.
    let per_connection = if args.baseline { 2 } else { 1 };
    if let Some(limit) = limit.filter(|limit| (args.connections as u64) * per_connection + 64 > *limit) {
        let most = limit.saturating_sub(64) / per_connection;
        anyhow::bail!(
            "-c {}: this process can open at most {most} connections{}: the open-file limit is {limit} (`ulimit -n` \
             raises it)",
            args.connections,
            if args.baseline { " (each twice, with --baseline's own server)" } else { "" }
        );
    }
    let mut targets = Vec::new();
    for target in &args.targets {
        let resolved = tokio::net::lookup_host(target.as_str()).await.ok().and_then(|mut addrs| addrs.next());
        targets.push(
            resolved.with_context(|| format!("cannot resolve {target:?}: write HOST:PORT, e.g. 127.0.0.1:12665"))?,
        );
    }
    let options = Options {
        targets,
        connections: args.connections.max(1),
        duration: args.duration,
        rate: args.rate,
        clients: args.clients.unwrap_or(args.connections).max(1),
        whatsat_percent: args.mix,
        propagation: args.propagation,
        timeout: args.timeout,
    };
    let drive = |options: Options, label: String| async move {
        let progress = Arc::new(Progress::default());
        // A live line on a terminal: elapsed, rate, errors.
        let shown = (!args.json && std::io::stderr().is_terminal()).then(|| {
            let progress = progress.clone();
            tokio::spawn(async move {
                let started = tokio::time::Instant::now();
                let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
                tick.tick().await;
                loop {
                    tick.tick().await;
                    let seconds = started.elapsed().as_secs_f64();
                    let requests = progress.requests.load(std::sync::atomic::Ordering::Relaxed);
                    let errors = progress.errors.load(std::sync::atomic::Ordering::Relaxed);
                    eprint!("\r{label}: {seconds:.0} s, {:.0} req/s, {errors} errors   ", requests as f64 / seconds);
                }
            })
        });
        let summary = run(options, progress).await;
        if let Some(shown) = shown {
            shown.abort();
            eprint!("\r{}\r", " ".repeat(70));
        }
        summary
    };
    let baseline: Option<Summary> = if args.baseline {
        let stop = CancellationToken::new();
        let addr = bare::serve(stop.clone()).await.context("cannot start the bare baseline server")?;
        // The bare server knows IAMAT only: its baseline is IAMATs alone.
        let bare_options = Options { targets: vec![addr], propagation: false, whatsat_percent: 0, ..options.clone() };
        let summary = drive(bare_options, "baseline".into()).await;
        stop.cancel();
        Some(summary)
    } else {
        None
    };
    let label = args.targets.join(" ");
    let summary = drive(options, label.clone()).await;
    if args.json {
        let document = serde_json::json!({
            "targets": args.targets,
            "connections": args.connections,
            "open_loop_rate": args.rate,
            "result": summary.json(),
            "baseline": baseline.as_ref().map(Summary::json),
            "rate_vs_baseline": baseline.as_ref().map(|b| summary.rate() / b.rate().max(1e-9)),
        });
        println!("{document:#}");
    } else {
        if let Some(baseline) = &baseline {
            print!("{}", baseline.text("bare tokio line server (baseline, IAMAT only)", None));
        }
        print!("{}", summary.text(&label, baseline.as_ref()));
    }
    Ok(())
}
