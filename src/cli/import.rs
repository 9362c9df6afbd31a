//! `plotline import [PATH…]`.

use std::path::PathBuf;

use crate::config::DatabaseUrl;

pub(super) async fn run(url: &DatabaseUrl, paths: &[PathBuf]) -> anyhow::Result<()> {
    let pool = crate::db::connect_and_migrate(url, None).await?;
    let reports = crate::import::import(&pool, paths).await?;
    for r in &reports {
        println!(
            "{:<20} {:>4} inserted {:>4} updated  ({})",
            r.layer.name(),
            r.inserted,
            r.updated,
            r.path.display()
        );
    }
    Ok(())
}
