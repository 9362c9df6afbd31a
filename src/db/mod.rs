//! The database edge: connecting, checking PostGIS, migrating, and one module per table family.
//! Functions take a pool or an executor; longer SQL lives in `db/sql/*.sql`.

pub mod accounts;
pub mod analytics;
pub mod features;
pub mod history;
pub mod import;
mod watch;

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::config::DatabaseUrl;
use crate::{Error, Result};

/// The oldest PostGIS plotline runs on.
pub const MIN_POSTGIS_MAJOR: u32 = 3;

pub use watch::DatabaseWatch;

/// Starts a transaction on the pool. `BEGIN` runs in a task of its own, so that it finishes
/// even when the caller is dropped meanwhile (a client that went away): sqlx 0.9 queues no
/// `ROLLBACK` for a `BEGIN` cancelled in flight, and its connection would go back to the pool
/// inside a transaction that the next request's statements join (`SET TRANSACTION` then fails,
/// autocommit writes stay uncommitted and hold their locks). Use this, never `Pool::begin`.
pub async fn begin(pool: &PgPool) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let pool = pool.clone();
    #[allow(clippy::disallowed_methods)]
    let started = tokio::spawn(async move { pool.begin().await }).await;
    match started {
        Ok(tx) => Ok(tx?),
        Err(e) => Err(Error::Internal(format!("starting a transaction: {e}"))),
    }
}

/// Connects, checks that PostGIS is there and new enough, and applies the migrations. With a
/// `statement_timeout`, every statement on the pool's connections is cancelled after it (the
/// migrations run before, on a connection of their own, without it).
pub async fn connect_and_migrate(
    url: &DatabaseUrl,
    statement_timeout: Option<Duration>,
) -> Result<PgPool> {
    let options: PgConnectOptions = url.expose().parse()?;
    let cannot =
        |e: sqlx::Error| Error::Internal(format!("cannot connect to the database at {url}: {e}"));
    let setup = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(session_settings(options.clone(), None))
        .await
        .map_err(cannot)?;
    check_postgis(&setup).await?;
    crate::MIGRATOR.run(&setup).await?;
    setup.close().await;
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(session_settings(options, statement_timeout))
        .await
        .map_err(cannot)
}

/// Connects to a read-only replica of the database (no migrations: they arrive by replication),
/// with the same settings as the primary's pool.
pub async fn connect_replica(
    url: &DatabaseUrl,
    statement_timeout: Option<Duration>,
) -> Result<PgPool> {
    let options: PgConnectOptions = url.expose().parse()?;
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(session_settings(options, statement_timeout))
        .await
        .map_err(|e| Error::Internal(format!("cannot connect to the replica at {url}: {e}")))?;
    check_postgis(&pool).await?;
    Ok(pool)
}

/// Settings for every connection. JIT compilation off: plotline's queries are short, and JIT
/// doubled the time of an area summary over 100,000 plots (`scripts/bench-summary.sh`).
/// A larger `work_mem` keeps that summary's sorts in memory instead of temporary files. The
/// statement timeout bounds how long one request can hold a backend, even after its client left.
pub fn session_settings(
    options: PgConnectOptions,
    statement_timeout: Option<Duration>,
) -> PgConnectOptions {
    let options = options.options([("jit", "off"), ("work_mem", "32MB")]);
    match statement_timeout {
        Some(t) => options.options([
            ("statement_timeout", format!("{}ms", t.as_millis())),
            (
                "idle_in_transaction_session_timeout",
                format!("{}ms", t.as_millis()),
            ),
        ]),
        None => options,
    }
}

/// Fails with an actionable message when the server has no PostGIS 3 to offer.
pub async fn check_postgis(pool: &PgPool) -> Result<String> {
    let version: Option<String> = sqlx::query_scalar(
        "SELECT coalesce(
             (SELECT extversion FROM pg_extension WHERE extname = 'postgis'),
             (SELECT default_version FROM pg_available_extensions WHERE name = 'postgis'))",
    )
    .fetch_one(pool)
    .await?;
    let Some(version) = version else {
        return Err(Error::Internal(
            "the PostgreSQL server has no PostGIS: install it (Debian: apt-get install postgresql-15-postgis-3)"
                .into(),
        ));
    };
    let major: u32 = version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < MIN_POSTGIS_MAJOR {
        return Err(Error::Internal(format!(
            "PostGIS {version} is too old: plotline needs {MIN_POSTGIS_MAJOR}.x or newer"
        )));
    }
    Ok(version)
}

/// How often a server asks whether a new day (UTC) has begun.
pub const NEW_DAY_CHECK: Duration = Duration::from_secs(60);

/// Begins the day (UTC) if no instance has yet: the figures that change with the date alone (a
/// company's `present`, a building's `cluster`, the goals) then get new ETags, summaries and
/// tiles (migration 0021). True when this call began it.
pub async fn new_day(pool: &PgPool) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT plotline_new_day()")
        .fetch_one(pool)
        .await?)
}

/// Calls [`new_day`] every [`NEW_DAY_CHECK`], for as long as the server runs.
pub fn spawn_new_day(pool: PgPool) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(NEW_DAY_CHECK);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match new_day(&pool).await {
                Ok(true) => tracing::info!("a new day: date-dependent figures recomputed"),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "cannot begin the new day"),
            }
        }
    });
}
