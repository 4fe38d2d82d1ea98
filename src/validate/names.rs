//! Names no template context can provide: a role, client, field or connection that no target of the project
//! offers, a `target`/`run` field that does not exist, and a capture that no earlier step defines.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::project::Roster;
use super::{Finding, Report};
use crate::diagnostic::did_you_mean;
use crate::scenario::{NameUse, References, TEMPLATE_NAMESPACES, TemplateName};
use crate::targets::identities::{CLIENT_FIELDS, RUN_FIELDS, TARGET_FIELDS, USER_FIELDS};

/// Checks every name the scenario's templates read.
/// With `captures` false, names outside the namespaces are not checked (the captures are not all known).
pub(super) fn check_names(
    references: &References,
    roster: Option<&Roster>,
    captures: bool,
    out: &mut Report<'_>,
) {
    let known_captures = captures.then(|| Captures::of(references));
    for used in &references.names {
        match &used.name {
            TemplateName::User {
                role: Some(role),
                field,
            } => {
                if let Some(roster) = roster {
                    let kind = RoleKind {
                        name: "user",
                        roles: &roster.users,
                        all_fields: &USER_FIELDS,
                    };
                    kind.check(used, role, field.as_deref(), out);
                }
            }
            TemplateName::Client {
                role: Some(role),
                field,
            } => {
                if let Some(roster) = roster {
                    let kind = RoleKind {
                        name: "client",
                        roles: &roster.clients,
                        all_fields: &CLIENT_FIELDS,
                    };
                    kind.check(used, role, field.as_deref(), out);
                }
            }
            TemplateName::Connection(Some(kind)) => {
                if let Some(roster) = roster
                    && !roster.connections.contains(kind)
                {
                    let known: Vec<&str> = roster.connections.iter().map(String::as_str).collect();
                    out.error(Finding {
                        span: used.span,
                        width: used.width,
                        message: format!("unknown connection `{kind}` in `{}`", used.name.dotted()),
                        hint: Some(hint_for(kind, &known, "connections", "no target offers it")),
                    });
                }
            }
            TemplateName::Target(Some(field)) => {
                check_fixed_field(used, "target", field, &TARGET_FIELDS, out);
            }
            TemplateName::Run(Some(field)) => {
                check_fixed_field(used, "run", field, &RUN_FIELDS, out)
            }
            TemplateName::Other { name, .. } => {
                if let Some(known_captures) = &known_captures {
                    known_captures.check(used, name, out);
                }
            }
            _ => {}
        }
    }
}

/// User roles or client roles, as the project knows them.
struct RoleKind<'a> {
    /// `user` or `client`.
    name: &'a str,
    /// Roles → the fields some target offers for them.
    roles: &'a BTreeMap<String, BTreeSet<String>>,
    /// Every field a role of this kind can have.
    all_fields: &'a [&'a str],
}

impl RoleKind<'_> {
    /// A role (and its field) must exist in some profile or fixture.
    fn check(&self, used: &NameUse, role: &str, field: Option<&str>, out: &mut Report<'_>) {
        let kind = self.name;
        let Some(fields) = self.roles.get(role) else {
            let known: Vec<&str> = self.roles.keys().map(String::as_str).collect();
            out.error(Finding {
                span: used.span,
                width: used.width,
                message: format!(
                    "unknown {kind} role `{role}` in `{}`: no target profile or tenant fixture defines it",
                    used.name.dotted()
                ),
                hint: Some(hint_for(role, &known, &format!("{kind} roles"), "")),
            });
            return;
        };
        let Some(field) = field else { return };
        if fields.contains(field) {
            return;
        }
        let offered: Vec<&str> = fields.iter().map(String::as_str).collect();
        let offers = if offered.is_empty() {
            format!("the {kind} role `{role}` offers no fields")
        } else {
            format!("`{role}` offers {}", quoted(&offered))
        };
        let (message, hint) = if self.all_fields.contains(&field) {
            let with_field: Vec<&str> = self
                .roles
                .iter()
                .filter(|(_, fields)| fields.contains(field))
                .map(|(other, _)| other.as_str())
                .collect();
            let hint = if with_field.is_empty() {
                offers
            } else {
                format!(
                    "{offers}; the {kind} roles with `{field}` are {}",
                    quoted(&with_field)
                )
            };
            (
                format!(
                    "{kind} role `{role}` has no `{field}` in any target profile or tenant fixture"
                ),
                hint,
            )
        } else {
            let hint = match did_you_mean(field, &offered)
                .or_else(|| did_you_mean(field, self.all_fields))
            {
                Some(close) => format!("did you mean `{close}`?"),
                None => offers,
            };
            (
                format!("unknown field `{field}` of {kind} role `{role}`"),
                hint,
            )
        };
        out.error(Finding {
            span: used.span,
            width: used.width,
            message,
            hint: Some(hint),
        });
    }
}

fn check_fixed_field(
    used: &NameUse,
    namespace: &str,
    field: &str,
    fields: &[&str],
    out: &mut Report<'_>,
) {
    if fields.contains(&field) {
        return;
    }
    out.error(Finding {
        span: used.span,
        width: used.width,
        message: format!("unknown field `{field}` of `{namespace}`"),
        hint: Some(hint_for(
            field,
            fields,
            &format!("fields of `{namespace}`"),
            "",
        )),
    });
}

/// The captures of a scenario, indexed so that checking every use stays linear in the file's size.
struct Captures<'r> {
    /// Each name → the steps that define it, in order.
    steps_by_name: HashMap<&'r str, Vec<usize>>,
    /// Names visible from the first step on (matrix names, a flow's params).
    given: Vec<&'r str>,
}

/// Past this many errors, unknown names get no did-you-mean: nobody reads that far, and comparing every
/// name with every capture would make a hostile file quadratic.
const MAX_SUGGESTED: usize = 100;

impl<'r> Captures<'r> {
    fn of(references: &'r References) -> Captures<'r> {
        let mut steps_by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for capture in &references.captures {
            steps_by_name
                .entry(capture.name.as_str())
                .or_default()
                .push(capture.step);
        }
        let given = references
            .given
            .iter()
            .map(|given| given.value.as_str())
            .collect();
        Captures {
            steps_by_name,
            given,
        }
    }

    /// Any other top-level name must be given (a matrix name, a param) or a capture of an earlier step.
    fn check(&self, used: &NameUse, name: &str, out: &mut Report<'_>) {
        if self.given.contains(&name) {
            return;
        }
        let step = used.step + 1;
        if let Some(steps) = self.steps_by_name.get(name) {
            if steps.first().is_some_and(|first| *first < used.step) {
                return;
            }
            let later = steps.first().copied().unwrap_or(used.step);
            let when = if later == used.step {
                "this same step defines it, after its request and checks".to_owned()
            } else {
                format!("step {} defines it", later + 1)
            };
            out.error(Finding {
                span: used.span,
                width: used.width,
                message: format!("capture `{name}` is used in step {step} before it is defined"),
                hint: Some(format!(
                    "{when}: a capture exists only from the step after the one that makes it"
                )),
            });
            return;
        }
        let hint = if out.validation.errors.len() < MAX_SUGGESTED {
            let mut earlier: Vec<&str> = self
                .steps_by_name
                .iter()
                .filter(|(_, steps)| steps.first().is_some_and(|first| *first < used.step))
                .map(|(name, _)| *name)
                .collect();
            earlier.extend(self.given.iter().copied());
            earlier.sort_unstable();
            let mut candidates = earlier.clone();
            candidates.extend(TEMPLATE_NAMESPACES.iter().copied());
            match did_you_mean(name, &candidates) {
                Some(close) => format!("did you mean `{close}`?"),
                None => {
                    let captures = if earlier.is_empty() {
                        "no captures yet".to_owned()
                    } else if self.given.is_empty() {
                        format!("the captures of earlier steps ({})", quoted(&earlier))
                    } else {
                        format!(
                            "the captures of earlier steps and the given names ({})",
                            quoted(&earlier)
                        )
                    };
                    format!(
                        "templates can use {} and {captures}",
                        quoted(TEMPLATE_NAMESPACES)
                    )
                }
            }
        } else {
            "a name is a template namespace or the capture of an earlier step".to_owned()
        };
        out.error(Finding {
            span: used.span,
            width: used.width,
            message: format!("unknown name `{name}` in step {step}: no earlier step captures it"),
            hint: Some(hint),
        });
    }
}

/// A capture may not take a given name (a matrix name in a scenario, a param in a flow): the one would hide
/// the other for the rest of the run.
/// `what` says what the given names are (`matrix name`, `param`).
pub(super) fn check_captures_keep_given_names(
    references: &References,
    what: &str,
    out: &mut Report<'_>,
) {
    for capture in &references.captures {
        let Some(given) = references
            .given
            .iter()
            .find(|given| given.value == capture.name)
        else {
            continue;
        };
        out.error(Finding {
            span: capture.span,
            width: capture.name.chars().count(),
            message: format!(
                "capture `{}` takes the name of the {what} `{}` (line {})",
                capture.name, given.value, given.span.line
            ),
            hint: Some(format!(
                "a {what} keeps its value while the steps run: give the capture another name"
            )),
        });
    }
}

/// "did you mean `x`?", or the list of what exists.
fn hint_for(word: &str, known: &[&str], what: &str, fallback: &str) -> String {
    match did_you_mean(word, known) {
        Some(close) => format!("did you mean `{close}`?"),
        None if known.is_empty() => fallback.to_owned(),
        None => format!("the {what} are {}", quoted(known)),
    }
}

/// `a`, `b`, `c` in backticks.
pub(super) fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
