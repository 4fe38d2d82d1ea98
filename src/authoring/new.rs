//! `passwordless-conformance new`: a commented starting scenario or flow, written where asked, never over a
//! file that exists.
//!
//! Takes the project folder, a path under `scenarios/` (the default) or `flows/`, and optionally what to start
//! from, and writes: a commented scenario (ask for a code, read it, exchange it) or flow; a copy of a scenario;
//! a scenario that uses a flow (its params listed, with their descriptions and defaults); or a copy of a flow
//! under its new name. Each starts with the `yaml-language-server` modeline that points editors at the
//! committed schema. What it writes passes `check` as written (tested), so a person starts from green.

use std::path::{Component, Path, PathBuf};

use crate::scenario::{Flow, split_trial_id};
use crate::validate::{FlowEntry, ProjectContext};

/// Why nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    /// The file exists.
    #[error(
        "`{path}` already exists\nhint: `new` never overwrites: pick another name, or edit the file"
    )]
    Exists {
        /// The file.
        path: String,
    },
    /// The path leaves the project, or is not a YAML file name.
    #[error(
        "cannot write a scenario at `{path}`: {why}\nhint: give a path like `scenarios/passwordless/my_login.yaml` or `flows/my_flow.yaml`"
    )]
    BadPath {
        /// The path as given.
        path: String,
        /// What is wrong with it.
        why: String,
    },
    /// `--from` names nothing.
    #[error("no scenario or flow `{name}` to start from\nhint: {hint}")]
    UnknownFrom {
        /// What `--from` said.
        name: String,
        /// What exists.
        hint: String,
    },
    /// `--from` names something that cannot become what is asked for.
    #[error("cannot start {what} from `{name}`\nhint: {hint}")]
    CannotStart {
        /// `a flow`, `a scenario`.
        what: &'static str,
        /// What `--from` said.
        name: String,
        /// Why, and what to do.
        hint: String,
    },
    /// Reading or writing failed.
    #[error("cannot {action} `{path}`: {error}")]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: String,
        /// What the system said.
        error: std::io::Error,
    },
}

/// What a new file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Scenario,
    Flow,
}

/// Writes a starting file at `path` (relative to `root`; under `scenarios/` unless it starts with `flows/`,
/// `.yaml` added when it has no extension), from `from` when given. Gives the path written, relative to
/// `root` with `/` separators.
pub fn new_file(root: &Path, path: &Path, from: Option<&str>) -> Result<String, NewError> {
    let (relative, kind) = place(path)?;
    let shown = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    let stem = relative
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    let depth = relative.components().count().saturating_sub(1);
    let schema_file = match kind {
        Kind::Scenario => "scenario.schema.json",
        Kind::Flow => "flow.schema.json",
    };
    let modeline = format!(
        "# yaml-language-server: $schema={}{schema_file}\n",
        "../".repeat(depth)
    );
    let text = match (kind, from) {
        (Kind::Scenario, None) => format!("{modeline}{}", scenario_template(&stem)),
        (Kind::Flow, None) => {
            refuse_taken_name(root, &stem)?;
            format!("{modeline}{}", flow_template(&stem))
        }
        (kind, Some(from)) => started_from(root, kind, from, &stem, &modeline)?,
    };
    let full = root.join(&relative);
    if let Some(parent) = full.parent() {
        std::fs::create_dir_all(parent).map_err(|error| NewError::Io {
            action: "write",
            path: shown.clone(),
            error,
        })?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&full)
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::AlreadyExists => NewError::Exists {
                path: shown.clone(),
            },
            _ => NewError::Io {
                action: "write",
                path: shown.clone(),
                error,
            },
        })?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|error| NewError::Io {
        action: "write",
        path: shown.clone(),
        error,
    })?;
    Ok(shown)
}

/// The path under the project and what it holds.
fn place(path: &Path) -> Result<(PathBuf, Kind), NewError> {
    let bad = |why: &str| NewError::BadPath {
        path: path.display().to_string(),
        why: why.to_owned(),
    };
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::CurDir => {}
            _ => {
                return Err(bad(
                    "it must stay inside the project (no absolute path, no `..`)",
                ));
            }
        }
    }
    let kind = match parts.first().map(String::as_str) {
        Some("flows") => Kind::Flow,
        Some("scenarios") => Kind::Scenario,
        Some(_) => {
            parts.insert(0, "scenarios".to_owned());
            Kind::Scenario
        }
        None => return Err(bad("it is empty")),
    };
    if parts.len() < 2 {
        return Err(bad("it names a folder, not a file"));
    }
    let mut relative: PathBuf = parts.iter().collect();
    match relative.extension().and_then(|ext| ext.to_str()) {
        None => {
            relative.set_extension("yaml");
        }
        Some("yaml" | "yml") => {}
        Some(other) => return Err(bad(&format!("`.{other}` is not a YAML file name"))),
    }
    Ok((relative, kind))
}

/// `my_login` → `my login`.
fn words(stem: &str) -> String {
    stem.replace(['_', '-'], " ")
}

fn scenario_template(stem: &str) -> String {
    format!(
        r#"# A scenario: its steps run in order against the target (the embedded mock unless
# CONFORMANCE_TARGET names a profile of targets.yaml). `passwordless-conformance check` reads it
# without sending anything; `cargo test --test scenarios -- <its path>` runs it. Every key is
# described in README.md and, with the schema above, on hover in your editor.
name: {name}
description: What this scenario proves, in a sentence.
tags: [email]
requires: [outbox]              # `otp` steps read sent codes; add `clock` to move the clock
steps:
  - name: ask for a code by email
    request:
      method: POST
      path: /passwordless/start
      json:                     # or `form:`, or `body:` with `encoding: json | form`
        client_id: "{{{{ clients.native.client_id }}}}"
        connection: "{{{{ connections.email }}}}"
        email: "{{{{ users.email_user.email }}}}"   # a user made up for this trial
        send: code
    expect:
      status: 200
  - name: read the code
    otp:
      to: "{{{{ users.email_user.email }}}}"        # captures `code`
  - name: exchange the code for tokens
    request:
      method: POST
      path: /oauth/token
      json:
        grant_type: http://auth0.com/oauth/grant-type/passwordless/otp
        client_id: "{{{{ clients.native.client_id }}}}"
        username: "{{{{ users.email_user.email }}}}"
        otp: "{{{{ code }}}}"
        realm: "{{{{ connections.email }}}}"
        scope: openid
    expect:
      status: 200
      # schema: token-success.json   # a file of schemas/ the body must match
      body:                     # a JSONPath and what it must match
        $.token_type: Bearer
        $.id_token: {{ type: string }}
    capture:
      access_token: $.access_token   # later steps can use {{{{ access_token }}}}
"#,
        name = words(stem)
    )
}

fn flow_template(stem: &str) -> String {
    format!(
        r#"# A flow: steps that scenarios (and other flows) run in place with `use: {stem}` and
# `with: {{ param: value }}`. Its params are visible to its own steps only; what its steps
# capture stays visible to the caller's later steps. In reports its steps are named
# `<calling step> › <step>`.
name: {stem}
description: What these steps do, in a sentence.
params:
  email:                        # no default: the caller must give it
    description: The address the code is sent to.
  client_id:
    default: "{{{{ clients.native.client_id }}}}"
    description: The application that asks.
steps:
  - name: ask for a code by email
    request:
      method: POST
      path: /passwordless/start
      json:
        client_id: "{{{{ client_id }}}}"
        connection: "{{{{ connections.email }}}}"
        email: "{{{{ email }}}}"
        send: code
    expect:
      status: 200
  - name: read the code
    otp:
      to: "{{{{ email }}}}"
      channel: email            # says the channel, so listing can tell which targets can read it
"#
    )
}

/// The text of a file started from `from`.
fn started_from(
    root: &Path,
    kind: Kind,
    from: &str,
    stem: &str,
    modeline: &str,
) -> Result<String, NewError> {
    let (file_id, _) = split_trial_id(from.strip_prefix("scenarios/").unwrap_or(from));
    let scenario = [
        file_id.to_owned(),
        format!("{file_id}.yaml"),
        format!("{file_id}.yml"),
    ]
    .into_iter()
    .map(|candidate| root.join("scenarios").join(candidate))
    .find(|path| path.is_file() && !file_id.is_empty());
    if let Some(path) = scenario {
        if kind == Kind::Flow {
            return Err(NewError::CannotStart {
                what: "a flow",
                name: from.to_owned(),
                hint: "it is a scenario: start a scenario from it, or write the flow with `new flows/<name>.yaml`".to_owned(),
            });
        }
        let text = read(&path, &format!("scenarios/{file_id}"))?;
        return Ok(format!(
            "{modeline}# Started from scenarios/{file_id}.\n{}",
            without_modeline(&text)
        ));
    }
    let project = ProjectContext::load(root);
    let Some((id, entry)) = project.flows.find(from) else {
        let flows: Vec<&str> = project.flows.entries().map(|(id, _)| id).collect();
        let hint = if flows.is_empty() {
            "give a scenario's path under scenarios/ or a flow's name or path under flows/"
                .to_owned()
        } else {
            format!(
                "give a scenario's path under scenarios/, or a flow: {}",
                flows
                    .iter()
                    .map(|id| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(NewError::UnknownFrom {
            name: from.to_owned(),
            hint,
        });
    };
    let FlowEntry::Ready { flow, .. } = entry else {
        return Err(NewError::CannotStart {
            what: if kind == Kind::Flow {
                "a flow"
            } else {
                "a scenario"
            },
            name: from.to_owned(),
            hint: format!("flows/{id} has problems: `passwordless-conformance check` lists them"),
        });
    };
    match kind {
        Kind::Scenario => Ok(format!("{modeline}{}", scenario_using(flow, id, stem))),
        Kind::Flow => {
            refuse_taken_name(root, stem)?;
            let text = read(&flow.source.path, &format!("flows/{id}"))?;
            Ok(format!(
                "{modeline}# Started from flows/{id}.\n{}",
                renamed(without_modeline(&text), stem)
            ))
        }
    }
}

/// A scenario whose one step uses `flow`, with its params listed.
fn scenario_using(flow: &Flow, id: &str, stem: &str) -> String {
    let mut text = format!(
        "# Started from flows/{id}: a scenario that uses the flow `{}`, then checks what follows.\n",
        flow.name
    );
    if let Some(description) = &flow.description {
        text.push_str(&comment(description, ""));
    }
    text.push_str(&format!(
        "name: {}\ndescription: What this scenario proves, in a sentence.\n",
        words(stem)
    ));
    if !flow.linked.needs.is_empty() {
        let needs: Vec<&str> = flow.linked.needs.iter().map(|need| need.as_str()).collect();
        text.push_str(&format!("requires: [{}]\n", needs.join(", ")));
    }
    text.push_str(&format!(
        "steps:\n  - name: {}\n    use: {}\n",
        words(&flow.name),
        flow.name
    ));
    if !flow.params.is_empty() {
        text.push_str("    with:\n");
        for param in &flow.params {
            if let Some(description) = &param.description {
                text.push_str(&comment(description, "      "));
            }
            match &param.default {
                None => text.push_str(&format!(
                    "      {}: \"TODO\"              # required: give the value\n",
                    param.name
                )),
                Some(default) => text.push_str(&format!(
                    "      # {}: {}   # the default\n",
                    param.name,
                    serde_json::to_string(default).unwrap_or_default()
                )),
            }
        }
    }
    if !flow.linked.captures.is_empty() {
        text.push_str(&format!(
            "  # The flow's captures are usable from here on: {}.\n",
            flow.linked
                .captures
                .iter()
                .map(|capture| format!("{{{{ {capture} }}}}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    text
}

/// `text` as `# ` comment lines indented by `indent`, wrapped before 100 columns.
fn comment(text: &str, indent: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent.len() + 2 + line.len() + 1 + word.len() > 100 {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
        .iter()
        .map(|line| format!("{indent}# {line}\n"))
        .collect()
}

/// Refuses a flow name another flow has: `use:` could not tell them apart.
fn refuse_taken_name(root: &Path, stem: &str) -> Result<(), NewError> {
    let project = ProjectContext::load(root);
    if let Some((id, _)) = project.flows.find(stem) {
        return Err(NewError::CannotStart {
            what: "a flow",
            name: stem.to_owned(),
            hint: format!(
                "a flow's name is its file's stem, and flows/{id} already answers to `{stem}`: pick another file name"
            ),
        });
    }
    Ok(())
}

fn read(path: &Path, shown: &str) -> Result<String, NewError> {
    std::fs::read_to_string(path).map_err(|error| NewError::Io {
        action: "read",
        path: shown.to_owned(),
        error,
    })
}

/// The text without a first line that is a `yaml-language-server` modeline.
fn without_modeline(text: &str) -> &str {
    match text.split_once('\n') {
        Some((first, rest)) if first.starts_with("# yaml-language-server:") => rest,
        _ => text,
    }
}

/// The flow text with its top-level `name:` set to `name`.
fn renamed(text: &str, name: &str) -> String {
    let mut done = false;
    text.lines()
        .map(|line| {
            if !done && line.starts_with("name:") {
                done = true;
                format!("name: {name}")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}
