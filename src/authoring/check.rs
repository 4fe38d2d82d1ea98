//! `passwordless-conformance check`: everything that can be known without a target, for the whole project.
//!
//! Takes the project folder and optional filters and gives a [`CheckReport`]: every problem of every selected
//! scenario (each combination of its matrix) and of every flow, with `file:line:col`, the warnings, and, for
//! each profile of `targets.yaml`, which scenarios it would skip and why — information, not errors, since a
//! profile is meant to lack what its tenant lacks. A profile whose `${VARIABLES}` are not set here is read
//! with stand-ins for them (named in the report), so CI can tell what a staging run would skip without its
//! secrets. Nothing is sent; no target is started.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::suite::{ScenarioFile, discover};
use crate::targets::{PROFILE_FILE, TargetConfig, TargetError};
use crate::validate::{FlowEntry, ProjectContext, check_variant};

/// What `check` found.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Every problem, each once, grouped by file in the order met.
    pub errors: Vec<Diagnostic>,
    /// Problems that do not stop anything (a check that can never fail), each once.
    pub warnings: Vec<Diagnostic>,
    /// Problems with no place in a file (a folder that cannot be read, a `targets.yaml` that does not parse).
    pub project_errors: Vec<String>,
    /// What each profile of `targets.yaml` would skip, in the file's order.
    pub profiles: Vec<ProfileReport>,
    /// How many trials (scenario files, or combinations of their matrices) were checked.
    pub trials: usize,
    /// How many of them load and validate (the ones a profile can run or skip).
    pub loaded: usize,
    /// How many flows were checked.
    pub flows: usize,
}

/// What one profile would do with the checked scenarios.
#[derive(Debug)]
pub struct ProfileReport {
    /// The profile's name.
    pub name: String,
    /// The variables it needs that are not set here, read with stand-ins.
    pub assumed: Vec<String>,
    /// The trials it would skip, with why; or why the profile cannot be read at all.
    pub skips: Result<Vec<(String, String)>, String>,
}

impl CheckReport {
    /// Whether anything is wrong (warnings alone are not).
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || !self.project_errors.is_empty()
    }
}

/// Checks the project at `root`: the scenarios whose trial name contains one of `filters` (all when empty),
/// the flows (all of them without filters; with filters, those the selected scenarios use are reported with
/// them), and `targets.yaml`.
pub fn check_project(root: &Path, filters: &[String]) -> CheckReport {
    let project = ProjectContext::load(root);
    let mut report = CheckReport::default();
    for problem in &project.flows.problems {
        report.project_errors.push(problem.clone());
    }
    if filters.is_empty() {
        for (_, entry) in project.flows.entries() {
            report.flows += 1;
            match entry {
                FlowEntry::Ready { warnings, .. } => report.warnings.extend(warnings.clone()),
                FlowEntry::Broken {
                    display_path,
                    diagnostics,
                    omitted,
                } => {
                    report.errors.extend(diagnostics.clone());
                    if *omitted > 0 {
                        report
                            .project_errors
                            .push(format!("… and {omitted} more problems in {display_path}"));
                    }
                }
            }
        }
    }
    let profiles = read_profiles(root, &mut report);
    let scenarios_dir = root.join("scenarios");
    let trials = match discover(&scenarios_dir) {
        Ok(trials) => trials,
        Err(error) => {
            report.project_errors.push(format!(
                "cannot read `{}`: {error}",
                scenarios_dir.display()
            ));
            Vec::new()
        }
    };
    let selected: Vec<ScenarioFile> = trials
        .into_iter()
        .filter(|trial| {
            filters.is_empty()
                || filters
                    .iter()
                    .any(|filter| trial.id.contains(filter.as_str()))
        })
        .collect();
    report.trials = selected.len();
    let mut skips: Vec<Vec<(String, String)>> = vec![Vec::new(); profiles.len()];
    for trial in &selected {
        match check_variant(
            &trial.path,
            &trial.display_path(),
            trial.variant(),
            &project,
        ) {
            Err(error) => {
                let diagnostics = error.diagnostics();
                if diagnostics.is_empty() {
                    report.project_errors.push(error.to_string());
                }
                report.errors.extend(diagnostics.iter().cloned());
            }
            Ok(checked) => {
                report.loaded += 1;
                report.warnings.extend(checked.warnings.iter().cloned());
                for (profile, skipped) in profiles.iter().zip(skips.iter_mut()) {
                    let Ok((target, roster)) = &profile.target else {
                        continue;
                    };
                    if let Some(reason) =
                        crate::suite::gate::skip_reason(&checked.scenario, target, roster.as_ref())
                    {
                        skipped.push((trial.id.clone(), reason));
                    }
                }
            }
        }
    }
    for (profile, skipped) in profiles.into_iter().zip(skips) {
        report.profiles.push(ProfileReport {
            name: profile.name,
            assumed: profile.assumed,
            skips: profile.target.map(|_| skipped),
        });
    }
    dedup(&mut report.errors);
    dedup(&mut report.warnings);
    report
}

/// A profile of `targets.yaml`, read for `check`.
struct Profile {
    name: String,
    /// The variables read with stand-ins.
    assumed: Vec<String>,
    /// The target and what it offers (`None` when its fixture cannot be read), or why it cannot be read.
    target: Result<(TargetConfig, Option<crate::validate::Roster>), String>,
}

/// The stand-in for a variable a profile needs and this environment lacks: a value every field accepts
/// (it is a host, a URL's user, an address and an identifier alike).
const STAND_IN: &str = "check.invalid";

/// Every profile of `root/targets.yaml` (just `mock` without the file), each read with this environment
/// and `.env`, and stand-ins for the variables neither sets.
fn read_profiles(root: &Path, report: &mut CheckReport) -> Vec<Profile> {
    let text = match std::fs::read_to_string(root.join(PROFILE_FILE)) {
        Ok(text) => Some(text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => {
            report
                .project_errors
                .push(format!("cannot read `{PROFILE_FILE}`: {error}"));
            return Vec::new();
        }
    };
    let names: Vec<String> = match &text {
        None => vec!["mock".to_owned()],
        Some(text) => match serde_yaml::from_str::<serde_yaml::Mapping>(text) {
            Ok(profiles) => profiles
                .keys()
                .filter_map(|key| key.as_str().map(str::to_owned))
                .collect(),
            Err(error) => {
                report
                    .project_errors
                    .push(format!("cannot read `{PROFILE_FILE}`: {error}"));
                return Vec::new();
            }
        },
    };
    let mut vars: BTreeMap<String, String> = std::env::vars().collect();
    if let Ok(entries) = dotenvy::from_path_iter(root.join(".env")) {
        for (name, value) in entries.flatten() {
            vars.entry(name).or_insert(value);
        }
    }
    names
        .into_iter()
        .map(|name| {
            let mut vars = vars.clone();
            let mut assumed = Vec::new();
            // The profile's error names every missing variable at once: stand-ins for all of them,
            // then one more try (a stand-in cannot make a variable go missing).
            let mut target = TargetConfig::from_profiles(text.as_deref(), &name, &vars, root);
            if let Err(TargetError::MissingVariables { missing, .. }) = &target {
                for variable in missing.0.iter().map(|missing| missing.variable.clone()) {
                    if vars.insert(variable.clone(), STAND_IN.to_owned()).is_none() {
                        assumed.push(variable);
                    }
                }
                target = TargetConfig::from_profiles(text.as_deref(), &name, &vars, root);
            }
            let target = target
                .map(|target| {
                    let roster = crate::suite::gate::target_roster(&target).ok();
                    (target, roster)
                })
                .map_err(|error| error.to_string());
            Profile {
                name,
                assumed,
                target,
            }
        })
        .collect()
}

/// Drops repeats (a broken flow's problems come with every scenario that uses it), keeping the first.
fn dedup(diagnostics: &mut Vec<Diagnostic>) {
    let mut seen: Vec<Diagnostic> = Vec::with_capacity(diagnostics.len());
    diagnostics.retain(|diagnostic| {
        if seen.contains(diagnostic) {
            return false;
        }
        seen.push(diagnostic.clone());
        true
    });
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for error in &self.project_errors {
            writeln!(f, "error: {error}\n")?;
        }
        for diagnostic in self.errors.iter().chain(&self.warnings) {
            writeln!(f, "{diagnostic}\n")?;
        }
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let loaded = format!(
            "{} that load{}",
            plural(self.loaded, "scenario trial"),
            if self.loaded == 1 { "s" } else { "" }
        );
        for profile in &self.profiles {
            let assumed = if profile.assumed.is_empty() {
                String::new()
            } else {
                format!(
                    " (read with stand-ins for {}, not set here)",
                    profile
                        .assumed
                        .iter()
                        .map(|variable| format!("`{variable}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            match &profile.skips {
                Err(error) => {
                    let error = error.replace('\n', "\n  ");
                    writeln!(
                        f,
                        "profile `{}`{assumed}: cannot be read: {error}",
                        profile.name
                    )?;
                }
                Ok(skips) if skips.is_empty() => writeln!(
                    f,
                    "profile `{}`{assumed}: skips none of the {loaded}",
                    profile.name
                )?,
                Ok(skips) => {
                    writeln!(
                        f,
                        "profile `{}`{assumed}: would skip {} of the {loaded}:",
                        profile.name,
                        skips.len()
                    )?;
                    for (trial, reason) in skips {
                        writeln!(f, "  skip {trial}: {reason}")?;
                    }
                }
            }
        }
        write!(
            f,
            "\nchecked {} and {}: {}, {}",
            plural(self.trials, "scenario trial"),
            plural(self.flows, "flow"),
            plural(self.errors.len() + self.project_errors.len(), "error"),
            plural(self.warnings.len(), "warning"),
        )
    }
}
