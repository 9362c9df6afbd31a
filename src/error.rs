//! One error type for the library, and the one place where errors become HTTP answers.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Every error plotline reports.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A query parameter the client sent is malformed or out of range.
    #[error("invalid parameter `{parameter}`: {message}")]
    InvalidParameter { parameter: String, message: String },

    /// The requested feature or resource does not exist.
    #[error("{what} `{id}` was not found")]
    NotFound { what: &'static str, id: String },

    /// The input data (an import file) breaks a rule; `location` says where.
    #[error("{location}: {message}")]
    InvalidData { location: String, message: String },

    /// A client mistake other than a bad parameter: its status, a short code, what was wrong,
    /// and details (the field, the allowed values, the location of a geometry problem…).
    #[error("{message}")]
    Client {
        status: StatusCode,
        code: &'static str,
        message: String,
        details: serde_json::Value,
    },

    /// The database answered with an error or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),

    /// Applying the migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    /// GDAL could not read or write a data set.
    #[error("GDAL: {0}")]
    Gdal(#[from] gdal::errors::GdalError),

    /// Anything else that is the server's fault.
    #[error("{0}")]
    Internal(String),
}

/// What a client is told while the database cannot be reached.
pub const DATABASE_UNAVAILABLE: &str =
    "the database is unavailable; try again in a moment (see Retry-After)";
/// Seconds a client should wait before trying again after a 503.
pub const DATABASE_RETRY_AFTER_S: u64 = 2;

/// Marks an answer given because the database could not be reached (read by the HTTP layer,
/// which then answers at once until it is back).
#[derive(Debug, Clone, Copy)]
pub struct DatabaseUnavailable;

/// Marks an answer given because a statement hit the statement timeout (counted in metrics).
#[derive(Debug, Clone, Copy)]
pub struct StatementTimedOut;

/// Result with plotline's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn invalid_parameter(parameter: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidParameter {
            parameter: parameter.into(),
            message: message.into(),
        }
    }

    /// A client error with a status, a code and a message, and no details.
    pub fn client(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Error::Client {
            status,
            code,
            message: message.into(),
            details: serde_json::Value::Null,
        }
    }

    /// 403: the caller is known but may not do this; the message says why.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::client(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 422: a value breaks a rule; `field` names it.
    pub fn unprocessable(field: &str, message: impl Into<String>) -> Self {
        Error::Client {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid_value",
            message: message.into(),
            details: json!({ "field": field }),
        }
    }

    /// The same error with more details merged in.
    pub fn with_details(self, more: serde_json::Value) -> Self {
        match self {
            Error::Client {
                status,
                code,
                message,
                mut details,
            } => {
                if !details.is_object() {
                    details = json!({});
                }
                if let (Some(d), Some(m)) = (details.as_object_mut(), more.as_object()) {
                    d.extend(m.clone());
                }
                Error::Client {
                    status,
                    code,
                    message,
                    details,
                }
            }
            other => other,
        }
    }

    /// Whether the database could not be reached (rather than refusing the statement).
    pub fn database_unavailable(&self) -> bool {
        let Error::Database(e) = self else {
            return false;
        };
        match e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => true,
            // Connection exceptions, and the server shutting down or starting up.
            sqlx::Error::Database(d) => d
                .code()
                .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
            _ => false,
        }
    }

    /// Whether the database refused a new connection because it has as many as it takes
    /// (too_many_connections): busy, not gone.
    pub fn database_busy(&self) -> bool {
        matches!(self, Error::Database(sqlx::Error::Database(d)) if d.code().as_deref() == Some("53300"))
    }

    /// Whether the statement was cancelled by the statement timeout.
    pub fn timed_out(&self) -> bool {
        matches!(self, Error::Database(sqlx::Error::Database(d)) if d.code().as_deref() == Some("57014"))
    }

    fn status(&self) -> StatusCode {
        if self.database_unavailable() || self.timed_out() || self.database_busy() {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        match self {
            Error::Client { status, .. } => *status,
            Error::InvalidParameter { .. } => StatusCode::BAD_REQUEST,
            Error::NotFound { .. } => StatusCode::NOT_FOUND,
            Error::InvalidData { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Database(_) | Error::Migrate(_) | Error::Gdal(_) | Error::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn code(&self) -> &'static str {
        if self.database_unavailable() {
            return "database_unavailable";
        }
        if self.timed_out() {
            return "timeout";
        }
        if self.database_busy() {
            return "database_busy";
        }
        match self {
            Error::Client { code, .. } => code,
            Error::InvalidParameter { .. } => "invalid_parameter",
            Error::NotFound { .. } => "not_found",
            Error::InvalidData { .. } => "invalid_data",
            _ => "internal",
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut body = json!({ "code": self.code(), "status": status.as_u16() });
        match &self {
            Error::InvalidParameter { parameter, .. } => {
                body["message"] = json!(self.to_string());
                body["parameter"] = json!(parameter);
            }
            Error::NotFound { .. } | Error::InvalidData { .. } => {
                body["message"] = json!(self.to_string());
            }
            Error::Client {
                message, details, ..
            } => {
                body["message"] = json!(message);
                if let Some(d) = details.as_object() {
                    for (k, v) in d {
                        body[k.as_str()] = v.clone();
                    }
                }
            }
            _ if self.database_unavailable() => {
                // The watch logs the outage once; each answer during it only at debug level.
                tracing::debug!(error = %self, "database unavailable");
                body["message"] = json!(DATABASE_UNAVAILABLE);
                body["retry_after_s"] = json!(DATABASE_RETRY_AFTER_S);
            }
            _ if self.database_busy() => {
                tracing::warn!(error = %self, "database busy");
                body["message"] =
                    json!("the database has no connection to spare; try again in a moment");
                body["retry_after_s"] = json!(DATABASE_RETRY_AFTER_S);
            }
            _ if self.timed_out() => {
                tracing::warn!(error = %self, "statement timeout");
                body["message"] = json!("the request took longer than the server allows; narrow it (a smaller bbox, a filter, a lower limit) or try again later");
                body["retry_after_s"] = json!(DATABASE_RETRY_AFTER_S);
            }
            _ => {
                // Server faults are logged with their cause; the client gets no internals.
                tracing::error!(error = %self, "request failed");
                body["message"] = json!("internal server error; the cause is in the server log");
            }
        }
        let retry_after = body["retry_after_s"].as_u64();
        let mut response = (status, axum::Json(json!({ "error": body }))).into_response();
        let headers = response.headers_mut();
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"plotline\""),
            );
        }
        if let Some(seconds) = retry_after {
            headers.insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        if self.database_unavailable() {
            response.extensions_mut().insert(DatabaseUnavailable);
        }
        if self.timed_out() {
            response.extensions_mut().insert(StatementTimedOut);
        }
        response
    }
}
