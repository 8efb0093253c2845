//! A local SMTP sink that accepts every mail and counts it (for `kynnys bench digest`): a real
//! SMTP server over TCP, from `mailin-embedded`.

use mailin_embedded::{Handler, Response, Server, response};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Clone)]
struct Counter {
    mails: Arc<AtomicU64>,
    bytes: Arc<AtomicU64>,
}

impl Handler for Counter {
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.bytes.fetch_add(buf.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        self.mails.fetch_add(1, Ordering::Relaxed);
        response::OK
    }
}

/// A running sink; it serves until the process ends.
pub struct SmtpSink {
    pub url: url::Url,
    mails: Arc<AtomicU64>,
    bytes: Arc<AtomicU64>,
}

impl SmtpSink {
    /// Starts on 127.0.0.1 and a free port.
    pub fn start() -> Result<Self, crate::ServerError> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        let counter = Counter {
            mails: Arc::new(AtomicU64::new(0)),
            bytes: Arc::new(AtomicU64::new(0)),
        };
        let (mails, bytes) = (counter.mails.clone(), counter.bytes.clone());
        let mut server = Server::new(counter);
        server
            .with_name("sink.kynnys")
            // A thread per open connection, and a sender keeps up to MAX_CONNECTIONS open:
            // room for several sending processes at once.
            .with_num_threads(64)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            if let Err(e) = server.serve() {
                tracing::error!(error = %e, "the SMTP sink stopped");
            }
        });
        let url = url::Url::parse(&format!("smtp://{address}"))
            .map_err(|e| crate::ServerError::Usage(e.to_string()))?;
        Ok(Self { url, mails, bytes })
    }

    pub fn mails(&self) -> u64 {
        self.mails.load(Ordering::Relaxed)
    }

    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
}
