//! TLS to PostgreSQL with libpq's meanings of `sslmode`, which the driver reads only in part
//! (`disable`, `prefer`, `require`):
//!
//! - `prefer` (the default) and `require` encrypt without checking who answers, as libpq does,
//!   unless `sslrootcert=PATH` names the CA to trust: then the chain is checked (libpq's
//!   behaviour when a root certificate is present);
//! - `verify-ca` checks the certificate chain against `sslrootcert` (Mozilla's roots without
//!   it), not the host name;
//! - `verify-full` checks the chain and that the certificate names the host.
//!
//! `sslrootcert` and the verify modes are taken out of the URL before the driver sees it.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use std::path::PathBuf;
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// How much of the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// Encrypted, but anyone may answer (libpq's `prefer` and `require`).
    Nothing,
    /// The chain up to a trusted root, whatever name it carries (`verify-ca`).
    Chain,
    /// The chain and the host name (`verify-full`).
    Full,
}

/// What the URL asks of TLS beyond what the driver reads itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsWish {
    pub verify: Verify,
    /// `sslrootcert`: a PEM file of the CA certificates to trust instead of Mozilla's roots.
    pub root_cert: Option<PathBuf>,
}

/// The URL the driver reads (verify modes mapped to `require`, `sslrootcert` taken out) and
/// what the TLS check must do.
pub fn split(url: &str) -> (String, TlsWish) {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q),
        None => (url, ""),
    };
    let mut mode = None;
    let mut root_cert = None;
    let mut kept: Vec<String> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decoded = percent_encoding::percent_decode_str(value)
            .decode_utf8_lossy()
            .into_owned();
        match name {
            "sslrootcert" => root_cert = Some(PathBuf::from(decoded)),
            "sslmode" => {
                mode = Some(decoded.clone());
                let driver = match decoded.as_str() {
                    "verify-ca" | "verify-full" => "require",
                    other => other,
                };
                kept.push(format!("sslmode={driver}"));
            }
            _ => kept.push(pair.to_string()),
        }
    }
    let verify = match mode.as_deref() {
        Some("verify-full") => Verify::Full,
        Some("verify-ca") => Verify::Chain,
        _ if root_cert.is_some() => Verify::Chain,
        _ => Verify::Nothing,
    };
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (url, TlsWish { verify, root_cert })
}

/// The connector for `wish`, through rustls with ring as the HTTP client uses.
pub fn connector(wish: &TlsWish) -> Result<MakeRustlsConnect, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore { roots: Vec::new() };
    match &wish.root_cert {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("sslrootcert {}: {e}", path.display()))?;
            for c in certs {
                let c = c.map_err(|e| format!("sslrootcert {}: {e}", path.display()))?;
                roots
                    .add(c)
                    .map_err(|e| format!("sslrootcert {}: {e}", path.display()))?;
            }
            if roots.is_empty() {
                return Err(format!(
                    "sslrootcert {}: no PEM certificate in the file",
                    path.display()
                ));
            }
        }
        None => roots.roots = webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let config = match wish.verify {
        Verify::Full => builder.with_root_certificates(roots).with_no_client_auth(),
        Verify::Chain => {
            let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| e.to_string())?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyName(inner)))
                .with_no_client_auth()
        }
        Verify::Nothing => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(EncryptOnly(provider)))
            .with_no_client_auth(),
    };
    Ok(MakeRustlsConnect::new(config))
}

/// `verify-ca`: the webpki chain check, with a name mismatch forgiven.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `prefer` and `require` without a root certificate: any certificate, but the handshake's
/// signatures are still checked, so the session is encrypted to whoever holds the key.
#[derive(Debug)]
struct EncryptOnly(Arc<CryptoProvider>);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_modes_and_root_certs_leave_the_url() {
        let (url, w) = split(
            "postgres://u@h/db?sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem&application_name=x",
        );
        assert_eq!(url, "postgres://u@h/db?sslmode=require&application_name=x");
        assert_eq!(w.verify, Verify::Full);
        assert_eq!(w.root_cert, Some(PathBuf::from("/tmp/ca.pem")));
        let (url, w) = split("postgres://u@h/db?sslmode=require");
        assert_eq!(url, "postgres://u@h/db?sslmode=require");
        assert_eq!(w.verify, Verify::Nothing);
        let (_, w) = split("postgres://u@h/db?sslmode=require&sslrootcert=ca.pem");
        assert_eq!(w.verify, Verify::Chain);
        let (url, w) = split("postgres://u@h/db");
        assert_eq!(
            (url.as_str(), w.verify),
            ("postgres://u@h/db", Verify::Nothing)
        );
    }
}
