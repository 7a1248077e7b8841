//! The standard health service `grpc.health.v1.Health`
//! (health-checking.md): `Check` answers the serving status of a service,
//! `Watch` streams it and every change. A [`HealthReporter`] sets statuses.
//!
//! The messages are the generated `grpc.health.v1` types; [`ServingStatus`]
//! names the known enum values for [`HealthReporter`] and converts to and
//! from the generated open enum.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::service::{Responses, Router, ServerContext};
use crate::grpc::{Code, Status};
pub use crate::proto::grpc::health::v1::health_check_response::ServingStatus as WireServingStatus;
pub use crate::proto::grpc::health::v1::{HealthCheckRequest, HealthCheckResponse};

/// The service's name.
pub const SERVICE: &str = "grpc.health.v1.Health";

/// How often a `Watch` with no news checks whether its call has ended.
const WATCH_POLL: Duration = Duration::from_millis(200);

/// `HealthCheckResponse.ServingStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServingStatus {
    /// 0: not known.
    Unknown,
    /// 1: the service answers.
    Serving,
    /// 2: the service does not answer now.
    NotServing,
    /// 3: no such service (only sent by `Watch`).
    ServiceUnknown,
    /// A number this code does not know; proto3 enums are open.
    Other(i32),
}

impl ServingStatus {
    /// The enum number on the wire.
    pub fn number(self) -> i32 {
        match self {
            ServingStatus::Unknown => 0,
            ServingStatus::Serving => 1,
            ServingStatus::NotServing => 2,
            ServingStatus::ServiceUnknown => 3,
            ServingStatus::Other(n) => n,
        }
    }

    /// The status for an enum number.
    pub fn from_number(number: i32) -> ServingStatus {
        match number {
            0 => ServingStatus::Unknown,
            1 => ServingStatus::Serving,
            2 => ServingStatus::NotServing,
            3 => ServingStatus::ServiceUnknown,
            n => ServingStatus::Other(n),
        }
    }
}

impl From<ServingStatus> for WireServingStatus {
    fn from(status: ServingStatus) -> Self {
        WireServingStatus(status.number())
    }
}

impl From<WireServingStatus> for ServingStatus {
    fn from(status: WireServingStatus) -> Self {
        ServingStatus::from_number(status.0)
    }
}

#[derive(Debug, Default)]
struct Statuses {
    by_service: HashMap<String, ServingStatus>,
    /// Bumped on every change, so watchers notice one.
    version: u64,
}

/// Sets the serving status of services; cheap to clone and share.
///
/// The empty service name stands for the whole server and starts as
/// SERVING.
#[derive(Debug, Clone)]
pub struct HealthReporter {
    inner: Arc<(Mutex<Statuses>, Condvar)>,
}

impl Default for HealthReporter {
    fn default() -> Self {
        HealthReporter::new()
    }
}

impl HealthReporter {
    /// A reporter where only the server as a whole ("") is known, SERVING.
    pub fn new() -> Self {
        let mut statuses = Statuses::default();
        statuses
            .by_service
            .insert(String::new(), ServingStatus::Serving);
        HealthReporter {
            inner: Arc::new((Mutex::new(statuses), Condvar::new())),
        }
    }

    /// Sets the status of `service`; watchers see the change.
    pub fn set_status(&self, service: &str, status: ServingStatus) {
        let (lock, changed) = &*self.inner;
        let mut statuses = lock.lock().unwrap_or_else(|e| e.into_inner());
        statuses.by_service.insert(service.to_owned(), status);
        statuses.version = statuses.version.wrapping_add(1);
        changed.notify_all();
    }

    /// Forgets `service` (it becomes SERVICE_UNKNOWN to watchers).
    pub fn clear_status(&self, service: &str) {
        let (lock, changed) = &*self.inner;
        let mut statuses = lock.lock().unwrap_or_else(|e| e.into_inner());
        statuses.by_service.remove(service);
        statuses.version = statuses.version.wrapping_add(1);
        changed.notify_all();
    }

    /// The status of `service`, `None` if unknown.
    pub fn status(&self, service: &str) -> Option<ServingStatus> {
        let (lock, _) = &*self.inner;
        let statuses = lock.lock().unwrap_or_else(|e| e.into_inner());
        statuses.by_service.get(service).copied()
    }

    /// The `Check` and `Watch` methods of `grpc.health.v1.Health`, to merge
    /// into a server's router.
    pub fn router(&self) -> Router {
        let mut router = Router::new();
        let check = self.clone();
        router.unary_inline(
            format!("/{SERVICE}/Check"),
            move |_: &mut ServerContext, request: HealthCheckRequest| {
                // health-checking.md: an unknown service is NOT_FOUND.
                match check.status(&request.service) {
                    Some(status) => Ok(HealthCheckResponse {
                        status: status.into(),
                        ..HealthCheckResponse::default()
                    }),
                    None => Err(Status::new(
                        Code::NotFound,
                        format!("unknown service {:?}", request.service),
                    )),
                }
            },
        );
        let watch = self.clone();
        router.server_streaming(
            format!("/{SERVICE}/Watch"),
            move |ctx, request: HealthCheckRequest, responses| {
                watch.watch(ctx, &request.service, responses)
            },
        );
        // A watch lasts as long as the client wants: it must not hold a worker.
        router.on_own_thread(format!("/{SERVICE}/Watch"));
        router
    }

    /// Sends the current status, then every change, until the call ends
    /// (health-checking.md: SERVICE_UNKNOWN for a service not known, and
    /// the call stays open).
    fn watch(
        &self,
        ctx: &ServerContext,
        service: &str,
        responses: &mut Responses<HealthCheckResponse>,
    ) -> Result<(), Status> {
        let (lock, changed) = &*self.inner;
        let mut last_sent = None;
        loop {
            let (status, version) = {
                let statuses = lock.lock().unwrap_or_else(|e| e.into_inner());
                let status = statuses
                    .by_service
                    .get(service)
                    .copied()
                    .unwrap_or(ServingStatus::ServiceUnknown);
                (status, statuses.version)
            };
            if last_sent != Some(status) {
                responses.send(&HealthCheckResponse {
                    status: status.into(),
                    ..HealthCheckResponse::default()
                })?;
                last_sent = Some(status);
            }
            let statuses = lock.lock().unwrap_or_else(|e| e.into_inner());
            if statuses.version == version {
                let _ = changed.wait_timeout(statuses, WATCH_POLL);
            }
            if ctx.is_cancelled() {
                return Err(Status::cancelled("the watch ended"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Message;
    use quickcheck::quickcheck;

    #[test]
    fn known_bytes() {
        let request = HealthCheckRequest {
            service: "echo".into(),
            ..HealthCheckRequest::default()
        };
        assert_eq!(request.encode_to_vec(), b"\x0a\x04echo");
        let response = HealthCheckResponse {
            status: ServingStatus::NotServing.into(),
            ..HealthCheckResponse::default()
        };
        assert_eq!(response.encode_to_vec(), b"\x08\x02");
        assert_eq!(HealthCheckResponse::default().encode_to_vec(), b"");
        let decoded = HealthCheckResponse::decode(b"\x08\x07").unwrap().status;
        assert_eq!(ServingStatus::from(decoded), ServingStatus::Other(7));
        assert_eq!(
            WireServingStatus::from(ServingStatus::ServiceUnknown),
            WireServingStatus::SERVICE_UNKNOWN
        );
    }

    #[test]
    fn reporter_tracks_statuses() {
        let reporter = HealthReporter::new();
        assert_eq!(reporter.status(""), Some(ServingStatus::Serving));
        assert_eq!(reporter.status("echo"), None);
        reporter.set_status("echo", ServingStatus::NotServing);
        assert_eq!(reporter.status("echo"), Some(ServingStatus::NotServing));
        reporter.clear_status("echo");
        assert_eq!(reporter.status("echo"), None);
    }

    quickcheck! {
        fn request_round_trip(service: String) -> bool {
            let request = HealthCheckRequest { service, ..HealthCheckRequest::default() };
            HealthCheckRequest::decode(&request.encode_to_vec()).as_ref() == Ok(&request)
        }

        fn response_round_trip(number: i32) -> bool {
            let response = HealthCheckResponse {
                status: WireServingStatus(number),
                ..HealthCheckResponse::default()
            };
            HealthCheckResponse::decode(&response.encode_to_vec()).as_ref() == Ok(&response)
        }

        fn decoders_never_panic(bytes: Vec<u8>) -> bool {
            let _ = HealthCheckRequest::decode(&bytes);
            let _ = HealthCheckResponse::decode(&bytes);
            true
        }
    }
}
