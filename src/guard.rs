//! A panic inside one trial becomes that trial's verdict, quietly.
//!
//! Takes a closure and runs it with the process's panic hook silenced on this thread; gives the
//! closure's value, or what the panic said and where. A panic in a trial (a bug of ours, or
//! insta's way of reporting a mismatch) must neither print a backtrace into the run's output nor
//! take the run down: every other trial still gets its verdict and the run prints its summary.
//! Panics on other threads, and outside [`catch`], reach the previous hook as before.

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, PanicHookInfo};
use std::sync::Once;

thread_local! {
    /// How many [`catch`] calls are running on this thread.
    static QUIET: Cell<usize> = const { Cell::new(0) };
    /// Where the latest silenced panic on this thread happened.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// What a caught panic said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caught {
    /// The panic's message.
    pub message: String,
    /// `file:line:column` of the panic, when known.
    pub location: Option<String>,
}

impl std::fmt::Display for Caught {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.location {
            Some(location) => write!(f, "{} (at {location})", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

impl Caught {
    /// The verdict text for a trial of `what` (e.g. `scenarios/x.yaml`) that panicked: what
    /// and where, with secrets the environment names hidden (a panic message may quote a value).
    pub fn trial_report(&self, what: &str) -> String {
        crate::redact::Redactor::from_environment().redact_message(&format!(
            "the harness panicked while running `{what}`: {self}\nhint: this is a bug in passwordless-conformance, not in the target or the scenario; please report it with the scenario"
        ))
    }
}

/// Runs `work`; a panic inside it comes back as [`Caught`] instead of unwinding further, and
/// prints nothing.
pub fn catch<T>(work: impl FnOnce() -> T) -> Result<T, Caught> {
    install_hook();
    QUIET.with(|quiet| quiet.set(quiet.get() + 1));
    LOCATION.with(|location| location.borrow_mut().take());
    let result = std::panic::catch_unwind(AssertUnwindSafe(work));
    QUIET.with(|quiet| quiet.set(quiet.get().saturating_sub(1)));
    result.map_err(|payload| Caught {
        message: payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| {
                payload
                    .downcast_ref::<&str>()
                    .map(|text| (*text).to_owned())
            })
            .unwrap_or_else(|| "a panic without a message".to_owned()),
        location: LOCATION.with(|location| location.borrow_mut().take()),
    })
}

/// Wraps the process's panic hook once: silent (recording the location) on threads inside
/// [`catch`], the previous hook everywhere else.
fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
            if QUIET.with(Cell::get) > 0 {
                let at = info
                    .location()
                    .map(|at| format!("{}:{}:{}", at.file(), at.line(), at.column()));
                LOCATION.with(|location| *location.borrow_mut() = at);
            } else {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_comes_back_with_its_message_and_place() {
        let caught = catch(|| -> u8 { panic!("boom {}", 7) }).unwrap_err();
        assert_eq!(caught.message, "boom 7");
        assert!(
            caught
                .location
                .as_deref()
                .is_some_and(|at| at.starts_with("src/guard.rs:")),
            "{caught:?}"
        );
    }

    #[test]
    fn a_value_comes_back_as_it_is() {
        assert_eq!(catch(|| 5), Ok(5));
    }

    #[test]
    fn catches_nest() {
        let outer = catch(|| {
            let inner = catch(|| panic!("inner"));
            assert!(inner.is_err());
            "after"
        });
        assert_eq!(outer, Ok("after"));
    }
}
