//! Locking a store's mutex.
//!
//! Every store of the mock keeps its data behind one `std::sync::Mutex`, held only for short
//! synchronous sections and never across an `.await`. This module gives them one way to take it.
//! It knows nothing of the stores.
//!
//! Lock order: the OTP and MFA stores record a message in the outbox while they hold their own
//! lock (so messages are ordered like codes); the outbox never takes another store's lock, and no
//! other store holds two, so no two locks are ever taken in opposite orders.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks a mutex, carrying on if another thread panicked while holding it (the data stays usable:
/// every critical section leaves it consistent before anything can panic).
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
