//! TLS configuration for servers and clients (rustls with the ring provider).
//!
//! gRPC over TLS is HTTP/2 negotiated with ALPN `h2` (gRPC PROTOCOL-HTTP2.md).
//! Both sides offer only `h2`. A server whose client offers other protocols
//! but not `h2` fails the handshake (`no_application_protocol`, RFC 7301
//! §3.2); a client that offers no ALPN at all is let through and treated as
//! HTTP/2 with prior knowledge, since gRPC peers always speak h2.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig};

use super::error::NetError;

/// The ALPN protocol id of HTTP/2 over TLS (RFC 9113 §3.2).
pub const ALPN_H2: &[u8] = b"h2";

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn config_error(e: impl std::fmt::Display) -> NetError {
    NetError::TlsConfig(e.to_string())
}

fn read_file(path: &Path, what: &str) -> Result<Vec<u8>, NetError> {
    std::fs::read(path).map_err(|e| NetError::Pem {
        what: format!("{what} from {}", path.display()),
        detail: e.to_string(),
    })
}

/// Parses every `CERTIFICATE` block of a PEM document.
pub fn certificates_from_pem(
    pem: &[u8],
    what: &str,
) -> Result<Vec<CertificateDer<'static>>, NetError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| NetError::Pem {
            what: what.to_string(),
            detail: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(NetError::Pem {
            what: what.to_string(),
            detail: "no CERTIFICATE block found".to_string(),
        });
    }
    Ok(certs)
}

/// Parses the first private key (PKCS#8, PKCS#1 or SEC1) of a PEM document.
pub fn private_key_from_pem(pem: &[u8], what: &str) -> Result<PrivateKeyDer<'static>, NetError> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| NetError::Pem {
        what: what.to_string(),
        detail: e.to_string(),
    })
}

fn root_store(ca_pem: &[u8], what: &str) -> Result<RootCertStore, NetError> {
    let mut roots = RootCertStore::empty();
    for cert in certificates_from_pem(ca_pem, what)? {
        roots.add(cert).map_err(|e| NetError::Pem {
            what: what.to_string(),
            detail: e.to_string(),
        })?;
    }
    Ok(roots)
}

/// Whether a TLS server asks clients for a certificate (mutual TLS).
#[derive(Debug, Clone, Default)]
pub enum ClientAuth {
    /// No client certificate is asked for.
    #[default]
    None,
    /// A client must present a certificate issued by one of these CAs (PEM);
    /// a client without one fails the handshake.
    Required {
        /// The trusted CA certificates, PEM.
        ca_pem: Vec<u8>,
    },
    /// A client may present a certificate; if it does, it must be issued by
    /// one of these CAs (PEM).
    Optional {
        /// The trusted CA certificates, PEM.
        ca_pem: Vec<u8>,
    },
}

/// A TLS server configuration: certificate chain, key, ALPN `h2`, client auth.
#[derive(Debug, Clone)]
pub struct ServerTls {
    pub(crate) config: Arc<ServerConfig>,
}

impl ServerTls {
    /// Reads the certificate chain (end entity first) and private key from
    /// PEM files.
    pub fn from_pem_files(
        cert_chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
        client_auth: ClientAuth,
    ) -> Result<Self, NetError> {
        let chain_path = cert_chain.as_ref();
        let key_path = key.as_ref();
        let chain = read_file(chain_path, "server certificate chain")?;
        let key = read_file(key_path, "server private key")?;
        Self::from_pem(&chain, &key, client_auth)
    }

    /// Builds the configuration from PEM bytes.
    pub fn from_pem(
        cert_chain: &[u8],
        key: &[u8],
        client_auth: ClientAuth,
    ) -> Result<Self, NetError> {
        let chain = certificates_from_pem(cert_chain, "server certificate chain")?;
        let key = private_key_from_pem(key, "server private key")?;
        let builder = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(config_error)?;
        let builder = match client_auth {
            ClientAuth::None => builder.with_no_client_auth(),
            ClientAuth::Required { ca_pem } => {
                let roots = root_store(&ca_pem, "client CA certificates")?;
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                        .build()
                        .map_err(config_error)?;
                builder.with_client_cert_verifier(verifier)
            }
            ClientAuth::Optional { ca_pem } => {
                let roots = root_store(&ca_pem, "client CA certificates")?;
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                        .allow_unauthenticated()
                        .build()
                        .map_err(config_error)?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let mut config = builder.with_single_cert(chain, key).map_err(config_error)?;
        config.alpn_protocols = vec![ALPN_H2.to_vec()];
        Ok(ServerTls {
            config: Arc::new(config),
        })
    }

    /// Uses a rustls configuration built by the caller as is (its ALPN list included).
    pub fn from_config(config: Arc<ServerConfig>) -> Self {
        ServerTls { config }
    }
}

/// Which certificate authorities a TLS client trusts.
#[derive(Debug, Clone, Default)]
enum Trust {
    /// The Mozilla root program, as shipped by webpki-roots.
    #[default]
    WebPki,
    /// Only the CA certificates of this PEM document.
    CaPem(Vec<u8>),
}

/// Builds a [`ClientTls`]: which CAs to trust, an optional client
/// certificate, and the server name to verify.
#[derive(Debug, Clone, Default)]
pub struct ClientTlsBuilder {
    trust: Trust,
    identity: Option<(Vec<u8>, Vec<u8>)>,
}

impl ClientTlsBuilder {
    /// Trusts only the CA certificates in this PEM document instead of the
    /// public web roots.
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.trust = Trust::CaPem(pem.into());
        self
    }

    /// Reads the trusted CA certificates from a PEM file.
    pub fn ca_pem_file(self, path: impl AsRef<Path>) -> Result<Self, NetError> {
        let pem = read_file(path.as_ref(), "CA certificates")?;
        Ok(self.ca_pem(pem))
    }

    /// Presents this certificate chain and key (PEM) when the server asks
    /// (mutual TLS).
    pub fn client_identity_pem(
        mut self,
        cert_chain: impl Into<Vec<u8>>,
        key: impl Into<Vec<u8>>,
    ) -> Self {
        self.identity = Some((cert_chain.into(), key.into()));
        self
    }

    /// Finishes the configuration. `server_name` is sent as SNI and the
    /// server's certificate must be valid for it; it may differ from the
    /// address connected to (a name override).
    pub fn build(self, server_name: &str) -> Result<ClientTls, NetError> {
        let server_name = ServerName::try_from(server_name.to_string())
            .map_err(|e| NetError::TlsConfig(format!("server name {server_name:?}: {e}")))?;
        let roots = match &self.trust {
            Trust::WebPki => RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            },
            Trust::CaPem(pem) => root_store(pem, "CA certificates")?,
        };
        let builder = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(config_error)?
            .with_root_certificates(roots);
        let mut config = match &self.identity {
            None => builder.with_no_client_auth(),
            Some((chain, key)) => {
                let chain = certificates_from_pem(chain, "client certificate chain")?;
                let key = private_key_from_pem(key, "client private key")?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(config_error)?
            }
        };
        config.alpn_protocols = vec![ALPN_H2.to_vec()];
        Ok(ClientTls {
            config: Arc::new(config),
            server_name,
        })
    }
}

/// A TLS client configuration and the server name to verify.
#[derive(Debug, Clone)]
pub struct ClientTls {
    pub(crate) config: Arc<ClientConfig>,
    pub(crate) server_name: ServerName<'static>,
}

impl ClientTls {
    /// Starts a configuration that trusts the public web roots, offers ALPN
    /// `h2`, and presents no client certificate.
    pub fn builder() -> ClientTlsBuilder {
        ClientTlsBuilder::default()
    }

    /// Uses a rustls configuration built by the caller as is.
    pub fn from_config(config: Arc<ClientConfig>, server_name: ServerName<'static>) -> Self {
        ClientTls {
            config,
            server_name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_errors_say_what_was_missing() {
        let err = certificates_from_pem(b"not pem", "CA certificates").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot load CA certificates: no CERTIFICATE block found"
        );
        let err = private_key_from_pem(b"", "server private key").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot load server private key: "),
            "{err}"
        );
        let err = ClientTls::builder().build("bad name!").unwrap_err();
        assert!(matches!(err, NetError::TlsConfig(_)), "{err:?}");
        assert!(ClientTls::builder().build("example.com").is_ok());
    }
}
