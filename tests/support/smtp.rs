//! A real SMTP server in the test process (`mailin-embedded`, SMTP over TCP on a free port)
//! that keeps what it receives and can be told to refuse for a while.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use mailin_embedded::{Handler, Response, Server, response};
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

/// One mail as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

impl Received {
    /// The message parsed as MIME.
    pub fn parsed(&self) -> mailparse::ParsedMail<'_> {
        mailparse::parse_mail(&self.data).unwrap()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        use mailparse::MailHeaderMap;
        self.parsed().headers.get_first_value(name)
    }

    /// The decoded text/plain part.
    pub fn text(&self) -> String {
        let mail = self.parsed();
        let part = mail
            .subparts
            .iter()
            .find(|p| p.ctype.mimetype == "text/plain")
            .unwrap_or(&mail);
        part.get_body().unwrap()
    }

    /// The decoded text/html part.
    pub fn html(&self) -> String {
        let mail = self.parsed();
        mail.subparts
            .iter()
            .find(|p| p.ctype.mimetype == "text/html")
            .map(|p| p.get_body().unwrap())
            .unwrap_or_default()
    }
}

#[derive(Clone)]
struct Sink {
    inbox: Arc<Mutex<Vec<Received>>>,
    refusal: Arc<AtomicU16>,
    current: Option<Received>,
}

impl Handler for Sink {
    fn mail(&mut self, _ip: std::net::IpAddr, _domain: &str, _from: &str) -> Response {
        match self.refusal.load(Ordering::SeqCst) {
            0 => response::OK,
            code => Response::custom(code, "refused for the test".into()),
        }
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(Received {
            to: to.to_vec(),
            data: Vec::new(),
        });
        response::START_DATA
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        if let Some(current) = &mut self.current {
            current.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Some(received) = self.current.take() {
            self.inbox.lock().unwrap().push(received);
        }
        response::OK
    }
}

/// The server; it runs until the test process ends.
pub struct SmtpSink {
    pub addr: SocketAddr,
    inbox: Arc<Mutex<Vec<Received>>>,
    refusal: Arc<AtomicU16>,
}

impl SmtpSink {
    pub fn start() -> Self {
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let refusal = Arc::new(AtomicU16::new(0));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut server = Server::new(Sink {
            inbox: inbox.clone(),
            refusal: refusal.clone(),
            current: None,
        });
        server
            .with_name("sink.test")
            // A thread per open connection, and a sender keeps up to MAX_CONNECTIONS open:
            // room for several sending processes at once.
            .with_num_threads(64)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self {
            addr,
            inbox,
            refusal,
        }
    }

    pub fn url(&self) -> url::Url {
        url::Url::parse(&format!("smtp://{}", self.addr)).unwrap()
    }

    /// From now on answer MAIL FROM with `code` (e.g. 421: down for now, 550: refused); 0 accepts.
    pub fn refuse_with(&self, code: u16) {
        self.refusal.store(code, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }

    /// Mails received for `address`.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .collect()
    }
}
