//! The neighbours whose links this node receives now: a second connection claiming a name that is
//! already linked is refused (and logged), so that nobody holding the key can stand beside a real
//! node under its name. A claim ends when its connection does.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

use crate::topology::NodeName;

#[derive(Default)]
pub struct Linked(Mutex<HashMap<NodeName, SocketAddr>>);

/// One neighbour's name held by one connection, until it is dropped.
pub struct Claim<'a> {
    linked: &'a Linked,
    name: NodeName,
}

impl Linked {
    /// Takes `name` for the connection from `from`; if another connection holds it, returns
    /// where that one comes from.
    pub fn claim(&self, name: &NodeName, from: SocketAddr) -> Result<Claim<'_>, SocketAddr> {
        let mut held = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(holder) = held.get(name) {
            return Err(*holder);
        }
        held.insert(name.clone(), from);
        Ok(Claim { linked: self, name: name.clone() })
    }
}

impl Claim<'_> {
    pub fn name(&self) -> &NodeName {
        &self.name
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.linked.0.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_held_by_one_connection_until_it_ends() {
        let linked = Linked::default();
        let (first, second): (SocketAddr, SocketAddr) =
            ("10.0.0.1:4000".parse().unwrap(), "10.0.0.9:4001".parse().unwrap());
        let claim = linked.claim(&"Jaquez".into(), first).unwrap();
        assert_eq!(linked.claim(&"Jaquez".into(), second).err(), Some(first));
        assert!(linked.claim(&"Juzang".into(), second).is_ok(), "another name is free");
        drop(claim);
        assert!(linked.claim(&"Jaquez".into(), second).is_ok(), "free again once the first ended");
    }
}
