//! The documents this server rendered last, bounded by their bytes: the least recently
//! downloaded go first. Only renderings checked against their first fingerprint are put here
//! (`server::renderer::document_bytes`), so the cache never holds a document that differs.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use axum::body::Bytes;

/// An LRU cache of PDFs by document id, holding at most `limit` bytes of them.
pub struct DocumentCache {
    limit: u64,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Id → the bytes and the tick of their last use.
    entries: HashMap<String, (Bytes, u64)>,
    /// Tick of last use → id, oldest first.
    by_use: BTreeMap<u64, String>,
    bytes: u64,
    tick: u64,
}

impl Inner {
    fn touch(&mut self, id: &str) -> Option<Bytes> {
        self.tick += 1;
        let tick = self.tick;
        let (bytes, used) = self.entries.get_mut(id)?;
        self.by_use.remove(used);
        *used = tick;
        self.by_use.insert(tick, id.to_owned());
        Some(bytes.clone())
    }
}

impl DocumentCache {
    pub fn new(limit: u64) -> DocumentCache {
        DocumentCache {
            limit,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The cache's state stays consistent at every step: a panic elsewhere leaves it usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The document's bytes, if cached; marks them used.
    pub fn get(&self, id: &str) -> Option<Bytes> {
        self.lock().touch(id)
    }

    /// Caches a document's bytes, dropping the least recently used until they fit; a document
    /// larger than the whole cache is not kept.
    pub fn put(&self, id: &str, bytes: Bytes) {
        let size = bytes.len() as u64;
        if size > self.limit {
            return;
        }
        let mut inner = self.lock();
        if inner.touch(id).is_some() {
            return;
        }
        while inner.bytes + size > self.limit {
            let Some((_, oldest)) = inner.by_use.pop_first() else {
                break;
            };
            if let Some((dropped, _)) = inner.entries.remove(&oldest) {
                inner.bytes -= dropped.len() as u64;
            }
        }
        inner.tick += 1;
        let tick = inner.tick;
        inner.by_use.insert(tick, id.to_owned());
        inner.entries.insert(id.to_owned(), (bytes, tick));
        inner.bytes += size;
    }

    /// The bytes of the documents held now.
    pub fn bytes(&self) -> u64 {
        self.lock().bytes
    }

    /// How many documents are held now.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf(size: usize) -> Bytes {
        Bytes::from(vec![b'%'; size])
    }

    #[test]
    fn the_least_recently_used_go_first_and_the_bound_holds() {
        let cache = DocumentCache::new(100);
        cache.put("a", pdf(40));
        cache.put("b", pdf(40));
        assert_eq!(cache.bytes(), 80);
        // «a» used again: «b» is now the oldest.
        assert!(cache.get("a").is_some());
        cache.put("c", pdf(40));
        assert_eq!(cache.bytes(), 80);
        assert!(cache.get("b").is_none());
        assert!(cache.get("a").is_some() && cache.get("c").is_some());
        // One that needs two to go.
        cache.put("d", pdf(90));
        assert_eq!((cache.len(), cache.bytes()), (1, 90));
        assert!(cache.get("d").is_some());
    }

    #[test]
    fn too_large_or_no_cache_keeps_nothing() {
        let cache = DocumentCache::new(100);
        cache.put("a", pdf(50));
        cache.put("huge", pdf(101));
        assert!(cache.get("huge").is_none());
        assert_eq!(cache.bytes(), 50, "what was cached stays");
        let none = DocumentCache::new(0);
        none.put("a", pdf(1));
        assert!(none.is_empty());
    }

    #[test]
    fn putting_again_does_not_count_twice() {
        let cache = DocumentCache::new(100);
        cache.put("a", pdf(30));
        cache.put("a", pdf(30));
        assert_eq!((cache.len(), cache.bytes()), (1, 30));
    }

    #[test]
    fn many_documents_never_exceed_the_bound() {
        let cache = DocumentCache::new(1000);
        for i in 0..500_usize {
            cache.put(&i.to_string(), pdf(1 + i * 7 % 300));
            assert!(cache.bytes() <= 1000);
            let held: u64 = (0..=i)
                .filter_map(|j| cache.lock().entries.get(&j.to_string()).map(|e| e.0.len()))
                .sum::<usize>() as u64;
            assert_eq!(held, cache.bytes());
        }
    }
}
