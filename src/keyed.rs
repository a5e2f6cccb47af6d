//! State the process keeps by key, so that none of it only grows over a
//! long test: [`Bounded`], for what is per input (a host name, a function
//! URL's region label): at most `capacity` entries, the least recently
//! used forgotten first.

use std::borrow::Borrow;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::Hash;

/// A map of at most `capacity` entries; inserting a new key into a full
/// map forgets the entry used least recently.
pub struct Bounded<K, V> {
    entries: HashMap<K, (V, u64)>,
    /// Counts uses: an entry's stamp is the count at its last use.
    clock: u64,
    capacity: usize,
}

impl<K: Eq + Hash, V> Bounded<K, V> {
    pub fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "a bounded map holds at least one entry");
        Self {
            entries: HashMap::new(),
            clock: 0,
            capacity,
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value of `key`, which counts as a use.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.clock += 1;
        let (value, used) = self.entries.get_mut(key)?;
        *used = self.clock;
        Some(value)
    }

    /// Sets `key`'s value (a use), first forgetting the least recently
    /// used entry when `key` is new and the map is full. Finding that one
    /// scans the map: a few thousand comparisons at most, made only when a
    /// new key comes, which itself cost a lookup or more.
    pub fn insert(&mut self, key: K, value: V) -> &mut V {
        if self.entries.len() >= self.capacity && !self.entries.contains_key(&key) {
            // Stamps are unique (each use moves the clock), so this
            // forgets exactly one entry.
            if let Some(oldest) = self.entries.values().map(|(_, used)| *used).min() {
                self.entries.retain(|_, (_, used)| *used != oldest);
            }
        }
        self.clock += 1;
        let stamped = (value, self.clock);
        match self.entries.entry(key) {
            Entry::Occupied(entry) => {
                let slot = entry.into_mut();
                *slot = stamped;
                &mut slot.0
            }
            Entry::Vacant(entry) => &mut entry.insert(stamped).0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_maps_forget_the_least_recently_used() {
        let mut map: Bounded<String, u32> = Bounded::new(3);
        map.insert("a".into(), 1);
        map.insert("b".into(), 2);
        map.insert("c".into(), 3);
        assert_eq!(map.get_mut("a"), Some(&mut 1)); // a used: b is the oldest
        *map.insert("a".into(), 10) += 1; // a replaced in place: nothing forgotten
        map.insert("d".into(), 4);
        assert_eq!(map.len(), 3);
        assert_eq!(map.get_mut("b"), None);
        assert_eq!(map.get_mut("a"), Some(&mut 11));
        for i in 0..1000 {
            map.insert(format!("n{i}"), i);
        }
        assert_eq!(map.len(), 3);
        assert_eq!(map.get_mut("n999"), Some(&mut 999));
        assert_eq!(map.get_mut("n996"), None);
    }
}
