//! The defects of the hardening issue (#11), each with the test that found it fixed: database
//! outages and slow statements answer 503 with `Retry-After`, at once while the database is
//! known to be down.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use sqlx::postgres::PgPoolOptions;
use sqlx::{AssertSqlSafe, PgPool};

use crate::helpers::{assert_error, get, load, seeded};

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

/// Found by scripts/fault-test.sh: requests already waiting for a connection when another one
/// found the database gone waited out the pool's acquire timeout (5 s) before their 503.
#[sqlx::test]
async fn requests_in_flight_when_the_database_goes_away_are_answered_at_once(pool: PgPool) {
    crate::helpers::load(&pool).await;
    // One connection, held here: a request waits for it as for a database that does not answer.
    let small = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap();
    let held = small.acquire().await.unwrap();
    let state = plotline::AppState::new(small.clone());
    let watch = state.database.clone();
    let app = plotline::app(state);
    let waiting = tokio::spawn({
        let app = app.clone();
        async move { get(&app, "/collections/plots/items/KD-03").await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "the request waits for a connection");

    // Another request finds the database unreachable.
    let found = Instant::now();
    watch.mark_down(&small);
    let answer = tokio::time::timeout(Duration::from_secs(2), waiting)
        .await
        .expect("the waiting request is answered once the outage is known")
        .unwrap();
    assert!(found.elapsed() < Duration::from_millis(500));
    assert_error(
        &answer,
        StatusCode::SERVICE_UNAVAILABLE,
        "database is unavailable",
    );
    assert_eq!(answer.headers["retry-after"], "2");

    // The database answers again: the probe clears the mark and requests are served.
    drop(held);
    let back = Instant::now();
    while get(&app, "/collections/plots/items/KD-03").await.status != StatusCode::OK {
        assert!(
            back.elapsed() < Duration::from_secs(3),
            "not back after 3 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Found by scripts/fault-test.sh: on a quiet server nothing is in flight to fail when the
/// database goes away, and the pool retries a refused connection until its acquire timeout;
/// the first request waited that long. A request still running after a moment has the
/// database checked, and a refused connection answers it at once.
#[sqlx::test]
async fn the_first_request_after_the_database_went_away_is_answered_quickly(pool: PgPool) {
    crate::helpers::load(&pool).await;
    // The database's address, with nothing listening there any more (a stopped server).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let options = (*pool.connect_options()).clone();
    let gone = PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(30))
        .connect_lazy_with(options.clone().host("127.0.0.1").port(port));
    let app = plotline::app(plotline::AppState::new(gone));
    let started = Instant::now();
    let answer = tokio::time::timeout(
        Duration::from_secs(5),
        get(&app, "/collections/plots/items/KD-03"),
    )
    .await
    .expect("answered before the pool's acquire timeout");
    let took = started.elapsed();
    assert_error(
        &answer,
        StatusCode::SERVICE_UNAVAILABLE,
        "database is unavailable",
    );
    assert_eq!(answer.headers["retry-after"], "2");
    assert!(took < Duration::from_millis(500), "took {took:?}");

    // A slow request on a database that is there leaves it marked up.
    let watch = std::sync::Arc::new(plotline::db::DatabaseWatch::default());
    watch.suspect(&pool);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!watch.is_down(), "a reachable database is not marked down");
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
        ..Default::default()
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

/// A request from a peer address (what the accept loop records for every connection).
fn from_peer(
    method: &str,
    uri: &str,
    peer: &str,
    headers: &[(&str, &str)],
    body: Option<serde_json::Value>,
) -> axum::http::Request<axum::body::Body> {
    let mut req = axum::http::Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let body = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            axum::body::Body::from(b.to_string())
        }
        None => axum::body::Body::empty(),
    };
    let mut req = req.body(body).unwrap();
    let peer: std::net::SocketAddr = peer.parse().unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    req
}

#[sqlx::test]
async fn sign_in_limits_key_on_the_peer_and_spare_the_owner(pool: PgPool) {
    use crate::helpers::request;
    use serde_json::json;
    crate::helpers::load(&pool).await;
    let hash = plotline::auth::hash_password("kildedal-gold-2030").unwrap();
    plotline::db::accounts::create_user(
        &pool,
        "anna",
        "",
        "planner",
        Some(&hash),
        &["kildedal".into()],
    )
    .await
    .unwrap();
    let mut state = plotline::AppState::new(pool.clone());
    state.trusted_proxies = vec!["10.9.9.9".parse().unwrap()];
    let app = plotline::app(state);
    let login = |peer: &'static str, password: &'static str, forwarded: Option<&'static str>| {
        let headers: Vec<(&str, &str)> = forwarded
            .map(|f| ("x-forwarded-for", f))
            .into_iter()
            .collect();
        from_peer(
            "POST",
            "/auth/login",
            peer,
            &headers,
            Some(json!({ "username": "anna", "password": password })),
        )
    };
    // An attacker at one address, forging a new X-Forwarded-For each time (ignored: not a proxy).
    for i in 0..5 {
        let forged = Box::leak(format!("192.0.2.{i}").into_boxed_str());
        let wrong = request(&app, login("203.0.113.5:4000", "guess", Some(forged))).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.text);
    }
    let refused = request(&app, login("203.0.113.5:4001", "guess", Some("192.0.2.77"))).await;
    assert_error(&refused, StatusCode::TOO_MANY_REQUESTS, "too many");
    // Another client without any header is not locked out by that, nor is the owner.
    let owner = request(
        &app,
        login("198.51.100.20:5000", "kildedal-gold-2030", None),
    )
    .await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.text);
    // Behind the trusted proxy, the client it names is the key.
    for _ in 0..5 {
        let wrong = request(&app, login("10.9.9.9:80", "guess", Some("198.51.100.99"))).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.text);
    }
    let proxied_attacker =
        request(&app, login("10.9.9.9:80", "guess", Some("198.51.100.99"))).await;
    assert_eq!(proxied_attacker.status, StatusCode::TOO_MANY_REQUESTS);
    let proxied_owner = request(
        &app,
        login("10.9.9.9:80", "kildedal-gold-2030", Some("198.51.100.21")),
    )
    .await;
    assert_eq!(
        proxied_owner.status,
        StatusCode::OK,
        "{}",
        proxied_owner.text
    );
}

#[sqlx::test]
async fn nul_bytes_are_a_400_wherever_they_come(pool: PgPool) {
    let app = seeded(&pool).await;
    for uri in [
        "/collections/plots/items/KD%0003",
        "/collections/plots/items?status=avail%00able",
        "/collections/plots/items?filter=reference%3D%27KD%00%27",
        "/plots/KD-03%00",
        "/areas/kildedal/summary?as_of=2026%00",
        "/changes?since=1%00",
    ] {
        let answer = get(&app, uri).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{uri}: {}",
            answer.text
        );
        assert!(
            answer.json["error"]["message"]
                .as_str()
                .unwrap()
                .contains("NUL"),
            "{uri}"
        );
    }
    let login = crate::helpers::request(
        &app,
        from_peer(
            "POST",
            "/auth/login",
            "127.0.0.1:1",
            &[],
            Some(serde_json::json!({"username": "an\u{0}na", "password": "x"})),
        ),
    )
    .await;
    assert_error(&login, StatusCode::BAD_REQUEST, "NUL");
    assert_eq!(login.json["error"]["pointer"], "/username");
}

#[sqlx::test]
async fn answers_carry_security_headers_and_signed_in_ones_stay_private(pool: PgPool) {
    crate::helpers::load(&pool).await;
    let mut state = plotline::AppState::new(pool.clone());
    state.public_url = Some("https://plotline.example.dk".into());
    let app = plotline::app(state);
    let token = crate::planners::planner(&pool, "anna", &["kildedal"], None).await;
    let public = crate::helpers::request(
        &app,
        from_peer(
            "GET",
            "/collections/plots/items?limit=1",
            "127.0.0.1:1",
            &[("host", "evil.example")],
            None,
        ),
    )
    .await;
    assert_eq!(public.status, StatusCode::OK);
    let csp = public.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(public.headers["referrer-policy"], "no-referrer");
    let vary: Vec<&str> = public
        .headers
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(vary.iter().any(|v| v.contains("Authorization")), "{vary:?}");
    // Links use the configured public URL, never the Host the client sent.
    assert!(!public.text.contains("evil.example"));
    assert!(public
        .text
        .contains("https://plotline.example.dk/collections/plots/items"));
    let auth = format!("Bearer {token}");
    let private = crate::helpers::request(
        &app,
        from_peer(
            "GET",
            "/collections/plots/items?limit=1",
            "127.0.0.1:1",
            &[("authorization", &auth)],
            None,
        ),
    )
    .await;
    assert_eq!(private.status, StatusCode::OK);
    assert_eq!(private.headers["cache-control"], "private, no-cache");
}

#[sqlx::test]
async fn a_timeline_is_bounded_and_rebuilds_only_changed_days(pool: PgPool) {
    let app = seeded(&pool).await;
    let today = chrono::Utc::now().date_naive();
    let too_long = today - chrono::Days::new(70);
    assert_error(
        &get(
            &app,
            &format!("/areas/kildedal/timeline?from={too_long}&interval=day"),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "more than 60",
    );
    let from = today - chrono::Days::new(50);
    let started = Instant::now();
    let timeline = get(
        &app,
        &format!("/areas/kildedal/timeline?from={from}&interval=day"),
    )
    .await;
    assert_eq!(timeline.status, StatusCode::OK, "{}", timeline.text);
    let points = timeline.json["points"].as_array().unwrap();
    assert_eq!(points.len(), 51);
    // The data set was loaded today: every day before has nothing, today has it all.
    let summary = get(&app, "/areas/kildedal/summary").await;
    let plots = summary.json["plots"]["count"].clone();
    assert!(points[..50].iter().all(|p| p["plots"] == 0), "{points:?}");
    assert_eq!(points[50]["plots"], plots, "{}", summary.text);
    assert_eq!(
        points[49]["date"],
        (today - chrono::Days::new(1)).to_string()
    );
    eprintln!("51 daily points in {:?}", started.elapsed());
}

#[sqlx::test]
async fn answers_carry_a_request_id_and_metrics_count_them_for_admins(pool: PgPool) {
    let app = seeded(&pool).await;
    let answer = get(&app, "/collections/plots/items?limit=2").await;
    let id = answer.headers["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "{id}");
    let mine = crate::helpers::request(
        &app,
        axum::http::Request::get("/health")
            .header("x-request-id", "trace-me-42")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(mine.headers["x-request-id"], "trace-me-42");
    assert_eq!(
        get(&app, "/plots/KD-03%00").await.status,
        StatusCode::BAD_REQUEST
    );

    // Not for the public, nor for planners.
    assert_eq!(get(&app, "/metrics").await.status, StatusCode::FORBIDDEN);
    let auth = crate::planners::admin_auth(&pool, "root").await;
    let metrics =
        crate::planners::send(&app, "GET", "/metrics", &[("authorization", &auth)], None).await;
    assert_eq!(metrics.status, StatusCode::OK, "{}", metrics.text);
    let text = &metrics.text;
    assert!(
        text.contains(r#"plotline_http_requests_total{route="/collections/{id}/items",method="GET",status="200"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"status="400""#), "{text}");
    assert!(
        text.contains("plotline_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(text.contains("plotline_db_pool_connections"), "{text}");
    assert!(text.contains("plotline_change_streams_open 0"), "{text}");
    assert!(
        text.contains("plotline_statement_timeouts_total 0"),
        "{text}"
    );
}

#[sqlx::test]
async fn a_failure_inside_a_streamed_page_is_an_error_the_client_sees(pool: PgPool) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let app = seeded(&pool).await;
    // A value no write accepts any more (the ranges), put straight into the table: summing it
    // overflows in the page's plot ratio.
    sqlx::query("UPDATE buildings SET floor_area_office_m2 = 1e308 WHERE reference = 'KD-03-A'")
        .execute(&pool)
        .await
        .unwrap();
    for encoding in ["identity", "gzip"] {
        let response = app
            .clone()
            .oneshot(
                axum::http::Request::get("/collections/plots/items?limit=1000")
                    .header("accept-encoding", encoding)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let body = response.into_body().collect().await;
        assert!(body.is_err(), "{encoding}: the page ended as if complete");
    }
}

#[sqlx::test]
async fn times_outside_the_supported_years_are_a_400(pool: PgPool) {
    let app = seeded(&pool).await;
    for uri in [
        "/collections/plots/items?as_of=0000-01-01",
        "/collections/plots/items?datetime=0000-01-01/..",
        "/collections/plots/items?updated_at=0001-01-01T00:00:00Z",
        "/areas/kildedal/summary?as_of=0000-01-01",
        "/changes?since=0000-01-01T00:00:00Z",
    ] {
        let answer = get(&app, uri).await;
        let text: String = answer.text.chars().take(300).collect();
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}: {text}");
    }
}

#[sqlx::test]
async fn an_internal_edit_leaves_no_trace_in_public_answers(pool: PgPool) {
    use crate::planners::send;
    let app = seeded(&pool).await;
    let auth = crate::planners::planner_auth(&pool, "anna", &["kildedal"]).await;
    let id: i64 = crate::planners::plot_id(&pool, "KD-03").await;
    let uri = format!("/collections/plots/items/{id}");
    let public_view = || async {
        let item = get(&app, &uri).await;
        let page = get(&app, "/collections/plots/items?limit=1000").await;
        let changes = get(&app, "/changes?limit=1000").await;
        let history = get(&app, &format!("{uri}/history")).await;
        (
            item.headers["etag"].clone(),
            item.json["properties"]["updated_at"].clone(),
            page.headers["etag"].clone(),
            changes.json["changes"].as_array().unwrap().len(),
            changes.json["next_since"].clone(),
            history.json["history"].as_array().unwrap().len(),
        )
    };
    let before = public_view().await;
    // Public change ids have no gaps.
    let changes = get(&app, "/changes?limit=1000").await;
    let ids: Vec<i64> = changes.json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");

    let planner_tag = crate::planners::etag_as(&app, &uri, &auth).await;
    let edit = send(
        &app,
        "PATCH",
        &uri,
        &[
            ("authorization", &auth),
            ("if-match", &planner_tag),
            (
                "x-change-reason",
                "asking price cut to 9000000 after talks with Acme",
            ),
        ],
        Some(serde_json::json!({ "properties": { "asking_price_dkk": 9000000 } })),
    )
    .await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.text);
    let after = public_view().await;
    assert_eq!(before, after, "an internal edit showed in public answers");
    let feed = get(&app, "/changes?limit=1000").await;
    assert!(!feed.text.contains("Acme"));
    // Planners see it: their tag and their feed changed.
    let planner_after = send(&app, "GET", &uri, &[("authorization", &auth)], None).await;
    assert_ne!(planner_after.headers["etag"].to_str().unwrap(), planner_tag);
    let planner_feed = send(
        &app,
        "GET",
        "/changes?limit=1000",
        &[("authorization", &auth)],
        None,
    )
    .await;
    assert!(planner_feed.text.contains("Acme"));
    // A public edit after it continues the public numbering without a gap.
    let tag = planner_after.headers["etag"].to_str().unwrap().to_owned();
    let public_edit = send(
        &app,
        "PATCH",
        &uri,
        &[("authorization", &auth), ("if-match", &tag)],
        Some(serde_json::json!({ "properties": { "planned_homes": 240 } })),
    )
    .await;
    assert_eq!(public_edit.status, StatusCode::OK, "{}", public_edit.text);
    let feed = get(&app, "/changes?limit=1000").await;
    let ids: Vec<i64> = feed.json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");
    assert!(ids.len() > before.3);
}

#[sqlx::test]
async fn a_body_over_the_limit_is_a_json_413(pool: PgPool) {
    use crate::planners::send;
    let app = seeded(&pool).await;
    let auth = crate::planners::planner_auth(&pool, "anna", &["kildedal"]).await;
    // An outline of 150,000 vertices: over the body limit before any check of its own.
    let ring: Vec<[f64; 2]> = (0..150_000)
        .map(|i| {
            let a = i as f64 / 150_000.0 * std::f64::consts::TAU;
            [12.28 + 0.001 * a.cos(), 55.75 + 0.001 * a.sin()]
        })
        .chain(std::iter::once([12.281, 55.75]))
        .collect();
    let body = serde_json::json!({ "type": "Feature", "properties": {}, "geometry": { "type": "Polygon", "coordinates": [ring] } });
    let answer = send(
        &app,
        "POST",
        "/collections/plots/items",
        &[("authorization", &auth)],
        Some(body),
    )
    .await;
    assert_error(&answer, StatusCode::PAYLOAD_TOO_LARGE, "larger");
    assert_eq!(answer.json["error"]["code"], "too_large");
}

#[sqlx::test]
async fn absurd_numbers_are_a_422_naming_the_field_and_its_range(pool: PgPool) {
    use crate::planners::send;
    let app = seeded(&pool).await;
    let auth = crate::planners::planner_auth(&pool, "anna", &["kildedal"]).await;
    for (collection, reference, field, value) in [
        (
            "buildings",
            "KD-03-A",
            "floor_area_office_m2",
            serde_json::json!(1e308),
        ),
        (
            "plots",
            "KD-03",
            "asking_price_dkk",
            serde_json::json!(1e13),
        ),
        (
            "plots",
            "KD-03",
            "planned_homes",
            serde_json::json!(10_000_000),
        ),
        (
            "buildings",
            "KD-03-A",
            "dgnb_total_score_pct",
            serde_json::json!(101),
        ),
        ("plots", "KD-03", "max_height_m", serde_json::json!(-4)),
    ] {
        let id: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT id FROM {collection} WHERE reference = $1"
        )))
        .bind(reference)
        .fetch_one(&pool)
        .await
        .unwrap();
        let uri = format!("/collections/{collection}/items/{id}");
        let tag = crate::planners::etag_as(&app, &uri, &auth).await;
        let answer = send(
            &app,
            "PATCH",
            &uri,
            &[("authorization", &auth), ("if-match", &tag)],
            Some(serde_json::json!({ "properties": { field: value } })),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            answer.text
        );
        assert_eq!(answer.json["error"]["field"], field, "{}", answer.text);
        let message = answer.json["error"]["message"].as_str().unwrap();
        assert!(
            message.chars().any(|c| c.is_ascii_digit()),
            "the range is named: {message}"
        );
    }
    // Everything still reads.
    for path in [
        "/collections/plots/items?filter=plot_ratio_pct%3E1",
        "/areas/kildedal/summary?f=csv",
        "/areas/kildedal/timeline",
    ] {
        assert_eq!(get(&app, path).await.status, StatusCode::OK, "{path}");
    }
}

#[sqlx::test]
async fn cql2_times_follow_the_same_years(pool: PgPool) {
    let app = seeded(&pool).await;
    for filter in [
        "updated_at%20%3E%20TIMESTAMP('0001-01-01T00:00:00Z')",
        "dgnb_issued_on%20%3D%20DATE('0000-01-01')",
    ] {
        let collection = if filter.starts_with("dgnb") {
            "buildings"
        } else {
            "plots"
        };
        let answer = get(
            &app,
            &format!("/collections/{collection}/items?filter={filter}"),
        )
        .await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "1900");
    }
}

#[sqlx::test]
async fn text_and_reasons_have_a_length_limit(pool: PgPool) {
    use crate::planners::send;
    let app = seeded(&pool).await;
    let auth = crate::planners::planner_auth(&pool, "anna", &["kildedal"]).await;
    let id: i64 = crate::planners::plot_id(&pool, "KD-03").await;
    let uri = format!("/collections/plots/items/{id}");
    let tag = || async { crate::planners::etag_as(&app, &uri, &auth).await };
    let long = "x".repeat(plotline::schema::TEXT_CHARS + 1);
    let t = tag().await;
    let answer = send(
        &app,
        "PATCH",
        &uri,
        &[("authorization", &auth), ("if-match", &t)],
        Some(serde_json::json!({ "properties": { "lokalplan": long } })),
    )
    .await;
    assert_error(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "at most 200 characters",
    );
    // Notes may be long, up to their own limit.
    let notes = "n".repeat(5_000);
    let answer = send(
        &app,
        "PATCH",
        &uri,
        &[("authorization", &auth), ("if-match", &t)],
        Some(serde_json::json!({ "properties": { "negotiation_notes": notes } })),
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "{}",
        &answer.text[..200.min(answer.text.len())]
    );
    let reason = "r".repeat(1_001);
    let t = tag().await;
    let answer = send(
        &app,
        "PATCH",
        &uri,
        &[("authorization", &auth), ("if-match", &t)],
        Some(serde_json::json!({ "reason": reason, "properties": { "planned_homes": 3 } })),
    )
    .await;
    assert_error(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "at most 1000 characters",
    );
}

/// The versions behind the public and the planners' ETags: (data_version, internal_version).
async fn versions(pool: &PgPool) -> (i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT version FROM data_version), (SELECT version FROM internal_version)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn the_data_version_moves_when_a_statement_changed_rows_and_only_then(pool: PgPool) {
    let run = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            let before = versions(&pool).await;
            sqlx::query(sql).execute(&pool).await.unwrap();
            let after = versions(&pool).await;
            (after.0 - before.0, after.1 - before.1)
        }
    };
    let station = "INSERT INTO stations (name, geom) \
                   VALUES ('Test St.', ST_SetSRID(ST_MakePoint(720000, 6180000), 25832))";
    // Insert, update and delete each move it once; statements that change no row do not.
    assert_eq!(run(station).await, (1, 0));
    assert_eq!(
        run("UPDATE stations SET line = 'C' WHERE name = 'Test St.'").await,
        (1, 0)
    );
    assert_eq!(
        run("UPDATE stations SET line = 'C' WHERE false").await,
        (0, 0)
    );
    assert_eq!(run("DELETE FROM stations WHERE false").await, (0, 0));
    assert_eq!(
        run("DELETE FROM stations WHERE name = 'Test St.'").await,
        (1, 0)
    );
    assert_eq!(run(station).await, (1, 0));
    // A truncate (here cascading to the tables that refer to stations) moves it too.
    assert!(run("TRUNCATE stations CASCADE").await.0 >= 1);

    // The planners' internal fields move their own version only.
    load(&pool).await;
    let internal = "UPDATE plot_internal SET counterparty = 'x' \
                    WHERE plot_id = (SELECT min(plot_id) FROM plot_internal)";
    let _ =
        run("INSERT INTO plot_internal (plot_id) SELECT min(id) FROM plots ON CONFLICT DO NOTHING")
            .await;
    assert_eq!(run(internal).await, (0, 1));
    // The internal version is a one-row counter, as data_version is.
    let second = sqlx::query("INSERT INTO internal_version (version) VALUES (1)")
        .execute(&pool)
        .await;
    assert!(second.is_err(), "a second row is refused");
}

/// A transaction whose caller goes away while `BEGIN` is on the wire (a client that left) is
/// still ended: its connection goes back to the pool outside any transaction. With sqlx's own
/// `Pool::begin` it went back inside one (sqlx queues no `ROLLBACK` for an unfinished
/// `BEGIN`), which the next statements on it joined: the map page's counts answered 500 with
/// "SET TRANSACTION ISOLATION LEVEL must be called before any query" after the browser dropped
/// requests, and autocommit writes on such a connection stayed uncommitted, holding their locks.
#[sqlx::test]
async fn a_transaction_dropped_while_beginning_leaves_none_open(pool: PgPool) {
    // One connection, so that the next statements meet whatever the dropped one left.
    let one = PgPoolOptions::new()
        .max_connections(1)
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap();
    for step in 0..400u64 {
        // Dropped after 0 to 400 µs, finer than the timer's millisecond: some mid-`BEGIN`.
        let at = Instant::now() + Duration::from_micros(step);
        let deadline = async {
            while Instant::now() < at {
                tokio::task::yield_now().await;
            }
        };
        tokio::select! {
            tx = plotline::db::begin(&one) => drop(tx.unwrap()),
            () = deadline => {}
        }
        // What the items handler does next: a statement of its own, then a snapshot.
        sqlx::query("SELECT version FROM data_version")
            .execute(&one)
            .await
            .unwrap();
        let mut tx = plotline::db::begin(&one).await.unwrap();
        if let Err(e) = sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
        {
            panic!("dropped after {step} µs, the connection was left in a transaction: {e}");
        }
    }
}
