//! Group commit: one task per store takes the writes that change applications (submissions and
//! transitions) from a queue and commits them in small batches, one transaction and so one
//! fsync for a batch instead of one per write.
//!
//! Consecutive submissions run together, with a few statements for the whole run (each
//! statement is a round trip to the connection's thread). Each run and each transition has its
//! own SAVEPOINT; when a run fails, its submissions are tried again one by one, so one that is
//! refused (a child's second application, a stale revision, a failing completion) is rolled
//! back alone and answered with its own error; the others commit. Writes run in queue order and read inside the transaction (the number
//! sequence, the queue tree, the region's chain head), so each sees the writes before it in its
//! batch. No answer, not even a refusal, goes out before the batch's commit; when the batch
//! itself fails (the lock, a savepoint, the commit), every write of it gets that error.

use sqlx::sqlite::SqlitePool;
use tokio::sync::{mpsc, oneshot};

use sqlx::SqliteConnection;

use super::sqlite::{Submission, submit_in, transition_in};
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
    let mut savepoints = Savepoints::default();
    let mut results = Vec::with_capacity(changes.len());
    let mut changes = changes.into_iter().peekable();
    while let Some((change, completion)) = changes.next() {
        let new = match change {
            Change::Transition(record) => {
                savepoints.start(&mut tx).await?;
                let result = transition_in(&mut tx, record, &completion).await;
                savepoints.end(result.is_ok());
                results.push(result);
                continue;
            }
            Change::Submit(new) => new,
        };
        let mut run = vec![Submission { new, completion }];
        while let Some((Change::Submit(_), _)) = changes.peek() {
            if let Some((Change::Submit(new), completion)) = changes.next() {
                run.push(Submission { new, completion });
            }
        }
        savepoints.start(&mut tx).await?;
        let together = submit_in(&mut tx, &run).await;
        savepoints.end(together.is_ok());
        match together {
            Ok(recorded) => results.extend(recorded.into_iter().map(Ok)),
            Err(error) if run.len() == 1 => results.push(Err(error)),
            Err(_) => {
                for one in run.chunks(1) {
                    savepoints.start(&mut tx).await?;
                    let alone = submit_in(&mut tx, one).await;
                    savepoints.end(alone.is_ok());
                    results.push(alone.map(|mut recorded| recorded.remove(0)));
                }
            }
        }
    }
    savepoints.finish(&mut tx).await?;
    tx.commit().await?;
    Ok(results)
}

/// The savepoint each attempt runs in. The end of one travels with the start of the next, in
/// one round trip to the connection's thread.
#[derive(Debug, Default)]
struct Savepoints {
    /// Whether the open savepoint's attempt succeeded; `None` before the first.
    last: Option<bool>,
}

impl Savepoints {
    async fn start(&mut self, tx: &mut SqliteConnection) -> StoreResult<()> {
        let sql = match self.last {
            None => "SAVEPOINT write",
            Some(true) => "RELEASE write; SAVEPOINT write",
            Some(false) => "ROLLBACK TO write; RELEASE write; SAVEPOINT write",
        };
        sqlx::raw_sql(sql).execute(tx).await?;
        Ok(())
    }

    fn end(&mut self, succeeded: bool) {
        self.last = Some(succeeded);
    }

    /// Undoes a last attempt that failed; COMMIT releases one that succeeded.
    async fn finish(self, tx: &mut SqliteConnection) -> StoreResult<()> {
        if self.last == Some(false) {
            sqlx::raw_sql("ROLLBACK TO write; RELEASE write")
                .execute(tx)
                .await?;
        }
        Ok(())
    }
}

/// The error every write of a failed batch gets (errors are not `Clone`).
fn batch_failure(error: &StoreError) -> StoreError {
    match error {
        StoreError::Database(message) => StoreError::Database(message.clone()),
        other => StoreError::Database(other.to_string()),
    }
}
