//! How often the public form may be used, so that it cannot be turned into
//! a mail relay: every accepted submission mails an address nobody has
//! proven. Counted per nominator address and per source network, per hour
//! and per day (fixed windows in UTC).

use chrono::{DateTime, Duration, DurationRound, Utc};
use std::net::IpAddr;

use crate::person::EmailAddress;

/// The most submissions each window accepts (template parameters
/// `SubmissionsPerSourcePerHour` and so on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubmissionLimits {
    pub per_source_hour: u32,
    pub per_source_day: u32,
    pub per_address_hour: u32,
    pub per_address_day: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a submission limit must be at least 1")]
pub struct InvalidLimit;

impl SubmissionLimits {
    pub fn new(
        per_source_hour: u32,
        per_source_day: u32,
        per_address_hour: u32,
        per_address_day: u32,
    ) -> Result<Self, InvalidLimit> {
        let limits = Self {
            per_source_hour,
            per_source_day,
            per_address_hour,
            per_address_day,
        };
        match [per_source_hour, per_source_day, per_address_hour, per_address_day].contains(&0) {
            true => Err(InvalidLimit),
            false => Ok(limits),
        }
    }

    /// The counters one submission from `source` by `nominator` at `now`
    /// adds to; it is accepted only if none of them is full.
    pub fn counters(
        &self,
        source: Option<&SourceNetwork>,
        nominator: &EmailAddress,
        now: DateTime<Utc>,
    ) -> Vec<Counter> {
        let address = Counted::Address(address_digest(nominator));
        let mut counters = Vec::with_capacity(4);
        if let Some(source) = source {
            let source = Counted::Source(source.clone());
            counters.push(Counter::new(source.clone(), Window::Hour, now, self.per_source_hour));
            counters.push(Counter::new(source, Window::Day, now, self.per_source_day));
        }
        counters.push(Counter::new(address.clone(), Window::Hour, now, self.per_address_hour));
        counters.push(Counter::new(address, Window::Day, now, self.per_address_day));
        counters
    }
}

/// What is counted: a source network, or a nominator address by its
/// [`address_digest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Counted {
    Source(SourceNetwork),
    Address(String),
}

/// An address as its counters are keyed: SHA-256 of its identity, so that
/// a counter does not hold the address itself (erasure still finds it by
/// computing the same digest).
pub fn address_digest(address: &EmailAddress) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(address.identity().as_bytes()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Hour,
    Day,
}

impl Window {
    pub fn code(self) -> &'static str {
        match self {
            Window::Hour => "hour",
            Window::Day => "day",
        }
    }

    fn length(self) -> Duration {
        match self {
            Window::Hour => Duration::hours(1),
            Window::Day => Duration::days(1),
        }
    }
}

/// One window's count of one thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub counted: Counted,
    pub window: Window,
    /// When the window began.
    pub since: DateTime<Utc>,
    pub limit: u32,
}

impl Counter {
    fn new(counted: Counted, window: Window, now: DateTime<Utc>, limit: u32) -> Self {
        // Whole hours and days since the epoch: UTC hours and midnights.
        let since = now.duration_trunc(window.length()).unwrap_or(now);
        Self {
            counted,
            window,
            since,
            limit,
        }
    }

    /// When the window ends and the count starts again.
    pub fn until(&self) -> DateTime<Utc> {
        self.since + self.window.length()
    }

    /// How long a refused submitter should wait: until the window ends,
    /// at least a second.
    pub fn retry_after(&self, now: DateTime<Utc>) -> Duration {
        (self.until() - now).max(Duration::seconds(1))
    }
}

/// The network a request came from, as rate limits count it: an IPv4
/// address's /24, an IPv6 address's /48 (what one customer typically holds),
/// written as `203.0.113.0/24` or `2001:db8:1::/48`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceNetwork(String);

impl SourceNetwork {
    /// From API Gateway's `requestContext.http.sourceIp`; `None` when it is
    /// not an IP address.
    pub fn of(source_ip: &str) -> Option<Self> {
        let ip: IpAddr = source_ip.trim().parse().ok()?;
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        Some(Self(match ip {
            IpAddr::V4(v4) => {
                let [a, b, c, _] = v4.octets();
                format!("{a}.{b}.{c}.0/24")
            }
            IpAddr::V6(v6) => {
                let [a, b, c, ..] = v6.segments();
                format!("{}/48", std::net::Ipv6Addr::new(a, b, c, 0, 0, 0, 0, 0))
            }
        }))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(raw: &str) -> DateTime<Utc> {
        raw.parse().unwrap()
    }

    #[test]
    fn sources_are_counted_by_network() {
        let cases = [
            ("203.0.113.77", Some("203.0.113.0/24")),
            ("203.0.113.1", Some("203.0.113.0/24")),
            ("2001:db8:abcd:12::1", Some("2001:db8:abcd::/48")),
            ("::ffff:198.51.100.9", Some("198.51.100.0/24")),
            ("not an address", None),
            ("", None),
        ];
        for (raw, expected) in cases {
            assert_eq!(
                SourceNetwork::of(raw).as_ref().map(SourceNetwork::as_str),
                expected,
                "{raw}"
            );
        }
    }

    #[test]
    fn windows_are_utc_hours_and_days_and_say_how_long_to_wait() {
        let limits = SubmissionLimits::new(20, 100, 5, 20).unwrap();
        let now = at("2026-12-01T10:45:30Z");
        let nominator = EmailAddress::parse("Lucia@Example.org").unwrap();
        let counters = limits.counters(SourceNetwork::of("203.0.113.7").as_ref(), &nominator, now);

        assert_eq!(counters.len(), 4);
        let hour = &counters[0];
        assert_eq!((hour.window, hour.limit), (Window::Hour, 20));
        assert_eq!(hour.since, at("2026-12-01T10:00:00Z"));
        assert_eq!(hour.retry_after(now), Duration::seconds(14 * 60 + 30));
        assert_eq!(counters[1].since, at("2026-12-01T00:00:00Z"));
        assert_eq!(
            counters[3].retry_after(now),
            Duration::seconds(13 * 3600 + 14 * 60 + 30)
        );
        let same = EmailAddress::parse("lucia@example.org").unwrap();
        assert_eq!(counters[2].counted, Counted::Address(address_digest(&same)));
        assert!(!address_digest(&same).contains("lucia"));
        assert_eq!(counters[2].limit, 5);
    }

    #[test]
    fn without_a_source_only_the_address_is_counted_and_no_limit_is_zero() {
        let nominator = EmailAddress::parse("lucia@example.org").unwrap();
        let limits = SubmissionLimits::new(1, 1, 1, 1).unwrap();
        assert_eq!(limits.counters(None, &nominator, Utc::now()).len(), 2);
        assert_eq!(SubmissionLimits::new(0, 1, 1, 1), Err(InvalidLimit));
    }
}
