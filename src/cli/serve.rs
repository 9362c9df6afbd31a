//! `plotline serve`.

use anyhow::Context;

use crate::config::{DatabaseUrl, ServeConfig};
use crate::http::{app, AppState};

pub(super) async fn run(url: &DatabaseUrl, config: ServeConfig) -> anyhow::Result<()> {
    let pool = crate::db::connect_and_migrate(url, Some(config.statement_timeout.into())).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (is another server using the port? set --listen or PLOTLINE_LISTEN)",
                config.listen
            )
        })?;
    let web_dir = config.web_dir.is_dir().then_some(config.web_dir.clone());
    if web_dir.is_none() {
        tracing::warn!(dir = %config.web_dir.display(), "no map page folder: serving the API only");
    }
    tracing::info!(database = %url, "serving on http://{}", config.listen);
    let state = AppState {
        pool,
        web_dir,
        cors_origins: config.cors_origins.clone(),
        login_limiter: Default::default(),
        secure_cookies: config.secure_cookies,
        summaries: Default::default(),
        changes: Default::default(),
        database: Default::default(),
    };
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
