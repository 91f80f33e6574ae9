//! The history's hash chain: every event stores the SHA-256 of the previous event of its region
//! and its own hash over its fields and that previous hash, so rewriting, deleting or reordering
//! any event breaks the chain from that event on. Pure: the stores feed it rows.

use sha2::{Digest, Sha256};

/// The `prev_hash` of the first event of a region.
pub const GENESIS: [u8; 32] = [0; 32];

/// The fields of one event as they are chained. Times are microseconds since the epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedEvent {
    pub id: i64,
    pub region_code: String,
    pub application_id: Option<i64>,
    pub at_us: i64,
    pub actor_iin: String,
    pub actor_role: String,
    pub kind: String,
    pub old_status: Option<String>,
    pub new_status: Option<String>,
    pub comment: String,
    pub signed_xml: Option<String>,
    pub prev_hash: Vec<u8>,
}

impl ChainedEvent {
    /// SHA-256 over a versioned, length-prefixed encoding of every field, so that no two
    /// different events encode alike (a field cannot bleed into its neighbour).
    pub fn hash(&self) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(b"kezek-event-v1");
        let mut field = |bytes: Option<&[u8]>| match bytes {
            None => hasher.update([0u8]),
            Some(bytes) => {
                hasher.update([1u8]);
                hasher.update((bytes.len() as u64).to_be_bytes());
                hasher.update(bytes);
            }
        };
        field(Some(&self.id.to_be_bytes()));
        field(Some(self.region_code.as_bytes()));
        field(
            self.application_id
                .map(i64::to_be_bytes)
                .as_ref()
                .map(|b| &b[..]),
        );
        field(Some(&self.at_us.to_be_bytes()));
        field(Some(self.actor_iin.as_bytes()));
        field(Some(self.actor_role.as_bytes()));
        field(Some(self.kind.as_bytes()));
        field(self.old_status.as_deref().map(str::as_bytes));
        field(self.new_status.as_deref().map(str::as_bytes));
        field(Some(self.comment.as_bytes()));
        field(self.signed_xml.as_deref().map(str::as_bytes));
        field(Some(&self.prev_hash));
        hasher.finalize().into()
    }
}

/// Why the chain is broken, at the first bad event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("event {id} of region {region}: its hash does not match its contents")]
    Rewritten { id: i64, region: String },
    #[error("event {id} of region {region}: it does not follow the region's previous event")]
    Unlinked { id: i64, region: String },
    #[error("region {region}: the chain ends at event {found:?}, its head says {expected}")]
    Truncated {
        region: String,
        expected: i64,
        found: Option<i64>,
    },
}

impl ChainBreak {
    /// The event where the chain first breaks (the head's event for a truncated chain).
    pub fn event_id(&self) -> i64 {
        match self {
            ChainBreak::Rewritten { id, .. } | ChainBreak::Unlinked { id, .. } => *id,
            ChainBreak::Truncated { expected, .. } => *expected,
        }
    }
}

/// Walks the events in id order, keeping each region's last hash; at the end compares each
/// region's last event with the recorded chain head `(region, event id, hash)`.
#[derive(Debug, Default)]
pub struct ChainVerifier {
    last: std::collections::HashMap<String, (i64, [u8; 32])>,
    checked: u64,
}

impl ChainVerifier {
    pub fn check(&mut self, event: &ChainedEvent, stored_hash: &[u8]) -> Result<(), ChainBreak> {
        let expected_prev = self
            .last
            .get(&event.region_code)
            .map_or(GENESIS, |&(_, hash)| hash);
        if event.prev_hash != expected_prev {
            return Err(ChainBreak::Unlinked {
                id: event.id,
                region: event.region_code.clone(),
            });
        }
        let hash = event.hash();
        if stored_hash != hash {
            return Err(ChainBreak::Rewritten {
                id: event.id,
                region: event.region_code.clone(),
            });
        }
        self.last
            .insert(event.region_code.clone(), (event.id, hash));
        self.checked += 1;
        Ok(())
    }

    /// Compares the chains walked with the heads the store recorded; returns the number of
    /// events checked.
    pub fn finish(
        self,
        heads: impl IntoIterator<Item = (String, i64, Vec<u8>)>,
    ) -> Result<u64, ChainBreak> {
        for (region, event_id, hash) in heads {
            let found = self.last.get(&region);
            if found.is_none_or(|&(id, last)| id != event_id || last[..] != hash[..]) {
                return Err(ChainBreak::Truncated {
                    region,
                    expected: event_id,
                    found: found.map(|&(id, _)| id),
                });
            }
        }
        Ok(self.checked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: i64, region: &str, prev_hash: [u8; 32]) -> ChainedEvent {
        ChainedEvent {
            id,
            region_code: region.into(),
            application_id: Some(id),
            at_us: 1_700_000_000_000_000 + id,
            actor_iin: "880101300123".into(),
            actor_role: "applicant".into(),
            kind: "submitted".into(),
            old_status: None,
            new_status: Some("in_queue".into()),
            comment: String::new(),
            signed_xml: Some("<a/>".into()),
            prev_hash: prev_hash.to_vec(),
        }
    }

    fn chain(n: i64) -> Vec<(ChainedEvent, [u8; 32])> {
        let mut prev = std::collections::HashMap::new();
        (1..=n)
            .map(|id| {
                let region = if id % 2 == 0 { "almaty" } else { "astana" };
                let e = event(id, region, *prev.get(region).unwrap_or(&GENESIS));
                let hash = e.hash();
                prev.insert(region, hash);
                (e, hash)
            })
            .collect()
    }

    fn verify(events: &[(ChainedEvent, [u8; 32])]) -> Result<u64, ChainBreak> {
        let mut verifier = ChainVerifier::default();
        for (e, hash) in events {
            verifier.check(e, hash)?;
        }
        let heads: Vec<_> = ["almaty", "astana"]
            .iter()
            .filter_map(|r| {
                events
                    .iter()
                    .rev()
                    .find(|(e, _)| e.region_code == *r)
                    .map(|(e, h)| (r.to_string(), e.id, h.to_vec()))
            })
            .collect();
        verifier.finish(heads)
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(&chain(6)), Ok(6));
    }

    #[test]
    fn a_rewritten_comment_is_found() {
        let mut events = chain(6);
        events[2].0.comment = "changed".into();
        assert_eq!(verify(&events).unwrap_err().event_id(), 3);
    }

    #[test]
    fn a_rewrite_with_a_fresh_hash_breaks_the_next_link() {
        let mut events = chain(6);
        events[2].0.new_status = Some("removed".into());
        events[2].1 = events[2].0.hash();
        assert_eq!(
            verify(&events),
            Err(ChainBreak::Unlinked {
                id: 5,
                region: "astana".into()
            })
        );
    }

    #[test]
    fn a_deleted_event_is_found() {
        let mut events = chain(6);
        events.remove(1);
        assert_eq!(verify(&events).unwrap_err().event_id(), 4);
    }

    #[test]
    fn fields_do_not_bleed_into_each_other() {
        let mut a = event(1, "r", GENESIS);
        let mut b = a.clone();
        a.actor_iin = "ab".into();
        a.actor_role = "c".into();
        b.actor_iin = "a".into();
        b.actor_role = "bc".into();
        assert_ne!(a.hash(), b.hash());
    }
}
