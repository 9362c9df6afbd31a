//! Who changes what and why: the context the history triggers (migration 0006) record.

use sqlx::PgConnection;

use crate::Result;

/// Names the actor and the reason of the changes the current transaction makes; the history
/// triggers record them with every change. Transaction-local: it ends with the transaction.
pub async fn set_change_context(conn: &mut PgConnection, actor: &str, reason: &str) -> Result<()> {
    sqlx::query(
        "SELECT set_config('plotline.actor', $1, true), set_config('plotline.reason', $2, true)",
    )
    .bind(actor)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}
