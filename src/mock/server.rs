//! Running the mock: in-process for tests ([`MockServer`]) or standalone ([`serve`]).
//!
//! [`MockServer::start`] binds `127.0.0.1:0` on the current tokio runtime (a `current_thread`
//! runtime is fine) and shuts down gracefully when dropped. [`serve`] is what the CLI's `mock`
//! command calls: it listens on a chosen address, over plain HTTP or TLS (rustls with the
//! aws-lc-rs provider), reports the public URL as a [`MockEvent::Listening`], and stops on
//! Ctrl-C or SIGTERM. Both run on axum-server, so plain HTTP and TLS shut down alike: no new
//! connection is accepted from the signal on, requests in flight get [`SHUTDOWN_GRACE`] (2 s)
//! to finish, and then every connection is closed, even one whose client sent half a request
//! or half a TLS handshake. Nothing here prints.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use axum_server::Handle;
use tokio::task::JoinHandle;

use super::clock::Clock;
use super::events::{EventSink, MockEvent};
use super::router::router;
use super::smtp::SmtpSettings;
use super::state::AppState;
use super::tenant::Tenant;

/// How long requests in flight may take to finish after a shutdown signal, before their
/// connections are closed.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// A mock tenant serving on `127.0.0.1` on an ephemeral port; dropping it shuts the server down.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use passwordless_conformance::mock::{MockServer, Tenant};
/// let server = MockServer::start(Tenant::builtin()).await?;
/// assert!(server.base_url().starts_with("http://127.0.0.1:"));
/// # Ok::<(), std::io::Error>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct MockServer {
    state: AppState,
    base_url: String,
    handle: Handle<SocketAddr>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl MockServer {
    /// Binds `127.0.0.1:0` and serves `tenant` on the current tokio runtime, on a frozen clock
    /// (a trial's mock: time moves only when the trial moves it, so expiry checks never race the
    /// machine's speed).
    pub async fn start(tenant: Tenant) -> io::Result<MockServer> {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let state = AppState::with_clock(tenant, &base_url, EventSink::ignore(), Clock::frozen());
        let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let handle = Handle::new();
        let server = axum_server::from_tcp(listener)?.handle(handle.clone());
        let task = tokio::spawn(server.serve(app));
        Ok(MockServer {
            state,
            base_url,
            handle,
            task: Some(task),
        })
    }

    /// The base URL, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The tenant fixture being served.
    pub fn tenant(&self) -> &Tenant {
        self.state.tenant()
    }

    /// The live state (clock, outbox, users), for tests that skip the control API.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops accepting connections and waits until the open ones are finished, at most
    /// [`SHUTDOWN_GRACE`].
    pub async fn shutdown(mut self) -> io::Result<()> {
        self.handle.graceful_shutdown(Some(SHUTDOWN_GRACE));
        match self.task.take() {
            Some(task) => task.await.map_err(io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if self.task.is_some() {
            self.handle.graceful_shutdown(Some(SHUTDOWN_GRACE));
        }
    }
}

/// A certificate chain and private key, both PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain (PEM).
    pub cert: PathBuf,
    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// How to run the mock standalone.
///
/// ```
/// use passwordless_conformance::mock::{ServeOptions, Tenant};
/// let options = ServeOptions::new("127.0.0.1:0".parse().unwrap(), Tenant::builtin());
/// assert!(options.tls.is_none());
/// ```
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The address to listen on, e.g. `127.0.0.1:8080`; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The URL clients reach the mock under; it becomes the issuer (`{public_url}/`), the
    /// discovery endpoints and the base of magic links. The default value is the listen URL
    /// (`http://` or `https://` by `tls`, with `127.0.0.1` for an unspecified address).
    pub public_url: Option<String>,
    /// The tenant to serve.
    pub tenant: Tenant,
    /// Serve HTTPS with these files. The default value (`None`) is plain HTTP.
    pub tls: Option<TlsFiles>,
    /// Deliver e-mails to this SMTP server too (the CLI's `--smtp HOST:PORT`), replacing the
    /// tenant fixture's `smtp:`. The default value (`None`) keeps the fixture's settings.
    pub smtp: Option<SmtpSettings>,
    /// Where events (listening, failed SMTP deliveries, shutting down) go. The default value
    /// drops them.
    pub events: EventSink,
}

impl ServeOptions {
    /// Plain HTTP on `listen` for `tenant`, with every other option at its default.
    pub fn new(listen: SocketAddr, tenant: Tenant) -> ServeOptions {
        ServeOptions {
            listen,
            public_url: None,
            tenant,
            tls: None,
            smtp: None,
            events: EventSink::ignore(),
        }
    }
}

/// Why the standalone mock could not run.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    /// The listen address is taken or not allowed.
    #[error("cannot listen on `{addr}`: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The underlying error.
        source: io::Error,
    },
    /// A TLS file could not be read.
    #[error("cannot read TLS {what} `{}`: {source}", path.display())]
    TlsFile {
        /// `certificate` or `private key`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The TLS files were read but are not a usable certificate and key.
    #[error(
        "invalid TLS certificate `{}` or key `{}`: {source}\nhint: both must be PEM files and the key must belong to the certificate",
        cert.display(),
        key.display()
    )]
    TlsConfig {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// What rustls said.
        source: io::Error,
    },
    /// The public URL is not an absolute http(s) URL.
    #[error(
        "invalid public url `{url}`: {reason}\nhint: give an absolute URL without query or fragment, such as `https://mock.example.test`"
    )]
    PublicUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server stopped with an error.
    #[error("the mock server failed: {0}")]
    Serve(#[source] io::Error),
}

/// Serves the mock until Ctrl-C or SIGTERM, reporting `Listening` (with the public URL) and
/// `ShuttingDown` to the options' event sink.
pub async fn serve(opts: ServeOptions) -> Result<(), MockError> {
    serve_with_shutdown(opts, shutdown_signal()).await
}

/// Like [`serve`], but stops when `shutdown` completes instead of on a signal.
pub async fn serve_with_shutdown(
    opts: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), MockError> {
    let tls_config = match &opts.tls {
        Some(files) => Some(load_tls(files).await?),
        None => None,
    };
    let listener = std::net::TcpListener::bind(opts.listen).map_err(|source| MockError::Bind {
        addr: opts.listen,
        source,
    })?;
    let bound = listener.local_addr().map_err(MockError::Serve)?;
    let scheme = if tls_config.is_some() {
        "https"
    } else {
        "http"
    };
    let public_url = match &opts.public_url {
        Some(url) => checked_public_url(url)?,
        None => format!("{scheme}://{}", reachable(bound)),
    };
    let mut tenant = opts.tenant;
    if let Some(smtp) = opts.smtp {
        tenant.smtp = Some(smtp);
    }
    let events = opts.events;
    let app = router(AppState::with_events(tenant, &public_url, events.clone()))
        .into_make_service_with_connect_info::<SocketAddr>();

    let handle = Handle::new();
    let signal_handle = handle.clone();
    let signal_events = events.clone();
    let waiter = tokio::spawn(async move {
        shutdown.await;
        signal_events.emit(MockEvent::ShuttingDown {
            grace: SHUTDOWN_GRACE,
        });
        signal_handle.graceful_shutdown(Some(SHUTDOWN_GRACE));
    });
    events.emit(MockEvent::Listening { public_url });
    let served = match tls_config {
        None => match axum_server::from_tcp(listener) {
            Ok(server) => server.handle(handle).serve(app).await,
            Err(error) => Err(error),
        },
        Some(config) => match axum_server::from_tcp_rustls(listener, config) {
            Ok(server) => server.handle(handle).serve(app).await,
            Err(error) => Err(error),
        },
    };
    waiter.abort();
    served.map_err(MockError::Serve)
}

async fn load_tls(files: &TlsFiles) -> Result<axum_server::tls_rustls::RustlsConfig, MockError> {
    let read = |what: &'static str, path: &PathBuf| {
        std::fs::read(path).map_err(|source| MockError::TlsFile {
            what,
            path: path.clone(),
            source,
        })
    };
    let cert = read("certificate", &files.cert)?;
    let key = read("private key", &files.key)?;
    axum_server::tls_rustls::RustlsConfig::from_pem(cert, key)
        .await
        .map_err(|source| MockError::TlsConfig {
            cert: files.cert.clone(),
            key: files.key.clone(),
            source,
        })
}

/// The public URL without a trailing slash, if it is an absolute http(s) URL.
fn checked_public_url(url: &str) -> Result<String, MockError> {
    let invalid = |reason: &str| MockError::PublicUrl {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    let parsed = url::Url::parse(url).map_err(|error| invalid(&error.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be `http` or `https`"));
    }
    if parsed.host().is_none() {
        return Err(invalid("it has no host"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment"));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// A listen address a local client can connect to (`0.0.0.0` becomes `127.0.0.1`).
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}

/// Completes on Ctrl-C or (on Unix) SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_must_be_absolute_http_urls() {
        assert_eq!(
            checked_public_url("https://mock.example.test/").unwrap(),
            "https://mock.example.test"
        );
        assert!(checked_public_url("mock.example.test").is_err());
        assert!(checked_public_url("ftp://mock.example.test").is_err());
        assert!(checked_public_url("https://mock.example.test/?a=1").is_err());
    }

    #[test]
    fn unspecified_listen_addresses_become_loopback() {
        let addr: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(reachable(addr).to_string(), "127.0.0.1:8080");
    }
}
