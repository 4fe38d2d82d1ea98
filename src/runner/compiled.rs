//! The regexes and JSONPaths of a scenario's checks and captures, compiled once per process.
//!
//! Takes a pattern or path as the scenario wrote it and gives it compiled, or the compiler's
//! complaint. Compiling costs far more than applying one to a short response, and the same
//! patterns and paths come back in every trial and every polling attempt, so each distinct one
//! is compiled once and shared between the trials of the process. The caches hold what the
//! scenario files of a run contain; each is emptied if it ever holds more than [`CAPACITY`]
//! entries, so generated patterns cannot grow it without bound.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use regex::Regex;
use serde_json_path::JsonPath;

/// How many distinct entries a cache keeps before it starts over.
const CAPACITY: usize = 4096;

/// `pattern` compiled, or why it does not compile, in the regex crate's words.
pub fn regex(pattern: &str) -> Result<Arc<Regex>, String> {
    static REGEXES: Cache<Regex> = Cache::new();
    REGEXES.get_or_compile(pattern, |pattern| {
        Regex::new(pattern).map_err(|error| error.to_string())
    })
}

/// `path` parsed, or why it does not parse, in serde_json_path's words.
pub fn json_path(path: &str) -> Result<Arc<JsonPath>, String> {
    static PATHS: Cache<JsonPath> = Cache::new();
    PATHS.get_or_compile(path, |path| {
        JsonPath::parse(path).map_err(|error| error.to_string())
    })
}

type Compiled<T> = Result<Arc<T>, String>;

/// Compiled values by their source text, shared by every thread.
struct Cache<T> {
    entries: OnceLock<Mutex<HashMap<String, Compiled<T>>>>,
}

impl<T> Cache<T> {
    const fn new() -> Cache<T> {
        Cache {
            entries: OnceLock::new(),
        }
    }

    fn get_or_compile(
        &self,
        source: &str,
        compile: impl FnOnce(&str) -> Result<T, String>,
    ) -> Compiled<T> {
        let entries = self.entries.get_or_init(Mutex::default);
        if let Some(found) = entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(source)
        {
            return found.clone();
        }
        // Compiled outside the lock: another trial may compile the same source meanwhile, which
        // costs a little time and nothing else.
        let compiled = compile(source).map(Arc::new);
        let mut entries = entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(source.to_owned(), compiled.clone());
        compiled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_is_compiled_once_and_matches_like_a_fresh_one() {
        let first = regex("^[0-9]{6}$").unwrap_or_else(|error| panic!("{error}"));
        let second = regex("^[0-9]{6}$").unwrap_or_else(|error| panic!("{error}"));
        assert!(Arc::ptr_eq(&first, &second));
        assert!(second.is_match("012345"));
        assert!(!second.is_match("01234"));
    }

    #[test]
    fn a_broken_pattern_or_path_gives_the_compilers_complaint_every_time() {
        let error = regex("(unclosed").unwrap_err();
        assert!(error.contains("unclosed"), "{error}");
        assert_eq!(regex("(unclosed").unwrap_err(), error);
        let error = json_path("$[").unwrap_err();
        assert_eq!(json_path("$[").unwrap_err(), error);
    }

    #[test]
    fn a_full_cache_starts_over_instead_of_growing() {
        let cache: Cache<usize> = Cache::new();
        for index in 0..=CAPACITY {
            let _ = cache.get_or_compile(&index.to_string(), |text| Ok(text.len()));
        }
        let held = cache
            .entries
            .get()
            .map(|entries| entries.lock().unwrap_or_else(PoisonError::into_inner).len());
        assert_eq!(held, Some(1));
    }
}
