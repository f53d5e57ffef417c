//! The indexes of a tenant's database: the design's ("Database Indexes"), the unique name, the
//! ones the list queries walk (equality fields, then `(time desc, _id desc)`, so a page is an
//! index walk that stops after `limit`), and the TTL indexes that enforce retention.
//!
//! `createIndexes` with a spec that already exists is a no-op, so this runs at every start and
//! at every tenant's first write.

use super::docs::{AUDIT, EXECUTIONS, TASKS, VERSIONS};
use mongodb::bson::{Document, doc};
use mongodb::options::IndexOptions;
use mongodb::{Database, IndexModel};
use std::time::Duration;

fn index(name: &str, keys: Document) -> IndexModel {
    IndexModel::builder()
        .keys(keys)
        .options(IndexOptions::builder().name(name.to_owned()).build())
        .build()
}

fn unique(name: &str, keys: Document) -> IndexModel {
    IndexModel::builder()
        .keys(keys)
        .options(
            IndexOptions::builder()
                .name(name.to_owned())
                .unique(true)
                .build(),
        )
        .build()
}

/// Documents whose `expire_at` has passed are removed by the server's TTL monitor.
fn ttl() -> IndexModel {
    IndexModel::builder()
        .keys(doc! {"expire_at": 1})
        .options(
            IndexOptions::builder()
                .name("idx_ttl".to_owned())
                .expire_after(Duration::ZERO)
                .build(),
        )
        .build()
}

pub fn specs() -> Vec<(&'static str, Vec<IndexModel>)> {
    vec![
        (
            TASKS,
            vec![
                index(
                    "idx_name_type_status",
                    doc! {"name": 1, "type": 1, "status": 1},
                ),
                index("idx_tenant_user", doc! {"tenantcode": 1, "userid": 1}),
                index(
                    "idx_type_status_updated",
                    doc! {"type": 1, "status": 1, "updateddate": -1},
                ),
                unique("uniq_name", doc! {"name": 1}),
                index(
                    "idx_status_updated",
                    doc! {"status": 1, "updateddate": -1, "_id": -1},
                ),
                index(
                    "idx_user_status_updated",
                    doc! {"userid": 1, "status": 1, "updateddate": -1, "_id": -1},
                ),
                index(
                    "idx_category_status_updated",
                    doc! {"category": 1, "status": 1, "updateddate": -1, "_id": -1},
                ),
            ],
        ),
        (
            VERSIONS,
            vec![unique(
                "uniq_utility_version",
                doc! {"utility_id": 1, "version": -1},
            )],
        ),
        (
            AUDIT,
            vec![
                index("idx_time", doc! {"timestamp": -1, "_id": -1}),
                index(
                    "idx_user_time",
                    doc! {"userid": 1, "timestamp": -1, "_id": -1},
                ),
                index(
                    "idx_action_time",
                    doc! {"action": 1, "timestamp": -1, "_id": -1},
                ),
                ttl(),
            ],
        ),
        (
            EXECUTIONS,
            vec![
                index(
                    "idx_task_user_created",
                    doc! {"taskid": 1, "userid": 1, "createddate": -1},
                ),
                index(
                    "idx_tenant_created",
                    doc! {"tenantcode": 1, "createddate": -1},
                ),
                index("idx_created", doc! {"createddate": -1, "_id": -1}),
                index(
                    "idx_user_created",
                    doc! {"userid": 1, "createddate": -1, "_id": -1},
                ),
                ttl(),
            ],
        ),
    ]
}

pub async fn ensure(db: &Database) -> mongodb::error::Result<()> {
    for (collection, models) in specs() {
        db.collection::<Document>(collection)
            .create_indexes(models)
            .await?;
    }
    Ok(())
}
