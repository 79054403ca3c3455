//! The one HTTP client of the Google sources, and turning what can go wrong on the way into
//! answers in the Nearby Search layout.

use std::time::Duration;

use reqwest::{Client, RequestBuilder, StatusCode};

use serde_json::Value;

use super::failure;

/// Every upstream request gives up after this long: a hung service never holds a WHATSAT longer.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// The HTTP client shared by every request of a source (connection pooling, rustls), with the
/// time limit of each request.
#[derive(Clone)]
pub struct Http {
    pub client: Client,
    timeout: Duration,
}

impl Http {
    pub fn new(timeout: Duration) -> Result<Self, reqwest::Error> {
        let client = Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("herdctl/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { client, timeout })
    }

    /// Sends a request and reads a JSON body. Anything else becomes a failure document that
    /// says what happened, as `Err`.
    pub async fn send_for_json(&self, request: RequestBuilder) -> Result<(StatusCode, Value), Value> {
        let response = request.send().await.map_err(|error| self.describe(&error))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|error| self.describe(&error))?;
        serde_json::from_slice(&body).map(|json| (status, json)).map_err(|_| {
            let message = format!("the places service answered HTTP {} with a body that is not JSON", status.as_u16());
            failure("UNKNOWN_ERROR", &message)
        })
    }

    fn describe(&self, error: &reqwest::Error) -> Value {
        describe(error, self.timeout)
    }
}

fn describe(error: &reqwest::Error, timeout: Duration) -> Value {
    let message = if error.is_timeout() {
        format!("the places service did not answer within {}", humantime::format_duration(timeout))
    } else if error.is_connect() {
        format!("cannot reach the places service: {}", root_cause(error))
    } else {
        format!("the request to the places service failed: {}", root_cause(error))
    };
    failure("UNKNOWN_ERROR", &message)
}

/// The innermost error, which is the one that says what actually went wrong.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}
