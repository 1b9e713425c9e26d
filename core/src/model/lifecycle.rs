//! Lifecycle of an app: active, expiring, expired, retired; renewal.
//!
//! Micro apps are meant to be short-lived: each has an expiry (by default 90
//! days after creation) and renewal never extends it past a maximum.

use super::manifest::Manifest;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// Where an app stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LifecycleState {
    /// In force, not expiring soon.
    Active {
        /// Whole days until expiry.
        days_left: i64,
    },
    /// Expires within the warning window.
    Expiring {
        /// Whole days until expiry.
        days_left: i64,
    },
    /// Past its expiry.
    Expired {
        /// Whole days since expiry.
        days_ago: i64,
    },
    /// Retired on purpose.
    Retired,
}

impl LifecycleState {
    /// The state's name: `active`, `expiring`, `expired` or `retired`.
    pub fn as_str(&self) -> &'static str {
        match self {
            LifecycleState::Active { .. } => "active",
            LifecycleState::Expiring { .. } => "expiring",
            LifecycleState::Expired { .. } => "expired",
            LifecycleState::Retired => "retired",
        }
    }
}

/// The app's state at `now`, with `within_days` as the expiring-soon window.
pub fn state(app: &Manifest, now: DateTime<Utc>, within_days: i64) -> LifecycleState {
    if app.metadata.retired_at.is_some_and(|r| r <= now) {
        return LifecycleState::Retired;
    }
    let left = app.metadata.expires_at - now;
    if left <= Duration::zero() {
        LifecycleState::Expired { days_ago: (-left).num_days() }
    } else if left <= Duration::days(within_days) {
        LifecycleState::Expiring { days_left: left.num_days() }
    } else {
        LifecycleState::Active { days_left: left.num_days() }
    }
}

/// Why a renewal was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    /// Retired apps stay retired.
    #[error("app \"{0}\" is retired and cannot be renewed")]
    Retired(String),
    /// The new expiry is not in the future.
    #[error("new expiry {0} is not after now")]
    InPast(String),
    /// The new expiry is further away than the maximum lifetime.
    #[error("new expiry {requested} is more than {max_days} days from now (latest allowed {latest})")]
    TooLong {
        /// What was asked for.
        requested: String,
        /// The limit in days.
        max_days: i64,
        /// The latest expiry allowed.
        latest: String,
    },
}

impl LifecycleError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            LifecycleError::Retired(_) => "lifecycle.retired",
            LifecycleError::InPast(_) => "lifecycle.in_past",
            LifecycleError::TooLong { .. } => "lifecycle.too_long",
        }
    }
}

/// Renews an app to `new_expiry`, which must be after `now` and at most
/// `max_days` from it. Returns the renewed manifest.
pub fn renew(
    app: &Manifest,
    new_expiry: DateTime<Utc>,
    now: DateTime<Utc>,
    max_days: i64,
) -> Result<Manifest, LifecycleError> {
    if app.metadata.retired_at.is_some_and(|r| r <= now) {
        return Err(LifecycleError::Retired(app.metadata.name.clone()));
    }
    if new_expiry <= now {
        return Err(LifecycleError::InPast(new_expiry.to_rfc3339()));
    }
    let latest = now + Duration::days(max_days);
    if new_expiry > latest {
        return Err(LifecycleError::TooLong {
            requested: new_expiry.to_rfc3339(),
            max_days,
            latest: latest.to_rfc3339(),
        });
    }
    let mut renewed = app.clone();
    renewed.metadata.expires_at = new_expiry;
    Ok(renewed)
}

/// Retires an app at `now`.
pub fn retire(app: &Manifest, now: DateTime<Utc>) -> Manifest {
    let mut retired = app.clone();
    retired.metadata.retired_at = Some(now);
    retired
}
