//! Tests of the whole loader on valid scenarios: every feature of the language, and the model it produces.
//! (Over 600 lines on purpose: one example per feature, read top to bottom like the language's guide.)

#![allow(clippy::unwrap_used)]

use serde_json::json;

use super::*;

const FULL: &str = r#"name: Log in with an e-mailed code
description: A native app logs in with a code sent by e-mail.
tags: [email, happy-path]
requires: [outbox, clock]
steps:
  - name: send a code by email
    request:
      method: post
      path: /passwordless/start?x={{ run.id }}
      headers: { X-Request-Language: en, X-Count: 3 }
      json:
        client_id: "{{ clients.native.client_id }}"
        connection: email
        send: code
        retries: 2
        ratio: 0.5
        authParams: { scope: openid, nested: [1, true, null] }
      follow_redirects: true
    expect:
      status: 200
      schema: passwordless-start-email.json
      body:
        $.email: "{{ users.email_user.email }}"
        $._id: { type: string }
        $.refresh_token: { absent: true }
        $.error: { one_of: [invalid_grant, unauthorized_client] }
        $.scope: { regex: "openid" }
        $.access_token: { exists: true }
        $.error_uri: { equals: "https://example.com" }
        $.tags: [a, b]
        $.count: 3
        $.name: { not_equals: "", contains: "x", type: string }
        "$['odd key']":
          equals: {}
      headers:
        Content-Type: { regex: "^application/json" }
    capture:
      mfa_token: $.mfa_token
      redirect: { header: Location }
      auth_code: { header: location, query: code }
      token: { jsonpath: $.access_token, secret: true, regex: "^(.*)$" }
  - name: read the code
    otp:
      to: "{{ users.email_user.email }}"
      channel: email
      capture:
        code: code
        link: link
        text: body
        state: link_query.state
  - name: read the default capture
    otp:
      to: "{{ users.sms_user.phone_number }}"
  - name: let the code expire
    clock:
      advance: 181
  - name: exchange the code
    request:
      method: POST
      path: /oauth/token
      form:
        grant_type: http://auth0.com/oauth/grant-type/passwordless/otp
        otp: "{{ code }}"
        realm: email
        attempts: 1
    expect:
      status: [400, 403]
"#;

fn span(line: usize, col: usize) -> Span {
    Span { line, col }
}

#[test]
fn full_scenario_builds_the_expected_model() {
    let scenario = parse_scenario(FULL, "scenarios/full.yaml").unwrap();
    assert_eq!(scenario.name, "Log in with an e-mailed code");
    assert_eq!(
        scenario.description.as_deref(),
        Some("A native app logs in with a code sent by e-mail.")
    );
    assert_eq!(scenario.tags, ["email", "happy-path"]);
    assert_eq!(scenario.requires, [Capability::Outbox, Capability::Clock]);
    assert_eq!(scenario.source.display_path, "scenarios/full.yaml");
    assert_eq!(
        scenario.source.path,
        std::path::PathBuf::from("scenarios/full.yaml")
    );
    assert_eq!(scenario.source.text, FULL);
    assert_eq!(scenario.steps.len(), 5);

    let send = &scenario.steps[0];
    assert_eq!(send.name, "send a code by email");
    assert_eq!(send.span, span(6, 3));
    let StepKind::Http(http) = &send.kind else {
        panic!("step 1 is not http: {:?}", send.kind);
    };
    assert_eq!(
        http.request,
        RequestSpec {
            method: "POST".to_string(),
            path: "/passwordless/start?x={{ run.id }}".to_string(),
            headers: vec![
                ("x-request-language".to_string(), "en".to_string()),
                ("x-count".to_string(), "3".to_string()),
            ],
            body: RequestBody::Json(json!({
                "client_id": "{{ clients.native.client_id }}",
                "connection": "email",
                "send": "code",
                "retries": 2,
                "ratio": 0.5,
                "authParams": { "scope": "openid", "nested": [1, true, null] },
            })),
            follow_redirects: true,
        }
    );
    // Integers stay integers, and key order is kept.
    let RequestBody::Json(body) = &http.request.body else {
        panic!("not json");
    };
    assert!(body["retries"].is_i64());
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys[0], "client_id");

    let expect = &http.expect;
    assert_eq!(expect.status, Some(vec![200]));
    assert_eq!(
        expect.schema,
        Some(Located {
            value: "passwordless-start-email.json".to_string(),
            span: span(21, 15),
        })
    );
    let rules = |idx: usize| expect.body[idx].matcher.rules.clone();
    let paths: Vec<&str> = expect.body.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "$.email",
            "$._id",
            "$.refresh_token",
            "$.error",
            "$.scope",
            "$.access_token",
            "$.error_uri",
            "$.tags",
            "$.count",
            "$.name",
            "$['odd key']",
        ]
    );
    assert_eq!(
        rules(0),
        [MatchRule::Equals(json!("{{ users.email_user.email }}"))]
    );
    assert_eq!(rules(1), [MatchRule::Type(JsonType::String)]);
    assert_eq!(rules(2), [MatchRule::Absent(true)]);
    assert_eq!(
        rules(3),
        [MatchRule::OneOf(vec![
            json!("invalid_grant"),
            json!("unauthorized_client")
        ])]
    );
    assert_eq!(rules(4), [MatchRule::Regex("openid".to_string())]);
    assert_eq!(rules(5), [MatchRule::Exists(true)]);
    assert_eq!(rules(6), [MatchRule::Equals(json!("https://example.com"))]);
    assert_eq!(rules(7), [MatchRule::Equals(json!(["a", "b"]))]);
    assert_eq!(rules(8), [MatchRule::Equals(json!(3))]);
    assert_eq!(
        rules(9),
        [
            MatchRule::NotEquals(json!("")),
            MatchRule::Contains(json!("x")),
            MatchRule::Type(JsonType::String),
        ]
    );
    assert_eq!(rules(10), [MatchRule::Equals(json!({}))]);
    assert_eq!(expect.body[0].span, span(23, 9));
    assert_eq!(expect.body[10].span, span(33, 9));
    assert_eq!(expect.headers.len(), 1);
    assert_eq!(expect.headers[0].name, "content-type");
    assert_eq!(
        expect.headers[0].matcher.rules,
        [MatchRule::Regex("^application/json".to_string())]
    );
    assert_eq!(expect.headers[0].span, span(36, 9));

    let capture = &http.capture;
    assert_eq!(capture.len(), 4);
    assert_eq!(
        capture[0],
        CaptureSpec {
            name: "mfa_token".to_string(),
            source: CaptureSource::JsonPath("$.mfa_token".to_string()),
            query: None,
            regex: None,
            secret: false,
            span: span(38, 7),
        }
    );
    assert_eq!(
        capture[1].source,
        CaptureSource::Header("location".to_string())
    );
    assert_eq!(capture[2].query.as_deref(), Some("code"));
    assert_eq!(
        capture[3],
        CaptureSpec {
            name: "token".to_string(),
            source: CaptureSource::JsonPath("$.access_token".to_string()),
            query: None,
            regex: Some("^(.*)$".to_string()),
            secret: true,
            span: span(41, 7),
        }
    );

    assert_eq!(
        scenario.steps[1].kind,
        StepKind::Otp(OtpStep {
            to: "{{ users.email_user.email }}".to_string(),
            channel: Some(Channel::Email),
            capture: vec![
                ("code".to_string(), OtpField::Code),
                ("link".to_string(), OtpField::Link),
                ("text".to_string(), OtpField::Body),
                (
                    "state".to_string(),
                    OtpField::LinkQuery("state".to_string())
                ),
            ],
        })
    );
    assert_eq!(scenario.steps[1].span, span(42, 3));
    assert_eq!(
        scenario.steps[2].kind,
        StepKind::Otp(OtpStep {
            to: "{{ users.sms_user.phone_number }}".to_string(),
            channel: None,
            capture: vec![("code".to_string(), OtpField::Code)],
        })
    );
    assert_eq!(
        scenario.steps[3].kind,
        StepKind::Clock(ClockStep {
            advance_seconds: 181
        })
    );

    let StepKind::Http(exchange) = &scenario.steps[4].kind else {
        panic!("step 5 is not http");
    };
    assert_eq!(
        exchange.request.body,
        RequestBody::Form(vec![
            (
                "grant_type".to_string(),
                json!("http://auth0.com/oauth/grant-type/passwordless/otp")
            ),
            ("otp".to_string(), json!("{{ code }}")),
            ("realm".to_string(), json!("email")),
            ("attempts".to_string(), json!(1)),
        ])
    );
    assert_eq!(exchange.expect.status, Some(vec![400, 403]));
    assert!(!exchange.request.follow_redirects);
    assert!(exchange.capture.is_empty());
}

#[test]
fn minimal_http_step_gets_defaults() {
    let text = "name: ping\nsteps:\n- name: ping\n  request: { method: get, path: / }\n";
    let scenario = parse_scenario(text, "ping.yaml").unwrap();
    assert!(scenario.description.is_none());
    assert!(scenario.tags.is_empty());
    assert!(scenario.requires.is_empty());
    let StepKind::Http(http) = &scenario.steps[0].kind else {
        panic!("not http");
    };
    assert_eq!(http.request.method, "GET");
    assert_eq!(http.request.body, RequestBody::None);
    assert!(!http.request.follow_redirects);
    assert_eq!(http.expect, Expect::default());
    assert_eq!(scenario.steps[0].span, span(3, 1));
}

#[test]
fn anchors_and_aliases_for_whole_values_are_fine() {
    let text = "\
name: aliases
steps:
  - name: first
    request: &ping { method: GET, path: /ping }
  - name: second
    request: *ping
";
    let scenario = parse_scenario(text, "alias.yaml").unwrap();
    assert_eq!(scenario.steps.len(), 2);
    assert_eq!(scenario.steps[0].kind, scenario.steps[1].kind);
}

#[test]
fn diagnostics_come_in_source_order() {
    let text = "\
name: order
steps:
  - name: b
    request: { method: GET, path: / }
    expct: {}
  - nme: c
    request: { method: GET, path: / }
flavour: x
";
    let error = parse_scenario(text, "order.yaml").unwrap_err();
    let lines: Vec<usize> = error.diagnostics().iter().map(|d| d.span.line).collect();
    assert_eq!(lines, [5, 6, 6, 8]);
}

#[test]
fn truncated_and_mangled_files_never_panic() {
    let mut inputs: Vec<String> = Vec::new();
    for (idx, _) in FULL.char_indices() {
        inputs.push(FULL[..idx].to_string());
    }
    for (idx, _) in FULL.lines().enumerate() {
        // Drop one line, or indent it wrongly.
        let lines: Vec<&str> = FULL.lines().collect();
        let mut dropped = lines.clone();
        dropped.remove(idx);
        inputs.push(dropped.join("\n"));
        let mut shifted: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        shifted[idx] = format!("  {}", shifted[idx]);
        inputs.push(shifted.join("\n"));
    }
    inputs.extend(
        [
            "", "---", "- a", "a", "{", "[1, 2", "name: x\nsteps: {}", "name: [x]\nsteps: 5", "? complex\n: key",
            "name: x\nsteps:\n  - ", "name: x\nsteps:\n  - - - a", "\u{feff}name: é\nsteps:\n  - name: ü\n    clock: { advance: 1 }",
            "name: x\nsteps:\n- name: a\n  request: {method: GET, path: /, json: {1: a, true: b, ~: c, [1]: d}}",
            "name: x\nsteps:\n- name: a\n  request:\n    method: GET\n    path: /\n  expect:\n    body:\n      \"$.é[\": 1",
            "name: !tag x\nsteps: !!seq []",
        ]
        .map(String::from),
    );
    for input in &inputs {
        let outcome = parse_scenario(input, "mangled.yaml");
        if let Err(error) = outcome {
            // Rendering must not panic either, and a failure always says something.
            assert!(!error.to_string().is_empty());
            assert!(!error.diagnostics().is_empty());
        }
    }
}

#[test]
fn the_loader_records_what_the_scenario_references_with_where() {
    let scenario = parse_scenario(FULL, "scenarios/full.yaml").unwrap();
    let references = &scenario.references;
    assert_eq!(references.user_roles(), ["email_user", "sms_user"]);
    assert_eq!(references.client_roles(), ["native"]);
    assert!(references.env_vars().is_empty());
    // `run.id` in the path of step 1, at the name itself.
    let run = references
        .names
        .iter()
        .find(|used| used.name == TemplateName::Run(Some("id".to_string())))
        .unwrap();
    assert_eq!((run.step, run.span, run.width), (0, span(9, 38), 6));
    // `code` is read in step 5 and defined by the otp step's default capture (step 3).
    let code_use = references
        .names
        .iter()
        .find(|used| used.name.dotted() == "code")
        .unwrap();
    assert_eq!(code_use.step, 4);
    let definers: Vec<usize> = references
        .defined_before(code_use.step)
        .filter(|capture| capture.name == "code")
        .map(|capture| capture.step)
        .collect();
    assert_eq!(definers, [2, 1]);
    let captured: Vec<(&str, usize)> = references
        .captures
        .iter()
        .map(|capture| (capture.name.as_str(), capture.step))
        .collect();
    assert_eq!(
        captured,
        [
            ("mfa_token", 0),
            ("redirect", 0),
            ("auth_code", 0),
            ("token", 0),
            ("code", 1),
            ("link", 1),
            ("text", 1),
            ("state", 1),
            ("code", 2),
        ]
    );
    assert_eq!(references.schemas.len(), 1);
    assert_eq!(
        references.schemas[0].file.value,
        "passwordless-start-email.json"
    );
    let capabilities: Vec<Capability> = references
        .capabilities
        .iter()
        .map(|located| located.value)
        .collect();
    assert_eq!(capabilities, [Capability::Outbox, Capability::Clock]);
}

#[test]
fn a_template_syntax_error_is_a_load_error_at_the_value() {
    let text = "name: x\nsteps:\n  - name: a\n    request: { method: GET, path: \"/{{ x ) }}\" }\n";
    let error = parse_scenario(text, "t.yaml").unwrap_err();
    let diagnostics = error.diagnostics();
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].span, span(4, 35));
    assert!(
        diagnostics[0]
            .message
            .starts_with("invalid template in `path`")
    );
}

const MATRIX: &str = r#"name: "login by {{ channel }}"
tags: ["{{ channel }}", "n{{ n }}"]
matrix:
  channel: [email, sms]
  n: [1, 2]
steps:
  - name: get a code
    use: "code_by_{{ channel }}"
    with: { tries: "{{ n }}" }
  - name: send it
    request:
      method: POST
      path: "/x?c={{ channel }}&u={{ users.email_user.email }}"
      encoding: "{{ 'form' if channel == 'sms' else 'json' }}"
      body: { n: "{{ n }}", code: "{{ code }}" }
    expect:
      status: "{{ 200 + n }}"
"#;

#[test]
fn a_matrix_is_filled_in_for_the_combination_asked_for() {
    let first = parse_scenario(MATRIX, "m.yaml").unwrap();
    let combinations: Vec<String> = first
        .matrix
        .as_ref()
        .unwrap()
        .combinations()
        .iter()
        .map(Combination::label)
        .collect();
    assert_eq!(
        combinations,
        [
            "channel=email,n=1",
            "channel=email,n=2",
            "channel=sms,n=1",
            "channel=sms,n=2"
        ]
    );
    assert_eq!(
        first.combination.as_ref().unwrap().label(),
        "channel=email,n=1"
    );
    assert_eq!(first.name, "login by email");

    let path = std::env::temp_dir().join(format!("pc-matrix-{}.yaml", std::process::id()));
    std::fs::write(&path, MATRIX).unwrap();
    let sms = load_scenario_variant(&path, "m.yaml", Some("channel=sms,n=2")).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(sms.tags, ["sms", "n2"]);
    let StepKind::Use(call) = &sms.steps[0].kind else {
        panic!("a use step")
    };
    // Filled in where it stands, with the value's type kept.
    assert_eq!(call.flow.value, "code_by_sms");
    assert_eq!(call.with[0].value, json!(2));
    let StepKind::Http(http) = &sms.steps[1].kind else {
        panic!("a request step")
    };
    assert_eq!(http.expect.status, Some(vec![202]));
    assert!(
        matches!(&http.request.body, RequestBody::Form(fields) if fields[0] == ("n".to_string(), json!(2)))
    );
    // A template that also reads other names is left for the run, which sees the matrix values.
    assert_eq!(
        http.request.path,
        "/x?c={{ channel }}&u={{ users.email_user.email }}"
    );
    let given: Vec<&str> = sms
        .references
        .given
        .iter()
        .map(|given| given.value.as_str())
        .collect();
    assert_eq!(given, ["channel", "n"]);
}

#[test]
fn a_combination_the_matrix_lacks_is_an_error() {
    let path = std::env::temp_dir().join(format!("pc-matrix-lacks-{}.yaml", std::process::id()));
    std::fs::write(&path, MATRIX).unwrap();
    let error = load_scenario_variant(&path, "m.yaml", Some("channel=smss,n=1")).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    let message = error.to_string();
    assert!(
        message.contains("the matrix has no combination `channel=smss,n=1`"),
        "{message}"
    );
    assert!(
        message.contains("did you mean `channel=sms,n=1`?"),
        "{message}"
    );
}

#[test]
fn a_flow_file_loads_its_params_and_records_its_uses() {
    let text = r#"name: mfa_login
description: logs in
params:
  email:
  scope: { default: openid, description: what to ask for }
steps:
  - name: get a code
    use: code_by_email
    with: { email: "{{ email }}" }
  - name: exchange it
    request:
      method: POST
      path: /oauth/token
      json: { username: "{{ email }}", scope: "{{ scope }}", otp: "{{ code }}" }
"#;
    let flow = parse_flow(text, "flows/mfa_login.yaml").unwrap();
    assert_eq!(flow.name, "mfa_login");
    assert_eq!(flow.name_span, span(1, 7));
    let params: Vec<(&str, Option<&serde_json::Value>)> = flow
        .params
        .iter()
        .map(|param| (param.name.as_str(), param.default.as_ref()))
        .collect();
    assert_eq!(params, [("email", None), ("scope", Some(&json!("openid")))]);
    assert_eq!(flow.references.uses.len(), 1);
    assert_eq!(flow.references.uses[0].flow.value, "code_by_email");
    assert_eq!(flow.references.uses[0].with[0].value, "email");
    let given: Vec<&str> = flow
        .references
        .given
        .iter()
        .map(|given| given.value.as_str())
        .collect();
    assert_eq!(given, ["email", "scope"]);
    // Unlinked until the validation stage finds the flow it uses.
    assert!(matches!(&flow.steps[0].kind, StepKind::Use(call) if call.resolved.is_none()));
}

#[test]
fn a_trial_name_splits_into_its_file_and_its_combination() {
    assert_eq!(
        split_trial_id("a/b.yaml[channel=sms,n=1]"),
        ("a/b.yaml", Some("channel=sms,n=1"))
    );
    assert_eq!(split_trial_id("a/b.yml[x=y]"), ("a/b.yml", Some("x=y")));
    assert_eq!(split_trial_id("a/b.yaml"), ("a/b.yaml", None));
    assert_eq!(split_trial_id("a[b].yaml"), ("a[b].yaml", None));
}

#[test]
fn an_expect_names_its_evidence_as_one_id_or_a_list_with_where_each_was_written() {
    let scenario = parse_scenario(
        "name: n\nsteps:\n  - name: one\n    request: { method: GET, path: /a }\n    expect:\n      evidence: token.otp.expired\n  - name: two\n    request: { method: GET, path: /b }\n    expect:\n      evidence: [token.missing_client_id, token.missing_parameter]\n  - name: none\n    request: { method: GET, path: /c }\n",
        "s.yaml",
    )
    .unwrap();
    let evidence: Vec<Vec<(String, usize, usize)>> = scenario
        .steps
        .iter()
        .map(|step| match &step.kind {
            StepKind::Http(http) => http
                .expect
                .evidence
                .iter()
                .map(|id| (id.value.clone(), id.span.line, id.span.col))
                .collect(),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        evidence,
        vec![
            vec![("token.otp.expired".to_owned(), 6, 17)],
            vec![
                ("token.missing_client_id".to_owned(), 10, 18),
                ("token.missing_parameter".to_owned(), 10, 43)
            ],
            vec![],
        ]
    );
}

#[test]
fn a_matcher_may_name_the_evidence_of_its_one_check_beside_its_rules() {
    let scenario = parse_scenario(
        "name: n\nsteps:\n  - name: one\n    request: { method: GET, path: /a }\n    expect:\n      headers:\n        pragma: { equals: no-cache, evidence: wire.token_cache_headers }\n      body:\n        $.a: 1\n",
        "s.yaml",
    )
    .unwrap();
    let StepKind::Http(http) = &scenario.steps[0].kind else {
        unreachable!()
    };
    let pragma = &http.expect.headers[0].matcher;
    assert_eq!(pragma.rules, vec![MatchRule::Equals(json!("no-cache"))]);
    assert_eq!(pragma.evidence[0].value, "wire.token_cache_headers");
    assert_eq!(
        (pragma.evidence[0].span.line, pragma.evidence[0].span.col),
        (7, 47)
    );
    assert!(http.expect.body[0].matcher.evidence.is_empty());
}
