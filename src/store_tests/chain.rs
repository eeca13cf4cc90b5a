//! Write transactions and the chain-head lock under concurrent writers: the audit chain
//! and the outbox rely on them on both backends.

use crate::crypto;
use crate::db::{self, ChainHead, Db};

on_both_backends!(concurrent_writers_append_to_one_chain_without_forking_it);

const WRITERS: usize = 8;
const APPENDS_EACH: usize = 12;

/// Each writer reads first (as an audit append does, after the change it records), then
/// locks the head and appends. A fork would repeat a sequence number (refused by the
/// primary key) or link to a stale hash; a deferred SQLite transaction would fail with
/// SQLITE_BUSY on its first write after another writer committed.
async fn concurrent_writers_append_to_one_chain_without_forking_it(db: &Db) {
    sqlx::query("create table link_probe (seq bigint primary key, prev_hash text not null, hash text not null)")
        .execute(db)
        .await
        .unwrap();
    sqlx::query("insert into chain_head (chain, seq, hash) values ('probe', 0, $1)")
        .bind("0".repeat(64))
        .execute(db)
        .await
        .unwrap();
    let writers = (0..WRITERS).map(|writer| {
        let db = db.clone();
        tokio::spawn(async move {
            for append in 0..APPENDS_EACH {
                append_link(&db, &format!("{writer}/{append}")).await;
            }
        })
    });
    for writer in writers.collect::<Vec<_>>() {
        writer.await.unwrap();
    }
    let mut tx = db::begin_write(db).await.unwrap();
    let head = db::lock_chain_head(&mut tx, "probe").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(head.seq as usize, WRITERS * APPENDS_EACH);
    let links: Vec<(i64, String, String)> =
        sqlx::query_as("select seq, prev_hash, hash from link_probe order by seq")
            .fetch_all(db)
            .await
            .unwrap();
    let mut previous = "0".repeat(64);
    for (index, (seq, prev_hash, hash)) in links.into_iter().enumerate() {
        assert_eq!(seq as usize, index + 1);
        assert_eq!(
            prev_hash, previous,
            "link {seq} does not follow its predecessor"
        );
        previous = hash;
    }
    assert_eq!(previous, head.hash);
}

async fn append_link(db: &Db, label: &str) {
    let mut tx = db::begin_write(db).await.unwrap();
    let _count: (i64,) = sqlx::query_as("select count(*) from link_probe")
        .fetch_one(&mut **tx)
        .await
        .unwrap();
    let head = db::lock_chain_head(&mut tx, "probe").await.unwrap();
    tokio::task::yield_now().await;
    let next = ChainHead {
        seq: head.seq + 1,
        hash: crypto::digest_hex(&format!("{}{label}", head.hash)),
    };
    sqlx::query("insert into link_probe (seq, prev_hash, hash) values ($1, $2, $3)")
        .bind(next.seq)
        .bind(&head.hash)
        .bind(&next.hash)
        .execute(&mut **tx)
        .await
        .unwrap();
    db::advance_chain_head(&mut tx, "probe", &next)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}
