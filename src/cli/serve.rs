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
    crate::db::spawn_new_day(pool.clone());
    let mut state = AppState::new(pool);
    if let Some(read_url) = &config.database_read_url {
        let read =
            crate::db::connect_replica(read_url, Some(config.statement_timeout.into())).await?;
        tracing::info!(replica = %read_url, "anonymous reads go to the replica");
        state.read = read;
        state.read_is_replica = true;
    }
    state.content_security_policy =
        crate::http::edge::content_security_policy(web_dir.as_deref()).into();
    state.web_dir = web_dir;
    state.cors_origins = config.cors_origins.clone();
    state.secure_cookies = config.secure_cookies;
    state.trusted_proxies = config.trusted_proxies.clone();
    state.metrics_token = config.metrics_token.clone();
    state.tiles = std::sync::Arc::new(crate::tiles::TileCache::new(
        config.tile_cache_mb * 1024 * 1024,
    ));
    state.public_url = match &config.public_url {
        Some(url) => Some(url.trim_end_matches('/').to_owned()),
        None if config.listen.ip().is_loopback() => Some(format!("http://{}", config.listen)),
        None => {
            tracing::warn!("PLOTLINE_PUBLIC_URL is not set: links are written with the Host header clients send");
            None
        }
    };
    let changes = state.changes.clone();
    crate::http::server::serve(
        listener,
        app(state),
        crate::http::server::Limits::default(),
        shutdown_signal(),
        move || changes.close_streams(),
    )
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
