//! Lambda's deadline for an invocation, and work that must stop in time to
//! save where it stands and answer before it.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// When work must stop to keep `reserve` before `deadline_ms` (milliseconds
/// since the epoch, as Lambda's context gives it).
pub fn stop_at(deadline_ms: u64, reserve: Duration) -> Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    let remaining = Duration::from_millis(u64::try_from(u128::from(deadline_ms).saturating_sub(now_ms)).unwrap_or(0));
    Instant::now() + remaining.saturating_sub(reserve)
}

/// Whether another piece of work may start: until `reserve` before
/// `deadline_ms`.
pub fn time_left_until(deadline_ms: u64, reserve: Duration) -> impl FnMut() -> bool + Send + use<> {
    let stop = stop_at(deadline_ms, reserve);
    move || Instant::now() < stop
}

/// The deadline of the invocation an HTTP request arrived in, when Lambda
/// (or the local runner, which gives one as Lambda does) set it.
pub fn of_request(request: &lambda_http::Request) -> Option<u64> {
    use lambda_http::RequestExt;
    request
        .lambda_context_ref()
        .map(|context| context.deadline)
        .filter(|&deadline| deadline > 0)
}

/// When work for `request` must stop: `reserve` before its invocation's
/// deadline, or `without_deadline` from now where none was given.
pub fn stop_for(request: &lambda_http::Request, reserve: Duration, without_deadline: Duration) -> Instant {
    match of_request(request) {
        Some(deadline) => stop_at(deadline, reserve),
        None => Instant::now() + without_deadline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_ms(from_now: Duration) -> u64 {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis();
        u64::try_from(now + from_now.as_millis()).unwrap()
    }

    #[test]
    fn work_may_start_until_the_reserve_before_the_deadline() {
        let mut roomy = time_left_until(in_ms(Duration::from_secs(60)), Duration::from_secs(10));
        let mut within_reserve = time_left_until(in_ms(Duration::from_secs(5)), Duration::from_secs(10));
        let mut past = time_left_until(0, Duration::ZERO);

        assert!(roomy());
        assert!(!within_reserve());
        assert!(!past());
    }
}
