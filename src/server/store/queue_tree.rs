//! Arithmetic of the queue's order-statistics tree: a Fenwick (binary indexed) tree per cohort
//! over hour buckets of registration time, kept in the `queue_tree` table.
//!
//! Why a tree in SQL: the queue number is the count of queued applications ahead in the cohort.
//! Counting index entries is linear (tens of milliseconds at a million rows); the tree turns it
//! into at most [`LEVELS`] point reads plus a count inside one hour bucket, and a change into at
//! most [`LEVELS`] point writes, all inside the write transaction and without process memory, so
//! several servers sharing one database stay exact.
//!
//! Also where an application sits in that order ([`QueueKey`], [`order_key`]) and which scopes
//! it counts in ([`QueueSlot`], [`class_scope`]): every implementation of the store keeps the
//! same keys.

use crate::domain::{ApplicationNumber, ApplicationState, BenefitClass, Status};

/// Levels of the tree: 2^20 hour buckets cover 119 years from [`EPOCH_US`].
pub const LEVELS: u32 = 20;
/// Number of buckets (Fenwick indexes are 1..=SIZE).
pub const SIZE: i64 = 1 << LEVELS;
/// 2000-01-01T00:00:00Z in microseconds: no child in the queue registered before it.
pub const EPOCH_US: i64 = 946_684_800_000_000;
/// One bucket is one hour of registration time.
pub const BUCKET_US: i64 = 3_600_000_000;

/// The scopes a cohort's tree counts in: every queued application (the general number) and each
/// benefit class (the benefit number).
pub const SCOPE_ALL: i64 = 0;

/// Queue order after the registration time: the application number.
pub fn order_key(number: ApplicationNumber) -> i64 {
    i64::from(number.year) * 1_000_000_000
        + i64::from(number.sequence) * 1_000
        + i64::from(number.version.min(999))
}

/// The benefit scope an application counts in: 0 without a benefit class.
pub fn class_scope(class: BenefitClass) -> i64 {
    match class {
        BenefitClass::None => 0,
        BenefitClass::FirstTurn => 1,
        BenefitClass::OutOfTurn => 2,
    }
}

/// Whether and how an application counts in its cohort's queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueSlot {
    pub queued: bool,
    pub scope: i64,
}

impl QueueSlot {
    pub fn of(state: &ApplicationState) -> QueueSlot {
        QueueSlot {
            queued: state.status == Status::InQueue,
            scope: class_scope(state.benefit_class()),
        }
    }
}

/// Where an application sits in the queue order.
#[derive(Debug, Clone, Copy)]
pub struct QueueKey {
    pub cohort_id: i64,
    pub registered_us: i64,
    pub order_key: i64,
}

/// The 1-based bucket of a registration time; times outside the covered span fall into the first
/// or last bucket, which stays exact because the within-bucket count compares full keys.
pub fn bucket(registered_us: i64) -> i64 {
    ((registered_us - EPOCH_US).div_euclid(BUCKET_US) + 1).clamp(1, SIZE)
}

/// The earliest registration time that falls into `bucket` (the first bucket also takes
/// everything before the epoch).
pub fn bucket_start_us(bucket: i64) -> i64 {
    if bucket <= 1 {
        i64::MIN
    } else {
        EPOCH_US + (bucket - 1) * BUCKET_US
    }
}

/// The first registration time after `bucket` (the last bucket also takes everything after the
/// covered span).
pub fn bucket_end_us(bucket: i64) -> i64 {
    if bucket >= SIZE {
        i64::MAX
    } else {
        bucket_start_us(bucket + 1)
    }
}

/// Whether `registered_us` lies in the later half of its bucket: then fewer of the bucket's
/// applications come after it than before it, and counting those is cheaper. A new
/// registration is always near its bucket's end, and an hour's bucket can hold thousands.
pub fn in_later_half(registered_us: i64) -> bool {
    let bucket = bucket(registered_us);
    let (start, end) = (bucket_start_us(bucket), bucket_end_us(bucket));
    registered_us.saturating_sub(start) > end.saturating_sub(registered_us)
}

/// The nodes whose counts change when an application of `bucket` joins or leaves the queue.
pub fn update_nodes(bucket: i64) -> Vec<i64> {
    let mut nodes = Vec::with_capacity(LEVELS as usize + 1);
    let mut node = bucket;
    while (1..=SIZE).contains(&node) {
        nodes.push(node);
        node += node & -node;
    }
    nodes
}

/// The nodes whose counts add up to the number of queued applications in buckets `1..=bucket`.
pub fn prefix_nodes(bucket: i64) -> Vec<i64> {
    let mut nodes = Vec::with_capacity(LEVELS as usize);
    let mut node = bucket.min(SIZE);
    while node > 0 {
        nodes.push(node);
        node -= node & -node;
    }
    nodes
}

/// The node changes of one scope from per-bucket counts (a whole tree, for bulk seeding and
/// rebuilds) or per-bucket changes (a write): returns the non-zero nodes with their sums.
pub fn build(bucket_counts: impl IntoIterator<Item = (i64, i64)>) -> Vec<(i64, i64)> {
    let mut nodes = std::collections::BTreeMap::<i64, i64>::new();
    for (bucket, count) in bucket_counts {
        for node in update_nodes(bucket) {
            *nodes.entry(node).or_default() += count;
        }
    }
    nodes.into_iter().filter(|&(_, count)| count != 0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn buckets_are_hours_since_2000() {
        assert_eq!(bucket(EPOCH_US), 1);
        assert_eq!(bucket(EPOCH_US + BUCKET_US - 1), 1);
        assert_eq!(bucket(EPOCH_US + BUCKET_US), 2);
        assert_eq!(bucket(0), 1);
        assert_eq!(bucket(i64::MAX / 2), SIZE);
        assert_eq!(bucket_start_us(2), EPOCH_US + BUCKET_US);
        assert_eq!(bucket_start_us(1), i64::MIN);
        assert_eq!(bucket_end_us(1), EPOCH_US + BUCKET_US);
        assert_eq!(bucket_end_us(SIZE), i64::MAX);
        assert!(!in_later_half(EPOCH_US + BUCKET_US + 10));
        assert!(in_later_half(EPOCH_US + 2 * BUCKET_US - 10));
        // The first bucket reaches back without end: count what comes after.
        assert!(in_later_half(EPOCH_US - 5));
    }

    #[test]
    fn paths_are_at_most_levels_long() {
        assert!(update_nodes(1).len() <= LEVELS as usize + 1);
        assert_eq!(prefix_nodes(SIZE), vec![SIZE]);
        assert_eq!(prefix_nodes(0), Vec::<i64>::new());
        assert_eq!(prefix_nodes(7), vec![7, 6, 4]);
        assert_eq!(update_nodes(5)[..4], [5, 6, 8, 16]);
    }

    proptest! {
        /// The order key sorts like the application number it is made of.
        #[test]
        fn order_keys_sort_like_numbers(
            a in (1000i32..=9999, 1u32..=crate::domain::number::MAX_SEQUENCE, 1u32..1000),
            b in (1000i32..=9999, 1u32..=crate::domain::number::MAX_SEQUENCE, 1u32..1000),
        ) {
            let number = |(year, sequence, version)| ApplicationNumber::new(year, sequence, version).unwrap();
            let (a, b) = (number(a), number(b));
            prop_assert_eq!(order_key(a).cmp(&order_key(b)), a.cmp(&b));
        }

        /// Prefix sums read from the built tree equal a plain count of the buckets.
        #[test]
        fn prefix_sums_match_a_plain_count(
            counts in proptest::collection::vec((1i64..5000, 1i64..4), 0..60),
            probe in 0i64..6000,
        ) {
            let tree: std::collections::HashMap<i64, i64> = build(counts.clone()).into_iter().collect();
            let from_tree: i64 = prefix_nodes(probe).iter().map(|n| tree.get(n).copied().unwrap_or(0)).sum();
            let plain: i64 = counts.iter().filter(|(b, _)| *b <= probe).map(|(_, c)| c).sum();
            prop_assert_eq!(from_tree, plain);
        }
    }
}
