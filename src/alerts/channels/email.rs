//! Email over SMTP (lettre): STARTTLS and AUTH when configured, plain SMTP otherwise (a local
//! relay or a loopback test sink). The Message-ID derives from the idempotency key, so a
//! retried message can be recognised as the same one.

use super::{Delivered, SendContext};
use crate::alerts::notification::{key_digest, Notification};
use crate::config::EmailChannel;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub async fn send(
    ctx: &SendContext,
    c: &EmailChannel,
    n: &Notification,
    idempotency_key: &str,
) -> Result<Delivered, String> {
    if c.to.is_empty() {
        return Err("no recipients (to) configured".into());
    }
    let from: Mailbox = c
        .from
        .parse()
        .map_err(|e| format!("from address {:?}: {e}", c.from))?;
    let mut builder = Message::builder()
        .from(from)
        .subject(n.subject())
        .message_id(Some(format!(
            "<{}@nflreadpy-betting>",
            key_digest(idempotency_key)
        )))
        .header(ContentType::TEXT_PLAIN);
    for to in &c.to {
        let mb: Mailbox = to.parse().map_err(|e| format!("recipient {to:?}: {e}"))?;
        builder = builder.to(mb);
    }
    let msg = builder
        .body(n.body())
        .map_err(|e| format!("cannot build the message: {e}"))?;
    let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.smtp_host);
    let mut transport = if c.starttls {
        builder.tls(Tls::Required(tls_parameters(c)?))
    } else {
        builder
    }
    .port(c.smtp_port)
    .timeout(Some(ctx.timeout));
    if !c.username.is_empty() {
        transport = transport.credentials(Credentials::new(
            c.username.clone(),
            c.password.expose().to_string(),
        ));
    }
    let mailer = transport.build();
    let resp = mailer
        .send(msg)
        .await
        .map_err(|e| format!("SMTP {}:{}: {e}", c.smtp_host, c.smtp_port))?;
    if resp.is_positive() {
        Ok(Delivered::Sent)
    } else {
        Err(format!(
            "SMTP {}:{} answered {}",
            c.smtp_host,
            c.smtp_port,
            resp.code()
        ))
    }
}

/// STARTTLS is required (never downgraded to plain text); the server's certificate must chain to
/// a public root or to a CA in `ca_file`.
fn tls_parameters(c: &EmailChannel) -> Result<TlsParameters, String> {
    let mut tls = TlsParameters::builder(c.smtp_host.clone());
    if let Some(pem) = c.ca_pem() {
        let pem = pem.map_err(|e| format!("ca_file {e}"))?;
        let cert = Certificate::from_pem(&pem).map_err(|e| format!("ca_file: {e}"))?;
        tls = tls.add_root_certificate(cert);
    }
    tls.build_rustls()
        .map_err(|e| format!("TLS settings for {}: {e}", c.smtp_host))
}
