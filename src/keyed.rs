//! State the process keeps by key, in one of two kinds, so that none of
//! it only grows over a long test:
//! - [`Shared`], for what is per configuration (a client configuration,
//!   a network policy): one value per key while anything holds it,
//!   forgotten when nothing does;
//! - [`Bounded`], for what is per input (a host name, a function URL's
//!   region label): at most `capacity` entries, the least recently used
//!   forgotten first.

use std::borrow::Borrow;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::convert::Infallible;
use std::hash::Hash;
use std::sync::{Arc, Mutex, Weak};

/// One value per key for as long as some holder keeps its `Arc`.
pub struct Shared<K, V> {
    entries: Mutex<HashMap<K, Weak<V>>>,
}

impl<K, V> Default for Shared<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone, V> Shared<K, V> {
    /// The live value for `key`, or a new one from `make` (called under
    /// the lock, so at most once per key at a time: it must be quick and
    /// do no I/O). Entries nothing holds any more are dropped then.
    pub fn get_or_try_insert_with<E>(
        &self,
        key: &K,
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<Arc<V>, E> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(value) = entries.get(key).and_then(Weak::upgrade) {
            return Ok(value);
        }
        entries.retain(|_, value| value.strong_count() > 0);
        let value = Arc::new(make()?);
        entries.insert(key.clone(), Arc::downgrade(&value));
        Ok(value)
    }

    /// As `get_or_try_insert_with`, for a `make` that cannot fail.
    pub fn get_or_insert_with(&self, key: &K, make: impl FnOnce() -> V) -> Arc<V> {
        match self.get_or_try_insert_with(key, || Ok::<V, Infallible>(make())) {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// How many keys are kept (some may have just lost their last holder).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

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
    fn shared_values_live_while_held() {
        let shared: Shared<u32, String> = Shared::default();
        let make = |text: &str| Ok::<_, ()>(text.to_owned());
        let a = shared.get_or_try_insert_with(&1, || make("one")).unwrap();
        let again = shared.get_or_try_insert_with(&1, || make("other")).unwrap();
        assert!(Arc::ptr_eq(&a, &again));
        assert_eq!(*again, "one");
        assert!(shared.get_or_try_insert_with(&2, || Err(())).is_err());
        drop((a, again));
        for key in 10..1010 {
            drop(shared.get_or_try_insert_with(&key, || make("x")).unwrap());
        }
        // Each insert forgot the entries no one held: only the last is kept.
        assert_eq!(shared.len(), 1);
    }

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
