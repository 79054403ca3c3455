//! How fast the offline source is: loading the gazetteer, and answering WHATSAT queries.
//! Run with `cargo bench --bench places`; the numbers are written down in docs/BENCHMARKS.md.

use std::hint::black_box;
use std::time::Instant;

use herdctl_core::places::{Gazetteer, Query};

fn main() {
    let started = Instant::now();
    let gazetteer = Gazetteer::built_in().expect("gazetteer");
    println!("load: {} places in {:.0} ms", gazetteer.len(), started.elapsed().as_secs_f64() * 1e3);

    // Dense and sparse places, small and the largest radius, the largest bound.
    let cases = [
        ("UCLA, 10 km", 34.068930, -118.445127, 10_000.0),
        ("UCLA, 50 km", 34.068930, -118.445127, 50_000.0),
        ("Tokyo, 50 km", 35.6895, 139.69171, 50_000.0),
        ("Pacific, 50 km", -30.0, -130.0, 50_000.0),
    ];
    for (label, lat, lon, radius) in cases {
        let query = Query { lat, lon, radius_m: radius.to_string(), bound: 20 };
        let rounds = 2_000;
        let started = Instant::now();
        for _ in 0..rounds {
            black_box(gazetteer.nearby(black_box(&query)));
        }
        let per_query = started.elapsed().as_secs_f64() / f64::from(rounds);
        let candidates = gazetteer.within(lat, lon, radius).len();
        println!("query {label}: {:.1} µs ({candidates} places within the radius)", per_query * 1e6);
    }
}
