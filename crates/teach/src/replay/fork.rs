//! "Go live from here": a running herd started from a replayed moment, its caches, modes and
//! link faults those of that moment.

use std::sync::Arc;

use tokio::sync::broadcast;

use super::World;
use crate::moment::Moment;
use herdctl_core::event::HerdEvent;
use herdctl_core::herd::{Herd, HerdError, HerdOptions};

/// A herd started with every node's cache and every link's cut, delay and loss as `world` has
/// them, in the mode it was in, and the nodes that were down, down. The recording's ports are
/// used when they are free, else free ones (the console shows which). Transmissions held at that
/// moment are not carried over: the links start fresh and catch each other up, as a herd
/// restarted with its records would (held, in step mode). The receiver hears every event of the
/// new herd, its start included.
pub async fn go_live(
    world: &World,
    options: HerdOptions,
) -> Result<(Herd, broadcast::Receiver<Arc<HerdEvent>>), HerdError> {
    let names = world.topology().names().to_vec();
    let herd = match Herd::bind(world.topology().clone(), &names, options.clone()) {
        Ok(herd) => herd,
        Err(HerdError::Bind { .. }) => {
            let elsewhere = Arc::new(world.topology().on_free_ports());
            Herd::bind(elsewhere, &names, options)?
        }
        Err(error) => return Err(error),
    };
    // Before any link connects, so that the first catch-up already meets the faults.
    herd.set_mode(world.mode());
    for (a, b) in world.topology().links() {
        match (world.is_cut_from(&a, &b), world.is_cut_from(&b, &a)) {
            (true, true) => herd.cut(&a, &b)?,
            (true, false) => herd.cut_one_way(&a, &b)?,
            (false, true) => herd.cut_one_way(&b, &a)?,
            (false, false) => {}
        }
        let delay = world.delay(&a, &b);
        if !delay.base.is_zero() {
            herd.set_delay(&a, &b, delay)?;
        }
        let loss = (world.loss(&a, &b) * 100.0).round() as u32;
        if loss > 0 {
            herd.set_loss(&a, &b, loss)?;
        }
    }
    let events = herd.subscribe();
    herd.launch_knowing(|node| world.cache_page(node, &herdctl_core::cache::PageStart::First, usize::MAX));
    for node in world.status().iter().filter(|node| !node.up) {
        herd.kill(&node.name).await?;
    }
    Ok((herd, events))
}
