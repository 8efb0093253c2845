//! Delivery over real SMTP to an in-process server (`mailin-embedded`) on a free port.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Utc;
use kynnys_mailer::{Envelope, Lang, SendError, SmtpSender, Template, build_message, render};
use mailin_embedded::{Action, Handler, Response, Server, response};
use mailparse::MailHeaderMap;
use std::io;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};

/// One mail as the server received it.
#[derive(Debug, Clone)]
struct Received {
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

/// Which command the server refuses, and how.
#[derive(Debug, Clone, Copy)]
enum Refuse {
    Nothing,
    Rcpt(u16),
    DataEnd(u16),
}

/// A handler per connection (mailin clones it); the inbox is shared.
#[derive(Clone)]
struct Sink {
    inbox: Arc<Mutex<Vec<Received>>>,
    refuse: Refuse,
    current: Option<Received>,
}

fn refusal(code: u16) -> Response {
    Response::custom(
        code,
        format!("refused by the test <someone@example.fi> ({code})"),
    )
}

impl Handler for Sink {
    fn rcpt(&mut self, _to: &str) -> Response {
        match self.refuse {
            Refuse::Rcpt(code) => refusal(code),
            _ => response::OK,
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(Received {
            from: from.to_owned(),
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
        let received = self.current.take();
        if let Refuse::DataEnd(code) = self.refuse {
            // mailin stays in its DATA state after refusing the end of data, so the client's
            // QUIT would go unanswered until the client's timeout: close the connection instead,
            // as real relays do.
            let mut refused = refusal(code);
            refused.action = Action::Close;
            return refused;
        }
        if let Some(received) = received {
            self.inbox.lock().unwrap().push(received);
        }
        response::OK
    }
}

/// Starts an SMTP server on 127.0.0.1 and a free port; it runs until the test process ends.
fn start_server(refuse: Refuse) -> (SocketAddr, Arc<Mutex<Vec<Received>>>) {
    let inbox = Arc::new(Mutex::new(Vec::new()));
    let addr = serve(Sink {
        inbox: Arc::clone(&inbox),
        refuse,
        current: None,
    });
    (addr, inbox)
}

/// Serves `handler` on 127.0.0.1 and a free port, in a thread that lives as long as the test
/// process.
fn serve<H: Handler + Clone + Send + 'static>(handler: H) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut server = Server::new(handler);
    server
        .with_name("sink.test")
        .with_num_threads(2)
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        if let Err(error) = server.serve() {
            eprintln!("test SMTP server stopped: {error}");
        }
    });
    addr
}

fn sender(addr: SocketAddr) -> SmtpSender {
    SmtpSender::from_url(&url::Url::parse(&format!("smtp://{addr}")).unwrap()).unwrap()
}

fn message(to: &str, message_id: &str, template: &Template<'_>, lang: Lang) -> lettre::Message {
    let rendered = render(template, lang).unwrap();
    build_message(
        &Envelope {
            from: "kynnys <no-reply@kynnys.example>",
            to,
            message_id,
            date: Utc::now(),
            list_unsubscribe: None,
            auto_submitted: true,
        },
        &rendered,
    )
    .unwrap()
}

fn verify_mail(to: &str, id: &str) -> lettre::Message {
    message(
        to,
        id,
        &Template::VerifyEmail {
            link: "https://kynnys.example/verify?token=abc",
        },
        Lang::Fi,
    )
}

#[test]
fn two_mails_arrive_intact() {
    let (addr, inbox) = start_server(Refuse::Nothing);
    let sender = sender(addr);

    let first = verify_mail("maija@example.fi", "<first@kynnys.example>");
    let second = message(
        "matti@example.fi",
        "<second@kynnys.example>",
        &Template::ListingDecision {
            title: "Läksykerho",
            approved: true,
            reason: None,
            link: "https://kynnys.example/l/1",
        },
        Lang::Sv,
    );
    sender.send(&first).unwrap();
    sender.send(&second).unwrap();

    let inbox = inbox.lock().unwrap().clone();
    assert_eq!(inbox.len(), 2);
    for (received, (to, id, subject, snippet)) in inbox.iter().zip([
        (
            "maija@example.fi",
            "<first@kynnys.example>",
            "Vahvista sähköpostiosoitteesi – kynnys",
            "Vahvista sähköpostiosoitteesi avaamalla linkki",
        ),
        (
            "matti@example.fi",
            "<second@kynnys.example>",
            "Annonsen har publicerats: Läksykerho",
            "Er annons ”Läksykerho” har publicerats",
        ),
    ]) {
        assert_eq!(received.from, "no-reply@kynnys.example");
        assert_eq!(received.to, [to]);
        let mail = mailparse::parse_mail(&received.data).unwrap();
        assert_eq!(mail.headers.get_first_value("Message-ID").unwrap(), id);
        assert_eq!(mail.headers.get_first_value("To").unwrap(), to);
        assert_eq!(mail.headers.get_first_value("Subject").unwrap(), subject);
        assert_eq!(
            mail.headers.get_first_value("Auto-Submitted").unwrap(),
            "auto-generated"
        );
        assert_eq!(mail.ctype.mimetype, "multipart/alternative");
        assert!(mail.subparts[0].get_body().unwrap().contains(snippet));
        assert_eq!(mail.subparts[1].ctype.mimetype, "text/html");
    }
}

#[test]
fn a_5xx_reply_is_permanent() {
    for refuse in [Refuse::Rcpt(550), Refuse::DataEnd(554)] {
        let (addr, inbox) = start_server(refuse);
        let error = sender(addr)
            .send(&verify_mail("maija@example.fi", "<p@kynnys.example>"))
            .unwrap_err();
        let SendError::Permanent(text) = &error else {
            panic!("{refuse:?}: expected permanent, got {error:?}");
        };
        assert!(text.contains("refused by the test"), "{text}");
        assert!(!text.contains("someone@"), "addresses are masked: {text}");
        assert!(error.is_permanent());
        assert!(inbox.lock().unwrap().is_empty());
    }
}

#[test]
fn a_4xx_reply_is_transient() {
    for refuse in [Refuse::Rcpt(451), Refuse::DataEnd(452)] {
        let (addr, inbox) = start_server(refuse);
        let error = sender(addr)
            .send(&verify_mail("maija@example.fi", "<t@kynnys.example>"))
            .unwrap_err();
        assert!(
            matches!(&error, SendError::Transient(text) if text.contains("refused by the test")),
            "{refuse:?}: {error:?}"
        );
        assert!(!error.is_permanent());
        assert!(inbox.lock().unwrap().is_empty());
    }
}

#[test]
fn nobody_listening_is_transient() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let addr = SocketAddr::new(IpAddr::from([127, 0, 0, 1]), port);
    let error = sender(addr)
        .send(&verify_mail("maija@example.fi", "<n@kynnys.example>"))
        .unwrap_err();
    assert!(matches!(error, SendError::Transient(_)), "{error:?}");
}

#[test]
fn the_pool_recovers_after_a_refusal() {
    // The first recipient is refused, the connection goes back to the pool (or is dropped);
    // the next mail on the same sender must still get through.
    #[derive(Clone)]
    struct Picky(Sink);
    impl Handler for Picky {
        fn rcpt(&mut self, to: &str) -> Response {
            if to.contains("bounce") {
                response::NO_MAILBOX
            } else {
                response::OK
            }
        }
        fn data_start(&mut self, d: &str, from: &str, b: bool, to: &[String]) -> Response {
            self.0.data_start(d, from, b, to)
        }
        fn data(&mut self, buf: &[u8]) -> io::Result<()> {
            self.0.data(buf)
        }
        fn data_end(&mut self) -> Response {
            self.0.data_end()
        }
    }
    let inbox = Arc::new(Mutex::new(Vec::new()));
    let addr = serve(Picky(Sink {
        inbox: Arc::clone(&inbox),
        refuse: Refuse::Nothing,
        current: None,
    }));

    let sender = sender(addr);
    let bounced = sender.send(&verify_mail("bounce@example.fi", "<b@kynnys.example>"));
    assert!(
        matches!(bounced, Err(SendError::Permanent(_))),
        "{bounced:?}"
    );
    sender
        .send(&verify_mail("maija@example.fi", "<ok@kynnys.example>"))
        .unwrap();
    let inbox = inbox.lock().unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].to, ["maija@example.fi"]);
}
