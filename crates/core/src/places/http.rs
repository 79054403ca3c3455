//! The one HTTP client of the Google sources, and turning what can go wrong on the way into
//! answers in the Nearby Search layout.

use std::time::Duration;

use reqwest::{Client, RequestBuilder, StatusCode};

use serde_json::Value;

use super::failure;

/// Every upstream request gives up after this long: a hung service never holds a WHATSAT longer.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// The largest answer body read from the places service. Google's answers are a few kilobytes; a
/// larger one (a broken or hostile service) is a failure, and reading stops there, so it can
/// neither fill the node's memory nor reach the client.
pub const MOST_BODY: usize = 1 << 20;

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
        let mut response = request.send().await.map_err(|error| self.describe(&error))?;
        let status = response.status();
        let too_large = || {
            let message = format!("the places service answered with more than {} MiB; not read", MOST_BODY >> 20);
            failure("UNKNOWN_ERROR", &message)
        };
        if response.content_length().is_some_and(|length| length > MOST_BODY as u64) {
            return Err(too_large());
        }
        // Read a chunk at a time: a body without a length (chunked) is stopped at the cap too.
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|error| self.describe(&error))? {
            if body.len() + chunk.len() > MOST_BODY {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
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
