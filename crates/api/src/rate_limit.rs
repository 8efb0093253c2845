//! Rate limits for login, registration and password resets: per client address and per account,
//! with `governor`'s GCRA limiters. Over the limit: 429 with `Retry-After`.

use crate::ApiError;
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;

type Keyed = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>;

/// Keys kept before old ones are dropped.
const RETAIN_ABOVE: usize = 10_000;

/// The limiters of the authentication endpoints.
pub struct RateLimits {
    by_client: Keyed,
    by_account: Keyed,
    clock: DefaultClock,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits").finish_non_exhaustive()
    }
}

impl RateLimits {
    /// `per_minute` attempts per client address and per account, with bursts of the same size.
    pub fn new(per_minute: NonZeroU32) -> Self {
        let quota = Quota::per_minute(per_minute);
        Self {
            by_client: RateLimiter::keyed(quota),
            by_account: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one attempt of `endpoint` from `client` (an IP address) about `account` (a hash
    /// of the address it names, when it names one).
    pub fn check(
        &self,
        endpoint: &str,
        client: &str,
        account: Option<&str>,
    ) -> Result<(), ApiError> {
        let checks = [
            (&self.by_client, Some(format!("{endpoint}:{client}"))),
            (&self.by_account, account.map(|a| format!("{endpoint}:{a}"))),
        ];
        for (limiter, key) in checks {
            let Some(key) = key else { continue };
            if limiter.len() > RETAIN_ABOVE {
                limiter.retain_recent();
            }
            if let Err(not_until) = limiter.check_key(&key) {
                let wait = not_until.wait_time_from(self.clock.now());
                tracing::warn!(endpoint, "rate limit reached");
                return Err(ApiError::RateLimited {
                    retry_after_secs: wait.as_secs().max(1),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_applies_per_client_and_per_account() {
        let limits = RateLimits::new(NonZeroU32::new(2).unwrap());
        assert!(limits.check("login", "10.0.0.1", Some("a")).is_ok());
        assert!(limits.check("login", "10.0.0.1", Some("b")).is_ok());
        let third = limits.check("login", "10.0.0.1", Some("c"));
        assert!(
            matches!(third, Err(ApiError::RateLimited { retry_after_secs }) if retry_after_secs >= 1)
        );
        // Another client guessing at account "a" is stopped by the account limit.
        assert!(limits.check("login", "10.0.0.2", Some("a")).is_ok());
        assert!(limits.check("login", "10.0.0.3", Some("a")).is_err());
        // Other endpoints count separately.
        assert!(limits.check("register", "10.0.0.1", None).is_ok());
    }
}
