//! Group commit: one task per store takes the writes that change applications (submissions and
//! transitions) from a queue and commits them in small batches, one transaction and so one
//! fsync for a batch instead of one per write.
//!
//! A batch is first written as one run (`run::write_run`: what its writes share goes in one
//! statement for all of them, and each statement is a round trip to the connection's thread).
//! When the run fails, its writes are tried again one by one, each in its own SAVEPOINT, so one
//! that is refused (a child's second application, a stale revision, a failing completion) is
//! rolled back alone and answered with its own error; the others commit. Writes run in queue
//! order and read inside the transaction (the number sequence, the queue tree, the region's
//! chain head), so each sees the writes before it in its batch. No answer, not even a refusal, goes out before the batch's commit; when the batch
//! itself fails (the lock, a savepoint, the commit), every write of it gets that error.

use sqlx::Pool;
use tokio::sync::{mpsc, oneshot};

use super::run::{Queued, write_run};
use super::{Backend, Exec, Tx};
use crate::server::store::{
    Completion, NewApplication, NewEvent, Pending, Recorded, RequestKey, StoreError, StoreResult,
    TransitionRecord,
};

/// The most writes one transaction takes: enough to share an fsync among the concurrent
/// requests of a busy server and among the offers of a season's allocation (queued by the
/// thousand), few enough that a batch's first answer does not wait long (~30 ms for 256 offers).
const MAX_BATCH: usize = 256;

/// What a write changes.
pub(super) enum Change {
    Submit(NewApplication),
    Transition(TransitionRecord),
}

impl Change {
    /// The new application, when this is a submission.
    pub fn submission(&self) -> Option<&NewApplication> {
        match self {
            Change::Submit(new) => Some(new),
            Change::Transition(_) => None,
        }
    }

    /// The request id and document the answer is kept under, if any.
    pub fn request(&self) -> Option<&RequestKey> {
        match self {
            Change::Submit(new) => new.request.as_ref(),
            Change::Transition(record) => record.request.as_ref(),
        }
    }

    /// Who made the change and their signed document, for the history.
    pub fn event(&self) -> &NewEvent {
        match self {
            Change::Submit(new) => &new.event,
            Change::Transition(record) => &record.event,
        }
    }
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
    pub fn start<B: Backend>(pool: Pool<B>) -> Writer {
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

async fn run<B: Backend>(pool: Pool<B>, mut writes: mpsc::UnboundedReceiver<Write>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // Whatever queued while the previous batch was committing forms the next one.
    while writes.recv_many(&mut batch, MAX_BATCH).await > 0 {
        commit(&pool, &mut writes, std::mem::take(&mut batch)).await;
    }
}

/// Commits one batch and answers each of its writes. The batch takes the write lock first and
/// then whatever else queued meanwhile: while other servers hold the lock (PostgreSQL), this
/// server's requests gather, and one transaction (one fsync) serves them all instead of one each.
async fn commit<B: Backend>(
    pool: &Pool<B>,
    writes: &mut mpsc::UnboundedReceiver<Write>,
    mut batch: Vec<Write>,
) {
    let locked = B::begin_write(pool).await;
    if locked.is_ok() {
        while batch.len() < MAX_BATCH {
            match writes.try_recv() {
                Ok(write) => batch.push(write),
                Err(_) => break,
            }
        }
    }
    let mut replies = Vec::with_capacity(batch.len());
    let mut changes = Vec::with_capacity(batch.len());
    for write in batch {
        replies.push(write.reply);
        changes.push((write.change, write.completion));
    }
    let outcome = match locked {
        Ok(tx) => run_batch(tx, changes).await,
        Err(error) => Err(error),
    };
    match outcome {
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

async fn run_batch<B: Backend>(
    mut tx: Tx<B>,
    changes: Vec<(Change, Completion)>,
) -> StoreResult<Vec<StoreResult<Recorded>>> {
    let run: Vec<Queued> = changes
        .into_iter()
        .map(|(change, completion)| Queued { change, completion })
        .collect();
    let mut savepoints = Savepoints::default();
    savepoints.start::<B>(&mut tx).await?;
    let together = write_run::<B>(&mut tx, &run).await;
    savepoints.end(together.is_ok());
    let results = match together {
        Ok(recorded) => recorded.into_iter().map(Ok).collect(),
        Err(error) if run.len() == 1 => vec![Err(error)],
        Err(_) => {
            let mut results = Vec::with_capacity(run.len());
            for one in run.chunks(1) {
                savepoints.start::<B>(&mut tx).await?;
                let alone = write_run::<B>(&mut tx, one).await;
                savepoints.end(alone.is_ok());
                results.push(alone.map(|mut recorded| recorded.remove(0)));
            }
            results
        }
    };
    savepoints.finish::<B>(&mut tx).await?;
    tx.commit().await?;
    Ok(results)
}

/// The savepoint each attempt runs in. The end of one travels with the start of the next, in
/// one round trip (on SQLite, to the connection's thread).
#[derive(Debug, Default)]
struct Savepoints {
    /// Whether the open savepoint's attempt succeeded; `None` before the first.
    last: Option<bool>,
}

impl Savepoints {
    async fn start<B: Backend>(&mut self, tx: &mut B::Connection) -> StoreResult<()> {
        let sql = match self.last {
            None => "SAVEPOINT write",
            Some(true) => "RELEASE write; SAVEPOINT write",
            Some(false) => "ROLLBACK TO write; RELEASE write; SAVEPOINT write",
        };
        sqlx::raw_sql(sql).execute(tx.ex()).await?;
        Ok(())
    }

    fn end(&mut self, succeeded: bool) {
        self.last = Some(succeeded);
    }

    /// Undoes a last attempt that failed; COMMIT releases one that succeeded.
    async fn finish<B: Backend>(self, tx: &mut B::Connection) -> StoreResult<()> {
        if self.last == Some(false) {
            sqlx::raw_sql("ROLLBACK TO write; RELEASE write")
                .execute(tx.ex())
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
