//! Packet captures for the Suricata export test: DNS queries, a TLS
//! ClientHello and HTTP requests in whole TCP sessions, written as a pcap
//! file that `suricata -r` reads. etherparse builds the headers (checksums
//! included) and pcap-file the file; the DNS and TLS payloads are built
//! here, byte by byte, because only their first message is needed.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use etherparse::{PacketBuilder, PacketBuilderStep};
use pcap_file::pcap::{PcapPacket, PcapWriter};

/// One TCP segment's header fields.
#[derive(Clone, Copy, Default)]
struct Segment {
    seq: u32,
    ack: Option<u32>,
    syn: bool,
    fin: bool,
    psh: bool,
}

/// Packets in the order they are written, one millisecond apart.
#[derive(Default)]
pub(crate) struct Capture {
    packets: Vec<Vec<u8>>,
}

fn ip(src: IpAddr, dst: IpAddr) -> PacketBuilderStep<etherparse::IpHeaders> {
    let eth = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => eth.ipv4(s.octets(), d.octets(), 64),
        (IpAddr::V6(s), IpAddr::V6(d)) => eth.ipv6(s.octets(), d.octets(), 64),
        _ => panic!("{src} and {dst} are of different address families"),
    }
}

impl Capture {
    /// One UDP datagram.
    pub fn udp(&mut self, from: SocketAddr, to: SocketAddr, payload: &[u8]) {
        let b = ip(from.ip(), to.ip()).udp(from.port(), to.port());
        let mut p = Vec::with_capacity(b.size(payload.len()));
        b.write(&mut p, payload).expect("writes to a Vec");
        self.packets.push(p);
    }

    fn tcp(&mut self, from: SocketAddr, to: SocketAddr, s: Segment, payload: &[u8]) {
        let mut b = ip(from.ip(), to.ip()).tcp(from.port(), to.port(), s.seq, 64_240);
        if s.syn {
            b = b.syn();
        }
        if s.fin {
            b = b.fin();
        }
        if s.psh {
            b = b.psh();
        }
        if let Some(ack) = s.ack {
            b = b.ack(ack);
        }
        let mut p = Vec::with_capacity(b.size(payload.len()));
        b.write(&mut p, payload).expect("writes to a Vec");
        self.packets.push(p);
    }

    /// A whole TCP session in which the client sends `request` and the
    /// server acknowledges it: handshake, data, acknowledgement, close.
    pub fn tcp_session(&mut self, client: SocketAddr, server: SocketAddr, request: &[u8]) {
        let (c, s) = (1_000_u32, 5_000_u32);
        let sent = c + 1 + u32::try_from(request.len()).expect("a small request");
        let seg = |seq, ack: Option<u32>| Segment {
            seq,
            ack,
            ..Segment::default()
        };
        let syn = Segment {
            syn: true,
            ..seg(c, None)
        };
        self.tcp(client, server, syn, &[]);
        let syn_ack = Segment {
            syn: true,
            ..seg(s, Some(c + 1))
        };
        self.tcp(server, client, syn_ack, &[]);
        self.tcp(client, server, seg(c + 1, Some(s + 1)), &[]);
        let data = Segment {
            psh: true,
            ..seg(c + 1, Some(s + 1))
        };
        self.tcp(client, server, data, request);
        self.tcp(server, client, seg(s + 1, Some(sent)), &[]);
        let fin = |seq, ack| Segment {
            fin: true,
            ..seg(seq, Some(ack))
        };
        self.tcp(client, server, fin(sent, s + 1), &[]);
        self.tcp(server, client, fin(s + 1, sent + 1), &[]);
        self.tcp(client, server, seg(sent + 1, Some(s + 2)), &[]);
    }

    /// Writes the capture (Ethernet link type) to `path`.
    pub fn write(&self, path: &Path) -> io::Result<()> {
        let mut w = PcapWriter::new(std::fs::File::create(path)?).map_err(io::Error::other)?;
        for (i, p) in self.packets.iter().enumerate() {
            let at = Duration::from_secs(1_780_000_000) + Duration::from_millis(i as u64);
            let len = u32::try_from(p.len()).expect("a small packet");
            w.write_packet(&PcapPacket::new(at, len, p))
                .map_err(io::Error::other)?;
        }
        Ok(())
    }
}

/// A DNS query for `name`, type A, class IN, recursion desired.
pub(crate) fn dns_query(id: u16, name: &str) -> Vec<u8> {
    let mut m = id.to_be_bytes().to_vec();
    m.extend([0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.trim_end_matches('.').split('.') {
        m.push(u8::try_from(label.len()).expect("a label of at most 63 bytes"));
        m.extend(label.as_bytes());
    }
    m.extend([0, 0, 1, 0, 1]);
    m
}

/// A TLS 1.2 ClientHello record naming `sni` in its server_name extension.
pub(crate) fn tls_client_hello(sni: &str) -> Vec<u8> {
    let be16 = |n: usize| u16::try_from(n).expect("fits in 16 bits").to_be_bytes();
    let name = sni.as_bytes();
    let mut list = vec![0]; // host_name
    list.extend(be16(name.len()));
    list.extend(name);
    let mut ext = vec![0, 0]; // server_name
    ext.extend(be16(list.len() + 2));
    ext.extend(be16(list.len()));
    ext.extend(list);
    let mut hello = vec![0x03, 0x03];
    hello.extend([7_u8; 32]); // random
    hello.push(0); // no session id
    hello.extend([0, 2, 0xc0, 0x2f]); // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    hello.extend([1, 0]); // null compression
    hello.extend(be16(ext.len()));
    hello.extend(ext);
    let mut handshake = vec![1]; // client_hello
    handshake.extend(&u32::try_from(hello.len()).expect("small").to_be_bytes()[1..]);
    handshake.extend(hello);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend(be16(handshake.len()));
    record.extend(handshake);
    record
}
