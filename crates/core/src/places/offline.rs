//! The offline source: a world gazetteer built from GeoNames (every populated place with at least
//! 500 inhabitants, about 235,000), shipped inside the binary and searched with an R-tree, so
//! that WHATSAT works with no key and no network.
//!
//! Results are ranked by *prominence*, which here is population (larger first, then nearer):
//! Google's Nearby Search ranks by prominence too, so a class sees Santa Monica and Beverly Hills
//! near UCLA rather than a list of hamlets that happen to be closest. Every result lies within
//! the radius by true great-circle distance.

use std::future::Future;
use std::io::Read;
use std::pin::Pin;
use std::sync::Arc;

use flate2::read::GzDecoder;
use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde_json::{Value, json};
use tokio::sync::OnceCell;

use super::{Answer, Origin, Places, PlacesFuture, Query, failure, success};

/// The gazetteer, as written by `tools/build_gazetteer.py`.
static BUILT_IN: &[u8] = include_bytes!("../../../../data/gazetteer.tsv.gz");

/// The mean radius of the Earth (IUGG), in metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

const ATTRIBUTION: &str = "Place data from <a href=\"https://www.geonames.org/\">GeoNames</a>, CC BY 4.0";

/// One populated place.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    pub geonameid: u32,
    pub name: Box<str>,
    pub lat: f64,
    pub lon: f64,
    pub population: u32,
    vicinity: u32,
}

/// The places and a spatial index over them (points on the unit sphere, so that the index's
/// straight-line distances order places exactly as great-circle distances do, at any latitude
/// and across the antimeridian).
pub struct Gazetteer {
    places: Vec<Place>,
    vicinities: Vec<Box<str>>,
    tree: RTree<GeomWithData<[f64; 3], u32>>,
}

#[derive(Debug, thiserror::Error)]
pub enum GazetteerError {
    #[error("cannot decompress the gazetteer: {0}")]
    Decompress(#[from] std::io::Error),
    #[error("gazetteer line {line}: {problem}")]
    Line { line: usize, problem: String },
}

fn unit_vector(lat: f64, lon: f64) -> [f64; 3] {
    let (lat, lon) = (lat.to_radians(), lon.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

/// Great-circle distance in metres (haversine).
pub fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let half_dlat = (p2 - p1) / 2.0;
    let half_dlon = (lon2 - lon1).to_radians() / 2.0;
    let h = half_dlat.sin().powi(2) + p1.cos() * p2.cos() * half_dlon.sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

impl Gazetteer {
    /// The gazetteer shipped with herdctl.
    pub fn built_in() -> Result<Self, GazetteerError> {
        Self::from_gzip(BUILT_IN)
    }

    pub fn from_gzip(bytes: &[u8]) -> Result<Self, GazetteerError> {
        let mut text = String::new();
        GzDecoder::new(bytes).read_to_string(&mut text)?;
        Self::from_tsv(&text)
    }

    /// Reads `geonameid name latitude longitude population vicinity`, tab-separated.
    pub fn from_tsv(text: &str) -> Result<Self, GazetteerError> {
        let mut places = Vec::new();
        let mut vicinities: Vec<Box<str>> = Vec::new();
        let mut vicinity_index = std::collections::HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let problem = |problem: &str| GazetteerError::Line { line: i + 1, problem: problem.to_string() };
            let fields: Vec<&str> = line.split('\t').collect();
            let [id, name, lat, lon, population, vicinity] = fields.as_slice() else {
                return Err(problem("expected 6 tab-separated fields"));
            };
            let lat: f64 = lat.parse().map_err(|_| problem("bad latitude"))?;
            let lon: f64 = lon.parse().map_err(|_| problem("bad longitude"))?;
            if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                return Err(problem("position out of range"));
            }
            let vicinity = *vicinity_index.entry(*vicinity).or_insert_with(|| {
                vicinities.push((*vicinity).into());
                vicinities.len() as u32 - 1
            });
            places.push(Place {
                geonameid: id.parse().map_err(|_| problem("bad geonameid"))?,
                name: (*name).into(),
                lat,
                lon,
                population: population.parse().map_err(|_| problem("bad population"))?,
                vicinity,
            });
        }
        let points =
            places.iter().enumerate().map(|(i, p)| GeomWithData::new(unit_vector(p.lat, p.lon), i as u32)).collect();
        Ok(Self { places, vicinities, tree: RTree::bulk_load(points) })
    }

    pub fn len(&self) -> usize {
        self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// Every place within `radius_m` of the position, most prominent first, with its distance.
    pub fn within(&self, lat: f64, lon: f64, radius_m: f64) -> Vec<(&Place, f64)> {
        // The chord subtending the radius on the unit sphere; a hair wider so that rounding never
        // drops a place on the edge (the exact check below has the last word).
        let chord = 2.0 * (radius_m / EARTH_RADIUS_M / 2.0).min(std::f64::consts::FRAC_PI_2).sin() + 1e-9;
        let mut found: Vec<(&Place, f64)> = self
            .tree
            .locate_within_distance(unit_vector(lat, lon), chord * chord)
            .map(|point| &self.places[point.data as usize])
            .map(|place| (place, distance_m(lat, lon, place.lat, place.lon)))
            .filter(|(_, distance)| *distance <= radius_m)
            .collect();
        found.sort_by(|(a, da), (b, db)| {
            b.population.cmp(&a.population).then(da.total_cmp(db)).then(a.geonameid.cmp(&b.geonameid))
        });
        found
    }

    /// A Nearby Search document for the query.
    /// Places whose name starts with `prefix` (ignoring ASCII case), the most populous first: a
    /// city picked by typing its name. Each with its region and country.
    pub fn named(&self, prefix: &str, most: usize) -> Vec<(&Place, &str)> {
        let prefix = prefix.trim().as_bytes();
        if prefix.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<&Place> = self
            .places
            .iter()
            .filter(|place| {
                place.name.as_bytes().get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix))
            })
            .collect();
        found.sort_by(|a, b| b.population.cmp(&a.population).then_with(|| a.name.cmp(&b.name)));
        found.into_iter().take(most).map(|place| (place, &*self.vicinities[place.vicinity as usize])).collect()
    }

    pub fn nearby(&self, query: &Query) -> Value {
        let results = self
            .within(query.lat, query.lon, query.radius_metres())
            .into_iter()
            .take(query.bound)
            .map(|(place, _)| {
                json!({
                    "geometry": { "location": { "lat": place.lat, "lng": place.lon } },
                    "name": place.name,
                    "place_id": format!("geonames:{}", place.geonameid),
                    "types": ["locality", "political"],
                    "vicinity": self.vicinities[place.vicinity as usize],
                })
            })
            .collect();
        success(vec![Value::from(ATTRIBUTION)], results)
    }
}

/// Why the gazetteer is not there: shared by every WHATSAT that waited for it.
#[derive(Clone, Debug, thiserror::Error)]
pub enum LoadError {
    #[error("the built-in gazetteer is damaged: {0}")]
    Damaged(Arc<GazetteerError>),
    #[error("loading the gazetteer stopped: {0}")]
    Stopped(String),
}

type Loaded = Arc<Result<Gazetteer, LoadError>>;

/// The offline source. The gazetteer loads on a blocking thread as soon as the source is made,
/// so start-up is not held up by it; a WHATSAT that comes before it is ready waits for it.
pub struct Offline {
    gazetteer: Arc<OnceCell<Loaded>>,
}

async fn load(cell: &OnceCell<Loaded>) -> &Loaded {
    cell.get_or_init(|| async {
        let loaded = tokio::task::spawn_blocking(|| Gazetteer::built_in().map_err(|e| LoadError::Damaged(Arc::new(e))));
        Arc::new(loaded.await.unwrap_or_else(|e| Err(LoadError::Stopped(e.to_string()))))
    })
    .await
}

impl Offline {
    /// Starts loading the built-in gazetteer in the background (when called inside a runtime).
    pub fn start() -> Self {
        let gazetteer = Arc::new(OnceCell::new());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let cell = gazetteer.clone();
            runtime.spawn(async move {
                load(&cell).await;
            });
        }
        Self { gazetteer }
    }

    /// Waits until the gazetteer is loaded; returns how many places it holds.
    pub async fn ready(&self) -> Result<usize, LoadError> {
        load(&self.gazetteer).await.as_ref().as_ref().map(Gazetteer::len).map_err(Clone::clone)
    }
}

impl Places for Offline {
    fn name(&self) -> &str {
        "offline"
    }

    fn nearby(&self, query: Query) -> PlacesFuture<'_> {
        Box::pin(async move {
            let document = match load(&self.gazetteer).await.as_ref() {
                Ok(gazetteer) => gazetteer.nearby(&query),
                Err(problem) => failure("UNKNOWN_ERROR", &format!("the offline gazetteer is unavailable: {problem}")),
            };
            Answer { document, origin: Origin::Local }
        })
    }

    fn warm_up(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            load(&self.gazetteer).await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "1\tNorth\t10.0\t0.0\t100\tA\n2\tNear\t0.001\t0.001\t5\tB\n3\tBig\t0.05\t0.0\t9000\tA\n4\tEast\t0.0\t179.999\t7\tC\n5\tWest\t0.0\t-179.999\t8\tC\n";

    #[tokio::test]
    async fn warming_up_loads_the_gazetteer_and_a_source_made_outside_a_runtime_too() {
        let offline = Offline::start();
        offline.warm_up().await;
        assert!(offline.gazetteer.initialized());
        // Made where no runtime runs, nothing loads it in the background: warming up does.
        let later = std::thread::spawn(Offline::start).join().unwrap();
        assert!(!later.gazetteer.initialized());
        later.warm_up().await;
        assert!(later.gazetteer.initialized());
    }

    #[test]
    fn finds_only_places_within_the_radius_most_populous_first() {
        let gazetteer = Gazetteer::from_tsv(SAMPLE).unwrap();
        let names = |found: Vec<(&Place, f64)>| found.iter().map(|(p, _)| p.name.to_string()).collect::<Vec<_>>();
        assert_eq!(names(gazetteer.within(0.0, 0.0, 10_000.0)), ["Big", "Near"]);
        assert_eq!(names(gazetteer.within(0.0, 0.0, 1_000.0)), ["Near"]);
        assert!(gazetteer.within(0.0, 0.0, 100.0).is_empty());
    }

    #[test]
    fn searches_across_the_antimeridian() {
        let gazetteer = Gazetteer::from_tsv(SAMPLE).unwrap();
        let found = gazetteer.within(0.0, 180.0, 1_000.0);
        assert_eq!(found.len(), 2, "both sides of the date line");
        assert!(found.iter().all(|(_, d)| *d <= 1_000.0));
    }

    #[test]
    fn distances_are_great_circle() {
        // One degree of latitude is about 111.2 km on the mean sphere.
        let d = distance_m(0.0, 0.0, 1.0, 0.0);
        assert!((d - 111_195.0).abs() < 1.0, "{d}");
        assert!((distance_m(0.0, 179.5, 0.0, -179.5) - distance_m(0.0, 0.0, 0.0, 1.0)).abs() < 1e-6);
    }

    #[test]
    fn bad_lines_are_named() {
        let error = Gazetteer::from_tsv("1\tA\t1\t2\t3\tV\n2\tB\tx\t2\t3\tV\n").err().unwrap();
        assert_eq!(error.to_string(), "gazetteer line 2: bad latitude");
        assert!(Gazetteer::from_tsv("1\tA\t91\t2\t3\tV\n").is_err());
    }
}
