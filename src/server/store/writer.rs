//! Group commit: one task per store takes the writes that change applications (submissions and
//! transitions) from a queue and commits them in small batches, one transaction and so one
//! fsync for a batch instead of one per write.
//!
//! Each write runs in its own SAVEPOINT: one that is refused (a child's second application, a
//! stale revision, a failing completion) is rolled back alone and answered with its own error;
//! the others commit. Writes run in queue order and read inside the transaction (the number
//! sequence, the queue tree, the region's chain head), so each sees the writes before it in its
//! batch. No answer, not even a refusal, goes out before the batch's commit; when the batch
//! itself fails (the lock, a savepoint, the commit), every write of it gets that error.

use sqlx::sqlite::SqlitePool;
use tokio::sync::{mpsc, oneshot};

use super::sqlite::{submit_in, transition_in};
use super::{
    Completion, NewApplication, Pending, Recorded, StoreError, StoreResult, TransitionRecord,
};

/// The most writes one transaction takes: enough to share an fsync among the concurrent
/// requests of a busy server, few enough that a batch's first answer does not wait long.
const MAX_BATCH: usize = 64;

/// What a write changes.
pub(super) enum Change {
    Submit(NewApplication),
    Transition(TransitionRecord),
}

struct Write {
    change: Change,
    completion: Completion,
    reply: oneshot::Sender<StoreResult<Recorded>>,
}

/// The queue into the store's writer task; the task ends when the last store clone is dropped.
#[derive(Debug, Clone)]
pub(super) struct Writer {
    queue: mpsc::UnboundedSender<Write>,
}

impl Writer {
    /// Starts the writer task on the current tokio runtime; it writes through `pool`.
    pub fn start(pool: SqlitePool) -> Writer {
        let (queue, writes) = mpsc::unbounded_channel();
        tokio::spawn(run(pool, writes));
        Writer { queue }
    }

    /// Queues a write now; the returned future resolves after its batch's commit.
    pub fn write(&self, change: Change, completion: Completion) -> Pending {
        let (reply, answer) = oneshot::channel();
        let queued = self
            .queue
            .send(Write {
                change,
                completion,
                reply,
            })
            .is_ok();
        Box::pin(async move {
            if !queued {
                return Err(stopped());
            }
            answer.await.unwrap_or_else(|_| Err(stopped()))
        })
    }
}

fn stopped() -> StoreError {
    StoreError::Database("the store's writer has stopped".into())
}

async fn run(pool: SqlitePool, mut writes: mpsc::UnboundedReceiver<Write>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // Whatever queued while the previous batch was committing forms the next one.
    while writes.recv_many(&mut batch, MAX_BATCH).await > 0 {
        commit(&pool, std::mem::take(&mut batch)).await;
    }
}

/// Commits one batch and answers each of its writes.
async fn commit(pool: &SqlitePool, batch: Vec<Write>) {
    let mut replies = Vec::with_capacity(batch.len());
    let mut changes = Vec::with_capacity(batch.len());
    for write in batch {
        replies.push(write.reply);
        changes.push((write.change, write.completion));
    }
    match run_batch(pool, changes).await {
        Ok(results) => {
            for (reply, result) in replies.into_iter().zip(results) {
                // The caller may have gone away; what it asked for is committed all the same.
                let _ = reply.send(result);
            }
        }
        Err(error) => {
            for reply in replies {
                let _ = reply.send(Err(batch_failure(&error)));
            }
        }
    }
}

async fn run_batch(
    pool: &SqlitePool,
    changes: Vec<(Change, Completion)>,
) -> StoreResult<Vec<StoreResult<Recorded>>> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut results = Vec::with_capacity(changes.len());
    for (change, completion) in changes {
        sqlx::query("SAVEPOINT write").execute(&mut *tx).await?;
        let result = match change {
            Change::Submit(new) => submit_in(&mut tx, new, completion).await,
            Change::Transition(record) => transition_in(&mut tx, record, completion).await,
        };
        let end = if result.is_ok() {
            "RELEASE write"
        } else {
            "ROLLBACK TO write; RELEASE write"
        };
        sqlx::raw_sql(end).execute(&mut *tx).await?;
        results.push(result);
    }
    tx.commit().await?;
    Ok(results)
}

/// The error every write of a failed batch gets (errors are not `Clone`).
fn batch_failure(error: &StoreError) -> StoreError {
    match error {
        StoreError::Database(message) => StoreError::Database(message.clone()),
        other => StoreError::Database(other.to_string()),
    }
}
