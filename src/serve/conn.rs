//! Connections: a per-address cap and two timeouts, enforced under hyper
//! (axum's `serve` sets no header-read timeout): a request's header must
//! arrive within `header` of its first byte (a slow client trickling
//! bytes is closed), and a connection that sends nothing for `idle` is
//! closed. Also the open-files limit raised at start.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

#[derive(Clone, Debug)]
pub struct Limits {
    pub per_address: usize,
    pub header: Duration,
    pub idle: Duration,
    /// Not capped (a trusted proxy carries everyone's connections).
    pub exempt: Vec<IpAddr>,
}

type Counts = Arc<Mutex<HashMap<IpAddr, usize>>>;

pub struct Guarded {
    inner: TcpListener,
    limits: Limits,
    counts: Counts,
}

impl Guarded {
    pub fn new(inner: TcpListener, limits: Limits) -> Guarded {
        Guarded {
            inner,
            limits,
            counts: Arc::default(),
        }
    }
}

impl axum::serve::Listener for Guarded {
    type Io = GuardedIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (GuardedIo, SocketAddr) {
        loop {
            let (stream, addr) = match self.inner.accept().await {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: wait, go on.
                    eprintln!("jixiao serve：接受连接失败：{e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let ip = addr.ip();
            let exempt = self.limits.exempt.contains(&ip);
            if !exempt {
                let mut c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
                let n = c.entry(ip).or_insert(0);
                if *n >= self.limits.per_address {
                    drop(stream); // closed at once
                    continue;
                }
                *n += 1;
            }
            let _ = stream.set_nodelay(true);
            let now = Instant::now();
            return (
                GuardedIo {
                    stream,
                    counted: (!exempt).then(|| (ip, self.counts.clone())),
                    limits: self.limits.clone(),
                    phase: Phase::Header { since: None },
                    tail: [0; 3],
                    last_read: now,
                    timer: Box::pin(tokio::time::sleep_until(now + self.limits.idle)),
                },
                addr,
            );
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

enum Phase {
    /// Reading a request's header; `since` its first byte.
    Header { since: Option<Instant> },
    /// Header seen: the body, then our answer.
    Body,
}

pub struct GuardedIo {
    stream: TcpStream,
    counted: Option<(IpAddr, Counts)>,
    limits: Limits,
    phase: Phase,
    /// The last bytes read, to find "\r\n\r\n" across reads.
    tail: [u8; 3],
    last_read: Instant,
    timer: Pin<Box<Sleep>>,
}

impl Drop for GuardedIo {
    fn drop(&mut self) {
        if let Some((ip, counts)) = &self.counted {
            let mut c = counts.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(n) = c.get_mut(ip) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    c.remove(ip);
                }
            }
        }
    }
}

impl GuardedIo {
    /// None while a request is under way (its body, then our answer: an
    /// analysis may take minutes, and hyper keeps reading meanwhile).
    fn deadline(&self) -> Option<Instant> {
        let idle = self.last_read + self.limits.idle;
        match self.phase {
            Phase::Header { since: Some(t) } => Some(idle.min(t + self.limits.header)),
            Phase::Header { since: None } => Some(idle),
            Phase::Body => None,
        }
    }

    /// Bytes read: where the header ends, and the clocks.
    fn saw(&mut self, bytes: &[u8]) {
        let now = Instant::now();
        self.last_read = now;
        if let Phase::Header { since } = &mut self.phase {
            if since.is_none() {
                *since = Some(now);
            }
            // "\r\n\r\n" inside this read, or across the last one and this.
            let mut edge = [0u8; 6];
            edge[..3].copy_from_slice(&self.tail);
            let k = bytes.len().min(3);
            edge[3..3 + k].copy_from_slice(&bytes[..k]);
            let found = edge[..3 + k].windows(4).any(|w| w == b"\r\n\r\n")
                || bytes.windows(4).any(|w| w == b"\r\n\r\n");
            if found {
                self.phase = Phase::Body;
            }
        }
        if bytes.len() >= 3 {
            self.tail.copy_from_slice(&bytes[bytes.len() - 3..]);
        } else {
            for &b in bytes {
                self.tail = [self.tail[1], self.tail[2], b];
            }
        }
    }
}

impl AsyncRead for GuardedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let got = &buf.filled()[before..];
                if !got.is_empty() {
                    self.saw(got);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                let Some(deadline) = self.deadline() else {
                    return Poll::Pending;
                };
                if Instant::now() >= deadline {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "client too slow or idle",
                    )));
                }
                self.timer.as_mut().reset(deadline);
                match self.timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "client too slow or idle",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncWrite for GuardedIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        // Our answer's head (not a "100 Continue"): the next bytes read
        // begin another request.
        if buf.starts_with(b"HTTP/1.") && buf.get(9..12) != Some(b"100".as_slice()) {
            self.phase = Phase::Header { since: None };
        }
        // Sending is progress too: a slow reader of a download is not idle.
        self.last_read = Instant::now();
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Raise the soft open-files limit to the hard one (a server at the usual
/// `ulimit -n 1024` stops answering after 1024 connections). The new soft
/// limit, when it could be read.
pub fn raise_nofile() -> Option<u64> {
    #[cfg(unix)]
    unsafe {
        let mut r = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) != 0 {
            return None;
        }
        if r.rlim_cur < r.rlim_max {
            let want = libc::rlimit {
                rlim_cur: r.rlim_max.min(1 << 20),
                rlim_max: r.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0 {
                r.rlim_cur = want.rlim_cur;
            }
        }
        // rlim_t is u64 on Linux, not on every Unix.
        #[allow(clippy::useless_conversion)]
        r.rlim_cur.try_into().ok()
    }
    #[cfg(not(unix))]
    None
}
