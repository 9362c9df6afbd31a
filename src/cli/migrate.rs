//! `plotline migrate`.

use crate::config::DatabaseUrl;

pub(super) async fn run(url: &DatabaseUrl) -> anyhow::Result<()> {
    crate::db::connect_and_migrate(url, None).await?;
    tracing::info!("migrations applied");
    Ok(())
}
