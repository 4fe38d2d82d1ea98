//! `run --html FILE`: the run as one self-contained HTML page.
//!
//! Takes a [`RunReport`] and gives one HTML document with its style and script inline and
//! nothing fetched (a Content-Security-Policy allows no network at all and only the page's own
//! style and script, by hash): the counts, a list of trials filterable by status and by words
//! (path, name, `tag:…`, target; the filter lives in the address's fragment, so a filtered view
//! can be linked), and per trial every step's redacted request and response, the failed checks
//! with their YAML `file:line:col`, the snapshot's diff and the reproducer. The page is rendered
//! by minijinja with HTML auto-escaping (`report.html`): every value a run produced is text,
//! never markup, and the CSP stops any script that would slip through anyway.

use base64::Engine as _;
use serde::Serialize;

use super::{FinishedTrial, RunReport};
use crate::suite::TrialOutcome;

const TEMPLATE: &str = include_str!("html/report.html");
const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

#[derive(Serialize)]
struct Page<'a> {
    title: &'a str,
    csp: String,
    style: &'a str,
    script: &'a str,
    target: &'a str,
    started: String,
    hostname: &'a str,
    elapsed: String,
    counts: Counts,
    trials: Vec<TrialView>,
}

#[derive(Serialize)]
struct Counts {
    passed: usize,
    failed: usize,
    skipped: usize,
}

#[derive(Serialize)]
struct TrialView {
    id: String,
    status: &'static str,
    name: Option<String>,
    tags: Vec<String>,
    target: String,
    duration: String,
    search: String,
    reason: Option<String>,
    failed_step: Option<String>,
    problems: Vec<ProblemView>,
    snapshot: Vec<DiffLine>,
    reproducer: Option<String>,
    steps: Vec<StepView>,
    report: Option<String>,
}

#[derive(Serialize)]
struct ProblemView {
    location: String,
    message: String,
}

#[derive(Serialize)]
struct DiffLine {
    class: &'static str,
    text: String,
}

#[derive(Serialize)]
struct StepView {
    name: String,
    exchange: String,
    failed: bool,
}

/// The run as one HTML document; an error only if the built-in template fails to render.
pub fn to_html(run: &RunReport) -> Result<String, String> {
    let mut environment = minijinja::Environment::new();
    // The `.html` name turns on HTML auto-escaping for every value.
    environment
        .add_template("report.html", TEMPLATE)
        .map_err(|error| format!("the HTML report's template is broken: {error}"))?;
    let counts = run.counts();
    let page = Page {
        title: "passwordless-conformance report",
        csp: format!(
            "default-src 'none'; style-src '{}'; script-src '{}'; base-uri 'none'; form-action 'none'",
            sha256_source(STYLE),
            sha256_source(SCRIPT)
        ),
        style: STYLE,
        script: SCRIPT,
        target: &run.target,
        started: chrono::DateTime::<chrono::Utc>::from(run.started)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        hostname: &run.hostname,
        elapsed: format!("{:.2} s", run.elapsed.as_secs_f64()),
        counts: Counts {
            passed: counts.passed,
            failed: counts.failed,
            skipped: counts.skipped,
        },
        trials: run
            .trials
            .iter()
            .map(|trial| trial_view(trial, &run.target))
            .collect(),
    };
    environment
        .get_template("report.html")
        .and_then(|template| template.render(&page))
        .map_err(|error| format!("cannot render the HTML report: {error}"))
}

fn trial_view(trial: &FinishedTrial, target: &str) -> TrialView {
    let details = &trial.details;
    let status = trial.status();
    let mut search = vec![
        trial.id.clone(),
        status.to_owned(),
        target.to_owned(),
        details.scenario_name.clone().unwrap_or_default(),
    ];
    search.extend(details.tags.iter().map(|tag| format!("tag:{tag}")));
    let failed_step_name = details.failed_step.as_ref().map(|step| step.name.as_str());
    let last_index_of_failed = details
        .steps
        .iter()
        .rposition(|step| Some(step.name.as_str()) == failed_step_name);
    TrialView {
        id: trial.id.clone(),
        status,
        name: details.scenario_name.clone(),
        tags: details.tags.clone(),
        target: target.to_owned(),
        duration: format!("{:.2} s", trial.elapsed.as_secs_f64()),
        search: search.join(" ").to_lowercase(),
        reason: match &trial.outcome {
            TrialOutcome::Ignored(reason) => Some(reason.clone()),
            _ => None,
        },
        failed_step: details
            .failed_step
            .as_ref()
            .map(|step| format!("step {} `{}` failed", step.number, step.name)),
        problems: details
            .problems
            .iter()
            .map(|problem| ProblemView {
                location: format!("{}:{}:{}", problem.file, problem.line, problem.col),
                message: problem.message.clone(),
            })
            .collect(),
        snapshot: details
            .snapshot
            .as_deref()
            .map(diff_lines)
            .unwrap_or_default(),
        reproducer: details.reproducer.clone(),
        steps: details
            .steps
            .iter()
            .enumerate()
            .map(|(index, step)| StepView {
                name: step.name.clone(),
                exchange: step.exchange.clone(),
                failed: Some(index) == last_index_of_failed,
            })
            .collect(),
        report: match &trial.outcome {
            TrialOutcome::Failed(failure) => Some(failure.report.clone()),
            _ => None,
        },
    }
}

/// A snapshot message's lines, each with the class that colours it in a diff.
fn diff_lines(text: &str) -> Vec<DiffLine> {
    text.lines()
        .map(|line| DiffLine {
            class: if line.starts_with("+++") || line.starts_with("---") || line.starts_with("@@") {
                "hunk"
            } else if line.starts_with('+') {
                "added"
            } else if line.starts_with('-') {
                "removed"
            } else {
                "context"
            },
            text: line.to_owned(),
        })
        .collect()
}

/// A CSP source allowing exactly `text` as an inline style or script: `'sha256-…'` without
/// the quotes.
fn sha256_source(text: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::suite::{FailureCause, TrialDetails};
    use std::time::{Duration, SystemTime};

    fn run(name: &str) -> RunReport {
        RunReport {
            target: "mock".to_owned(),
            started: SystemTime::UNIX_EPOCH,
            elapsed: Duration::from_millis(1500),
            hostname: "ci-1".to_owned(),
            trials: vec![FinishedTrial {
                id: "a/b.yaml".to_owned(),
                outcome: TrialOutcome::failed(
                    FailureCause::Steps,
                    "it failed </pre><script>x()</script>",
                ),
                elapsed: Duration::from_millis(20),
                rate_limit_wait: Duration::ZERO,
                details: TrialDetails {
                    scenario_name: Some(name.to_owned()),
                    tags: vec!["x\" onmouseover=\"y".to_owned()],
                    snapshot: Some("-old\n+new <b>".to_owned()),
                    ..TrialDetails::default()
                },
            }],
        }
    }

    /// The text between `open` and the next `close` in `html`.
    fn between<'a>(html: &'a str, open: &str, close: &str) -> &'a str {
        let start = html.find(open).unwrap() + open.len();
        let end = start + html[start..].find(close).unwrap();
        &html[start..end]
    }

    #[test]
    fn the_policy_allows_exactly_the_inline_style_and_script_the_page_carries() {
        let html = to_html(&run("plain")).unwrap();
        let policy = between(
            &html,
            "http-equiv=\"Content-Security-Policy\" content=\"",
            "\"",
        )
        .replace("&#x27;", "'")
        .replace("&#x2f;", "/");
        let script = between(&html, "<script>", "</script>");
        let style = between(&html, "<style>", "</style>");
        assert!(
            policy.contains(&format!("script-src '{}'", sha256_source(script))),
            "{policy}"
        );
        assert!(
            policy.contains(&format!("style-src '{}'", sha256_source(style))),
            "{policy}"
        );
        assert!(policy.starts_with("default-src 'none';"), "{policy}");
    }

    #[test]
    fn values_are_text_in_elements_and_in_attributes() {
        let html = to_html(&run("<script>alert(1)</script>")).unwrap();
        assert_eq!(html.matches("<script").count(), 1, "{html}");
        assert!(!html.contains("onmouseover=\"y"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(
            html.contains("&lt;&#x2f;pre&gt;&lt;script&gt;x()"),
            "{html}"
        );
        // The snapshot diff keeps its colours.
        assert!(
            html.contains(r#"<span class="removed">-old</span>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<span class="added">+new &lt;b&gt;</span>"#),
            "{html}"
        );
    }
}
