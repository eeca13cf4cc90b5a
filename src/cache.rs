//! A small per-instance cache with a time-to-live and a bound on entries, for the hot read
//! paths (clients, grant status, verified access tokens, released claims). Every entry is
//! short-lived, so another instance's change (a revocation, a new client secret) is seen
//! within the TTL; this instance's own changes evict the entry at once.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct TtlCache<K, V> {
    entries: Mutex<HashMap<K, (V, Instant)>>,
    ttl: Duration,
    capacity: usize,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            ttl,
            capacity,
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(_, expires)| *expires > Instant::now())
            .map(|(value, _)| value.clone())
    }

    /// Stores a value for the cache's TTL, or less if the value itself expires sooner.
    pub fn insert(&self, key: K, value: V, at_most: Option<Duration>) {
        let ttl = at_most.map_or(self.ttl, |limit| limit.min(self.ttl));
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.capacity {
                // Dropping everything is crude but O(1) amortised and keeps memory bounded;
                // the next requests refill what is hot.
                let now = Instant::now();
                entries.retain(|_, (_, expires)| *expires > now);
                if entries.len() >= self.capacity {
                    entries.clear();
                }
            }
            entries.insert(key, (value, Instant::now() + ttl));
        }
    }

    pub fn remove(&self, key: &K) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(key);
        }
    }

    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_served_until_its_ttl_and_then_gone() {
        let cache = TtlCache::new(Duration::from_millis(0), 10);
        cache.insert("a", 1, None);
        assert_eq!(cache.get(&"a"), None);
        let cache = TtlCache::new(Duration::from_secs(60), 10);
        cache.insert("a", 1, None);
        assert_eq!(cache.get(&"a"), Some(1));
        cache.remove(&"a");
        assert_eq!(cache.get(&"a"), None);
    }

    #[test]
    fn the_cache_never_grows_past_its_capacity() {
        let cache = TtlCache::new(Duration::from_secs(60), 3);
        for i in 0..10 {
            cache.insert(i, i, None);
        }
        assert!(cache.entries.lock().unwrap().len() <= 3);
        assert_eq!(cache.get(&9), Some(9));
    }
}
