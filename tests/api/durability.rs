//! Killing the server in the middle of a batch of writes leaves every acknowledged write in the
//! database, and none half-done: a write is acknowledged only after its transaction commits,
//! and the change and its history entry are one transaction.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::PgPool;

use crate::helpers::load;
use crate::planners::planner;

/// One HTTP/1.1 request over a fresh connection: status, ETag, body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, Option<String>, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status in {head:?}")))?;
    let etag = head.lines().find_map(|l| {
        l.to_ascii_lowercase()
            .starts_with("etag:")
            .then(|| l[5..].trim().to_owned())
    });
    Ok((status, etag, body.to_owned()))
}

#[sqlx::test]
async fn killing_the_server_loses_no_acknowledged_write(pool: PgPool) {
    load(&pool).await;
    let token = planner(&pool, "anna", &["kildedal"], None).await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM plots WHERE reference = 'KD-03'")
        .fetch_one(&pool)
        .await
        .unwrap();

    // The real binary, on this test's database.
    let database = pool.connect_options().get_database().unwrap().to_owned();
    let base = std::env::var("DATABASE_URL").unwrap();
    let url = format!("{}/{database}", base.rsplit_once('/').unwrap().0);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    /// Kills the server however the test ends (a panic must not leave it running).
    struct Killed(std::process::Child);
    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut server = Killed(
        Command::new(env!("CARGO_BIN_EXE_plotline"))
            .args(["serve", "--listen", &addr, "--web-dir", "/nonexistent"])
            .env("DATABASE_URL", &url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let start = Instant::now();
    while http(&addr, "GET", "/health", &[], "").map(|r| r.0).ok() != Some(200) {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let acknowledged = Arc::new(Mutex::new(Vec::<i64>::new()));
    let writer = {
        let (addr, acknowledged) = (addr.clone(), acknowledged.clone());
        let auth = format!("Bearer {token}");
        let path = format!("/collections/plots/items/{id}");
        std::thread::spawn(move || {
            let (_, mut etag, _) = http(&addr, "GET", &path, &[], "").unwrap();
            for i in 0..10_000 {
                let homes = 1_000 + i;
                let body = format!(r#"{{"properties": {{"planned_homes": {homes}}}}}"#);
                let tag = etag.clone().unwrap_or_default();
                match http(
                    &addr,
                    "PATCH",
                    &path,
                    &[
                        ("Authorization", &auth),
                        ("If-Match", &tag),
                        ("Content-Type", "application/merge-patch+json"),
                    ],
                    &body,
                ) {
                    Ok((200, new_tag, _)) => {
                        acknowledged.lock().unwrap().push(homes);
                        etag = new_tag;
                    }
                    Ok((status, _, body)) => panic!("write {i}: {status} {body}"),
                    Err(_) => return, // the server is gone
                }
            }
        })
    };
    while acknowledged.lock().unwrap().len() < 25 {
        assert!(start.elapsed() < Duration::from_secs(60), "too slow");
        std::thread::sleep(Duration::from_millis(5));
    }
    server.0.kill().unwrap(); // SIGKILL: no graceful shutdown
    server.0.wait().unwrap();
    writer.join().unwrap();

    let acknowledged = acknowledged.lock().unwrap().clone();
    let stored: i64 = sqlx::query_scalar("SELECT planned_homes::bigint FROM plots WHERE id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let last = *acknowledged.last().unwrap();
    // The write in flight when the server died may have committed without its answer.
    assert!(
        stored == last || stored == last + 1,
        "stored {stored}, last acknowledged {last}"
    );
    let recorded: Vec<i64> = sqlx::query_scalar(
        "SELECT (new_row ->> 'planned_homes')::bigint FROM history
         WHERE entity = 'plot' AND entity_id = $1 AND changed_by = 'anna' ORDER BY id",
    )
    .bind(id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(recorded.len() == acknowledged.len() || recorded.len() == acknowledged.len() + 1);
    assert_eq!(
        recorded[..acknowledged.len()],
        acknowledged[..],
        "every acknowledged write is in the history, in order"
    );
    assert_eq!(
        *recorded.last().unwrap(),
        stored,
        "the row and its history agree: nothing half-done"
    );
    // The killed server's backends end once PostgreSQL sees their sockets closed; the test's
    // database can be dropped only then.
    let gone = Instant::now();
    while sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_one(&pool)
    .await
    .unwrap()
        > 0
        && gone.elapsed() < Duration::from_secs(10)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
