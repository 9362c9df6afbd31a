use std::path::PathBuf;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use sqlx::PgPool;
use tower::ServiceExt;

/// The Ballerup data set shipped in `geodata/`.
pub fn geodata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("geodata")
}

/// Loads the Ballerup data set into the test's database.
pub async fn load(pool: &PgPool) {
    plotline::import::import(pool, &[geodata()])
        .await
        .expect("the Ballerup data set imports");
}

/// Loads the Ballerup data set and returns the app on it.
pub async fn seeded(pool: &PgPool) -> Router {
    load(pool).await;
    plotline::app(plotline::AppState::new(pool.clone()))
}

/// A GET answer: status, headers and the body as JSON (Null when it is not JSON).
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

/// Sends a request through the app and reads the whole answer.
pub async fn request(app: &Router, req: Request<Body>) -> Answer {
    request_bytes(app, req).await.0
}

/// Sends a request through the app; the whole answer, and its body as bytes (a file).
pub async fn request_bytes(app: &Router, req: Request<Body>) -> (Answer, Vec<u8>) {
    let response = app.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    let answer = Answer {
        status,
        headers,
        text,
        json,
    };
    (answer, bytes.to_vec())
}

pub async fn get(app: &Router, uri: &str) -> Answer {
    request(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

/// A GET revalidating a copy the client holds (`If-None-Match: <etag>`).
pub async fn get_if_none_match(app: &Router, uri: &str, etag: &str) -> Answer {
    let req = Request::get(uri).header("if-none-match", etag);
    request(app, req.body(Body::empty()).unwrap()).await
}

/// Asserts a JSON error body that names what was wrong.
pub fn assert_error(answer: &Answer, status: StatusCode, message_part: &str) {
    assert_eq!(answer.status, status, "body: {}", answer.text);
    let error = &answer.json["error"];
    assert_eq!(error["status"], status.as_u16(), "body: {}", answer.text);
    let message = error["message"].as_str().expect("error.message");
    assert!(
        message.contains(message_part),
        "`{message}` should mention `{message_part}`"
    );
}

/// A 422 whose error names `field`.
pub fn assert_refused_field(answer: &Answer, field: &str) {
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.text
    );
    assert_eq!(answer.json["error"]["field"], field, "{}", answer.text);
}
