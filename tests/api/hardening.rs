//! The defects of the hardening issue (#11), each with the test that found it fixed: database
//! outages and slow statements answer 503 with `Retry-After`, at once while the database is
//! known to be down.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use crate::helpers::{assert_error, get, seeded};

#[sqlx::test]
async fn a_database_outage_answers_503_at_once_with_retry_after(pool: PgPool) {
    let app = seeded(&pool).await;
    assert_eq!(
        get(&app, "/collections/plots/items?limit=1").await.status,
        StatusCode::OK
    );
    // The database goes away (the pool is closed: every acquire fails as when it is down).
    pool.close().await;
    let first = get(&app, "/collections/plots/items?limit=1").await;
    assert_error(
        &first,
        StatusCode::SERVICE_UNAVAILABLE,
        "database is unavailable",
    );
    assert_eq!(first.json["error"]["code"], "database_unavailable");
    assert_eq!(first.headers["retry-after"], "2");
    // Known to be down: the next requests do not wait for the pool.
    for uri in [
        "/collections/plots/items",
        "/areas/kildedal/summary",
        "/health",
        "/plots/KD-03",
    ] {
        let started = Instant::now();
        let answer = get(&app, uri).await;
        let took = started.elapsed();
        assert_error(
            &answer,
            StatusCode::SERVICE_UNAVAILABLE,
            "database is unavailable",
        );
        assert!(answer.headers.contains_key("retry-after"), "{uri}");
        assert!(took < Duration::from_millis(100), "{uri} took {took:?}");
    }
}

#[sqlx::test]
async fn the_statement_timeout_cancels_and_answers_503(pool: PgPool) {
    let options = (*pool.connect_options()).clone();
    let limited = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(plotline::db::session_settings(
            options,
            Some(Duration::from_millis(150)),
        ))
        .await
        .unwrap();
    let shown: String = sqlx::query_scalar("SHOW statement_timeout")
        .fetch_one(&limited)
        .await
        .unwrap();
    assert_eq!(shown, "150ms");
    let started = Instant::now();
    let error: plotline::Error = sqlx::query("SELECT pg_sleep(5)")
        .execute(&limited)
        .await
        .unwrap_err()
        .into();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(error.timed_out(), "{error}");
    let response = axum::response::IntoResponse::into_response(error);
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("retry-after"));
}

/// The app on a real socket with short limits; returns its address, the shutdown trigger and
/// the server's task.
async fn served(
    pool: &PgPool,
    limits: plotline::http::server::Limits,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    crate::helpers::load(pool).await;
    let state = plotline::AppState::new(pool.clone());
    let changes = state.changes.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(plotline::http::server::serve(
        listener,
        plotline::app(state),
        limits,
        async move {
            let _ = stopped.await;
        },
        move || changes.close_streams(),
    ));
    (address, stop, server)
}

/// Reads until the peer closes (or `limit` passes); returns what came and whether it closed.
async fn read_until_closed(socket: &mut tokio::net::TcpStream, limit: Duration) -> (String, bool) {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, socket.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&got).into(), true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&got).into(), false),
        }
    }
}

#[sqlx::test]
async fn slow_headers_and_idle_sockets_are_cut_off(pool: PgPool) {
    use tokio::io::AsyncWriteExt;
    let limits = plotline::http::server::Limits {
        header_read: Duration::from_secs(1),
        idle: Duration::from_secs(2),
        drain: Duration::from_secs(5),
    };
    let (address, _stop, _server) = served(&pool, limits).await;

    // Slowloris: a header line a byte at a time, every 200 ms.
    let mut slow = tokio::net::TcpStream::connect(address).await.unwrap();
    let started = Instant::now();
    let request = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    let mut closed = false;
    for byte in request {
        if slow.write_all(&[*byte]).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        if started.elapsed() > Duration::from_secs(4) {
            break;
        }
    }
    if !closed {
        closed = read_until_closed(&mut slow, Duration::from_secs(1)).await.1;
    }
    assert!(
        closed,
        "a slow header block was still accepted after {:?}",
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(4));

    // An idle socket after one answered request is closed too.
    let mut idle = tokio::net::TcpStream::connect(address).await.unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let (answer, closed) = read_until_closed(&mut idle, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(closed, "an idle socket stayed open");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[sqlx::test]
async fn shutdown_ends_change_streams_with_a_reconnect_event(pool: PgPool) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (address, stop, server) = served(&pool, Default::default()).await;
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"GET /changes/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
        .await
        .unwrap();
    // The answer's head: the stream is open.
    let mut head = vec![0u8; 1024];
    let n = stream.read(&mut head).await.unwrap();
    assert!(String::from_utf8_lossy(&head[..n]).starts_with("HTTP/1.1 200"));
    let started = Instant::now();
    stop.send(()).unwrap();
    let (rest, closed) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(rest.contains("event: reconnect"), "{rest}");
    assert!(closed);
    tokio::time::timeout(Duration::from_secs(3), server)
        .await
        .expect("the server stopped")
        .unwrap()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}
