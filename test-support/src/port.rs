//! Ports for tests, held for as long as the test needs them.
//!
//! A port found free, released and handed on (the old `free_port`) can be taken by anyone
//! in between: another test's server, a client's outgoing connection. A [`ClosedPort`] stays
//! bound to this process, without listening, until it is dropped or handed to
//! [`Server::start_on_port`](crate::http::Server::start_on_port): connecting to it is refused
//! (nothing listens), and nothing else can bind it meanwhile.

use std::net::{Ipv4Addr, SocketAddr};

use tokio::net::TcpSocket;

/// A 127.0.0.1 port bound and held, not listening: a connection is refused.
#[derive(Debug)]
pub struct ClosedPort {
    socket: TcpSocket,
    addr: SocketAddr,
}

impl ClosedPort {
    /// Bind a port the system picks.
    pub fn new() -> ClosedPort {
        let socket = TcpSocket::new_v4().expect("a TCP socket");
        socket
            .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .expect("no free port on 127.0.0.1");
        let addr = socket.local_addr().expect("the bound address");
        ClosedPort { socket, addr }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `127.0.0.1:PORT`
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT{path}`
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The bound socket, to listen on.
    pub(crate) fn into_socket(self) -> TcpSocket {
        self.socket
    }
}

impl Default for ClosedPort {
    fn default() -> Self {
        Self::new()
    }
}
