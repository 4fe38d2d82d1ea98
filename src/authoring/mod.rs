//! Tools for people writing scenarios and flows: `check`, `new` and `schema`.
//!
//! Takes the project folder and gives what the CLI prints: [`check::check_project`] loads and validates every
//! scenario (each combination of a matrix), every flow and `targets.yaml` without sending a request, and says
//! per profile what would be skipped; [`new::new_file`] writes a commented starting scenario or flow;
//! [`schema`] gives the JSON Schemas of both formats, generated from [`crate::scenario::surface`]. Nothing
//! here prints: `main.rs` does.

pub mod check;
pub mod new;
pub mod schema;
