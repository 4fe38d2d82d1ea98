//! A step's `capture`: named values taken from a response for later steps.

use serde_json::Value;

use super::transcript::{RecordedResponse, ResponseBody};
use crate::scenario::{CaptureSource, CaptureSpec};

/// Takes the value `spec` names out of `response`.
pub fn capture_value(spec: &CaptureSpec, response: &RecordedResponse) -> Result<Value, String> {
    let mut value = match &spec.source {
        CaptureSource::JsonPath(path) => {
            let ResponseBody::Json(body) = &response.body else {
                return Err(format!(
                    "cannot capture `{path}`: the response body is not JSON"
                ));
            };
            let parsed = super::compiled::json_path(path)
                .map_err(|error| format!("invalid JSONPath `{path}`: {error}"))?;
            let selected = parsed.query(body).all();
            match selected.as_slice() {
                [] => return Err(format!("cannot capture `{path}`: no value there")),
                [one] => (*one).clone(),
                many => Value::Array(many.iter().map(|value| (*value).clone()).collect()),
            }
        }
        CaptureSource::Header(name) => match response.header_values(name).first() {
            Some(value) => Value::String((*value).to_owned()),
            None => {
                return Err(format!(
                    "cannot capture header `{name}`: the response has none"
                ));
            }
        },
    };
    if let Some(parameter) = &spec.query {
        let text = value.as_str().ok_or_else(|| {
            format!("cannot read query parameter `{parameter}`: the value is not a string")
        })?;
        value = Value::String(query_parameter(text, parameter)?);
    }
    if let Some(pattern) = &spec.regex {
        let text = match &value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        let regex = super::compiled::regex(pattern)
            .map_err(|error| format!("invalid regex `{pattern}`: {error}"))?;
        let captures = regex
            .captures(&text)
            .ok_or_else(|| format!("regex /{pattern}/ does not match the captured value"))?;
        let group = captures
            .get(1)
            .or_else(|| captures.get(0))
            .map(|found| found.as_str());
        value = Value::String(group.unwrap_or_default().to_owned());
    }
    Ok(value)
}

/// Whether a capture must be redacted: marked `secret`, taken from a field that holds secrets
/// (the redactor's list), or from a header that carries credentials or a redirect's URL.
pub fn is_secret(spec: &CaptureSpec) -> bool {
    if spec.secret {
        return true;
    }
    match &spec.source {
        CaptureSource::JsonPath(path) => {
            let last = path
                .rsplit(['.', '[', '\''])
                .find(|part| !part.is_empty() && *part != "]")
                .unwrap_or("");
            crate::redact::is_secret_field(last.trim_end_matches([']', '\'', '"']))
        }
        CaptureSource::Header(name) => {
            name.eq_ignore_ascii_case("location") || crate::redact::is_credential_name(name)
        }
    }
}

/// The value of query parameter `name` in the URL `text`.
pub fn query_parameter(text: &str, name: &str) -> Result<String, String> {
    let url = url::Url::parse(text)
        .or_else(|_| url::Url::parse("http://relative.invalid/").and_then(|base| base.join(text)))
        .map_err(|error| format!("`{text}` is not a URL: {error}"))?;
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .ok_or_else(|| format!("the URL has no query parameter `{name}`"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn query_parameters_come_from_absolute_and_relative_urls() {
        assert_eq!(
            query_parameter("https://a.test/cb?code=x%2By&s=1", "code").unwrap(),
            "x+y"
        );
        assert_eq!(query_parameter("/cb?code=1", "code").unwrap(), "1");
        assert!(query_parameter("https://a.test/cb", "code").is_err());
    }
}
