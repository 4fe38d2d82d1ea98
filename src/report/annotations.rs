//! GitHub Actions annotations: each failure as an `::error file=…,line=…::` workflow command, so
//! it shows on the scenario's line in a pull request's diff and in the run's summary.
//!
//! Takes the [`RunReport`] and gives one line per failed check (at the YAML line where the check
//! is written), per problem of a file that does not load, and per snapshot that differs (at the
//! top of the file); other failures (a target that cannot be reached) get one line without a
//! line number. Values are escaped as GitHub's toolkit does (`escapeData`, `escapeProperty`), so
//! a hostile scenario name or message cannot end the command early or start another one.

use std::path::Path;

use super::{FinishedTrial, RunReport};

/// Whether annotations are wanted: `GITHUB_ACTIONS=true`, as GitHub sets on its runners.
pub fn in_github_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|value| value == "true")
}

/// The `::error …` lines for every failure of `run`. `project` is the project folder as given
/// to `run`: annotation paths are relative to the repository's root (`GITHUB_WORKSPACE`, else
/// the current folder), where GitHub looks for them.
pub fn github_annotations(run: &RunReport, project: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    for trial in run.failed() {
        let file = project_path(project, &trial.file());
        let title = |what: &str| format!("{}: {what}", trial.id);
        if let Some(step) = &trial.details.failed_step {
            let title = title(&format!("step {} `{}` failed", step.number, step.name));
            for problem in &trial.details.problems {
                // A flow's step is checked in the flow's file.
                lines.push(error(
                    &[
                        ("file", &project_path(project, &problem.file)),
                        ("line", &problem.line.to_string()),
                        ("col", &problem.col.to_string()),
                        ("title", &title),
                    ],
                    &problem.message,
                ));
            }
        } else if !trial.details.problems.is_empty() {
            let title = title("the scenario file does not load");
            for problem in &trial.details.problems {
                lines.push(error(
                    &[
                        ("file", &project_path(project, &problem.file)),
                        ("line", &problem.line.to_string()),
                        ("col", &problem.col.to_string()),
                        ("title", &title),
                    ],
                    &problem.message,
                ));
            }
        } else if let Some(snapshot) = &trial.details.snapshot {
            lines.push(error(
                &[
                    ("file", &file),
                    ("line", "1"),
                    ("title", &title("snapshot")),
                ],
                snapshot,
            ));
        } else {
            lines.push(error(
                &[("file", &file), ("title", &title("failed"))],
                &first_lines(trial),
            ));
        }
    }
    lines
}

/// A failure without a place: the start of its report, enough to tell what happened.
fn first_lines(trial: &FinishedTrial) -> String {
    let text = trial.failure_text();
    text.lines().take(20).collect::<Vec<_>>().join("\n")
}

fn project_path(project: &Path, file: &str) -> String {
    let path = project.join(file);
    let root = std::env::var_os("GITHUB_WORKSPACE")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::current_dir().ok());
    let absolute = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
    let relative = root
        .and_then(|root| absolute.strip_prefix(root).ok().map(Path::to_path_buf))
        .unwrap_or(path);
    relative.to_string_lossy().into_owned()
}

/// `::error name=value,…::message`, escaped.
fn error(properties: &[(&str, &str)], message: &str) -> String {
    let properties: Vec<String> = properties
        .iter()
        .map(|(name, value)| format!("{name}={}", escape_property(value)))
        .collect();
    format!("::error {}::{}", properties.join(","), escape_data(message))
}

/// GitHub's `escapeData`: `%`, CR and LF.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub's `escapeProperty`: as data, and `:` and `,`, which separate properties.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_properties_are_escaped_as_github_s_toolkit_does() {
        assert_eq!(
            escape_data("50% done\r\n::warning::x"),
            "50%25 done%0D%0A::warning::x"
        );
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        let line = error(
            &[("file", "scenarios/x,y.yaml"), ("title", "t::e")],
            "line one\n::error::forged",
        );
        assert_eq!(
            line,
            "::error file=scenarios/x%2Cy.yaml,title=t%3A%3Ae::line one%0A::error::forged"
        );
        // One command, on one line: the forged one cannot start a line of its own.
        assert_eq!(line.lines().count(), 1);
    }
}
