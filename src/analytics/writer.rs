//! Group commit. Every batch of accepted events queues for one writer task, which writes
//! each batch that queued while it was busy together with the others, in one transaction.
//! On SQLite a commit writes every page it dirtied to the WAL and syncs it: batches
//! written together share those pages and that sync, and their rollup rows add up before
//! they are written. A caller is answered only once its events are committed.

use super::error::AnalyticsError;
use super::partitions::Partitions;
use super::write::{self, Accepted};
use crate::clock::UnixTime;
use crate::db::{self, Db};
use tokio::sync::{mpsc, oneshot};

/// A group stops growing at this many events: enough to share the sync among every
/// batch of a busy moment, few enough to keep one transaction's memory small.
const GROUP_EVENTS: usize = 16_000;
/// Batches waiting beyond this make their senders wait too.
const QUEUE: usize = 64;

/// One caller's events.
pub struct Batch {
    pub events: Vec<Accepted>,
}

/// What became of a batch: events written, and events whose key was already counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub fresh: usize,
    pub duplicates: usize,
}

struct Job {
    batch: Batch,
    done: oneshot::Sender<Result<Written, AnalyticsError>>,
}

/// What the writer needs to write.
#[derive(Clone)]
pub struct Store {
    pub db: Db,
    pub partitions: Partitions,
    /// The longest run of negative ratings kept per rater (the policy's threshold).
    pub negative_cap: i64,
}

/// The way to the writer task, started with the first batch (inside the runtime).
#[derive(Clone)]
pub struct Writer {
    store: Store,
    queue: std::sync::Arc<std::sync::OnceLock<mpsc::Sender<Job>>>,
}

impl Writer {
    pub fn new(store: Store) -> Writer {
        Writer {
            store,
            queue: Default::default(),
        }
    }

    /// Queues a batch and waits until it is committed.
    pub async fn write(&self, batch: Batch) -> Result<Written, AnalyticsError> {
        let queue = self.queue.get_or_init(|| start(self.store.clone()));
        let (done, answer) = oneshot::channel();
        let job = Job { batch, done };
        queue
            .send(job)
            .await
            .map_err(|_| AnalyticsError::WriterStopped)?;
        answer.await.map_err(|_| AnalyticsError::WriterStopped)?
    }
}

fn start(store: Store) -> mpsc::Sender<Job> {
    let (queue, jobs) = mpsc::channel(QUEUE);
    tokio::spawn(run(store, jobs));
    queue
}

async fn run(store: Store, mut jobs: mpsc::Receiver<Job>) {
    while let Some(first) = jobs.recv().await {
        let mut events = first.batch.events.len();
        let mut group = vec![first];
        while events < GROUP_EVENTS {
            let Ok(job) = jobs.try_recv() else { break };
            events += job.batch.events.len();
            group.push(job);
        }
        write_group(&store, group).await;
    }
}

/// Writes a group; if that fails, writes each batch alone, so that one batch's failure
/// is that batch's answer only.
async fn write_group(store: &Store, group: Vec<Job>) {
    let (batches, answers): (Vec<Batch>, Vec<_>) =
        group.into_iter().map(|job| (job.batch, job.done)).unzip();
    match store.write(&batches).await {
        Ok(written) => {
            for (answer, written) in answers.into_iter().zip(written) {
                let _ = answer.send(Ok(written));
            }
        }
        Err(error) if batches.len() == 1 => {
            if let Some(answer) = answers.into_iter().next() {
                let _ = answer.send(Err(error));
            }
        }
        Err(_) => {
            for (batch, answer) in batches.iter().zip(answers) {
                let written = store.write(std::slice::from_ref(batch)).await;
                let _ = answer.send(written.map(|mut w| w.remove(0)));
            }
        }
    }
}

impl Store {
    /// Writes the batches' events in one transaction. An event stored before (same time,
    /// client and idempotency key), or earlier in the group, is a retry.
    pub async fn write(&self, batches: &[Batch]) -> Result<Vec<Written>, AnalyticsError> {
        let events: Vec<&Accepted> = batches.iter().flat_map(|b| &b.events).collect();
        let times: Vec<UnixTime> = events.iter().map(|e| e.occurred_at).collect();
        self.partitions.ensure(&self.db, times.into_iter()).await?;
        let mut tx = db::begin_write(&self.db).await?;
        let written = write::apply(&mut tx, &events, self.negative_cap).await?;
        tx.commit().await?;
        Ok(batches
            .iter()
            .map(|batch| {
                let fresh = batch.events.iter().filter(|e| written.contains(e)).count();
                Written {
                    fresh,
                    duplicates: batch.events.len() - fresh,
                }
            })
            .collect())
    }
}
