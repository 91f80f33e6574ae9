//! Who the client is behind a reverse proxy (docs/design-api.md «Threats and limits»): the
//! TCP peer, unless the peer is a configured trusted proxy; then the right-most address of the
//! proxies' forwarding header that is not itself a trusted proxy. Whatever a client writes into
//! that header itself sits to the left of what the proxies add, so it is never reached while a
//! trusted proxy reports the hop; from an untrusted peer the header is not read at all.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};

/// An address block: `10.0.0.0/8`, `2001:db8::/32`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an address or an address block such as 10.0.0.0/8")]
pub struct CidrError(String);

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(text: &str) -> Result<Cidr, CidrError> {
        let bad = || CidrError(text.to_owned());
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network = IpAddr::from_str(address.trim())
            .map_err(|_| bad())?
            .to_canonical();
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix.trim().parse::<u8>().map_err(|_| bad())?,
            None => bits,
        };
        if prefix > bits {
            return Err(bad());
        }
        Ok(Cidr { network, prefix })
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl Cidr {
    pub fn contains(&self, address: IpAddr) -> bool {
        let keep = |bits: u32| match self.prefix {
            0 => 0,
            prefix => u128::MAX << (bits - u32::from(prefix)),
        };
        match (self.network, address.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                let mask = keep(32) as u32;
                u32::from(network) & mask == u32::from(address) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                let mask = keep(128);
                u128::from(network) & mask == u128::from(address) & mask
            }
            _ => false,
        }
    }
}

impl Serialize for Cidr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Cidr, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The header the trusted proxies write the client's address into. Only that one is read: a
/// proxy passes the other through as the client sent it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, HAProxy, most load balancers).
    #[default]
    XForwardedFor,
    /// `Forwarded: for=client, for="[2001:db8::1]:4711"` (RFC 7239).
    Forwarded,
}

impl ForwardedHeader {
    fn name(self) -> &'static str {
        match self {
            ForwardedHeader::XForwardedFor => "x-forwarded-for",
            ForwardedHeader::Forwarded => "forwarded",
        }
    }

    /// The address of one hop of the header; `None` for anything else (`unknown`, an
    /// obfuscated identifier, garbage).
    fn hop(self, element: &str) -> Option<IpAddr> {
        let node = match self {
            ForwardedHeader::XForwardedFor => element.trim(),
            ForwardedHeader::Forwarded => element.split(';').find_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| value.trim().trim_matches('"'))
            })?,
        };
        node.parse::<IpAddr>()
            .or_else(|_| node.parse::<SocketAddr>().map(|s| s.ip()))
            .or_else(|_| {
                // `[2001:db8::1]` without a port.
                let inner = node.strip_prefix('[').and_then(|n| n.strip_suffix(']'));
                inner.ok_or(()).and_then(|n| n.parse().map_err(|_| ()))
            })
            .ok()
            .map(|address: IpAddr| address.to_canonical())
    }
}

/// The configured proxies: see [`crate::server::config::ProxyConfig`].
pub fn client_address(
    trusted: &[Cidr],
    header: ForwardedHeader,
    peer: IpAddr,
    headers: &HeaderMap,
) -> IpAddr {
    let is_trusted = |address: IpAddr| trusted.iter().any(|block| block.contains(address));
    let mut client = peer.to_canonical();
    if !is_trusted(client) {
        return client;
    }
    // The last line of the header is the nearest proxy's; inside a line the last hop is too.
    for line in headers.get_all(header.name()).iter().rev() {
        // A line that is not text stops the walk like a hop that is not an address: the
        // nearest trusted proxy then stands for the client (never an address from further left).
        let Ok(line) = line.to_str() else {
            return client;
        };
        for element in line.rsplit(',') {
            match header.hop(element) {
                Some(hop) => {
                    client = hop;
                    if !is_trusted(hop) {
                        return client;
                    }
                }
                None => return client,
            }
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn blocks(list: &[&str]) -> Vec<Cidr> {
        list.iter().map(|b| b.parse().unwrap()).collect()
    }

    fn headers(name: &str, lines: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for line in lines {
            map.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(line).unwrap(),
            );
        }
        map
    }

    #[test]
    fn address_blocks_parse_and_contain() {
        let block: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(block.contains(ip("10.1.200.3")));
        assert!(!block.contains(ip("10.2.0.1")));
        assert!(block.contains(ip("::ffff:10.1.0.9")));
        let one: Cidr = "192.0.2.1".parse().unwrap();
        assert!(one.contains(ip("192.0.2.1")) && !one.contains(ip("192.0.2.2")));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")) && !v6.contains(ip("2001:db9::1")));
        assert!(!v6.contains(ip("10.0.0.1")));
        let everything: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(everything.contains(ip("203.0.113.9")));
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "proxy",
            "10.0.0.0/x",
            "",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted = blocks(&["10.0.0.0/8"]);
        let spoofed = headers("x-forwarded-for", &["198.51.100.7"]);
        let peer = ip("203.0.113.5");
        let xff = ForwardedHeader::XForwardedFor;
        assert_eq!(client_address(&trusted, xff, peer, &spoofed), peer);
        assert_eq!(client_address(&[], xff, peer, &spoofed), peer);
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let trusted = blocks(&["10.0.0.0/8", "2001:db8:100::/48"]);
        let xff = ForwardedHeader::XForwardedFor;
        let peer = ip("10.0.0.2");
        // The client wrote a fake address first; the proxies appended the real one and
        // their own.
        let forwarded = headers("x-forwarded-for", &["1.1.1.1, 203.0.113.9, 10.0.0.1"]);
        assert_eq!(
            client_address(&trusted, xff, peer, &forwarded),
            ip("203.0.113.9")
        );
        // The same spread over several lines, with ports and IPv6.
        let lines = headers(
            "x-forwarded-for",
            &[
                "1.1.1.1",
                "[2001:db8:5::9]:4711",
                "10.0.0.1:80, 2001:db8:100::1",
            ],
        );
        assert_eq!(
            client_address(&trusted, xff, peer, &lines),
            ip("2001:db8:5::9")
        );
        // Nothing forwarded: the proxy itself.
        assert_eq!(client_address(&trusted, xff, peer, &HeaderMap::new()), peer);
        // All trusted: the left-most.
        let inner = headers("x-forwarded-for", &["10.9.9.9, 10.0.0.1"]);
        assert_eq!(client_address(&trusted, xff, peer, &inner), ip("10.9.9.9"));
        // Garbage at a hop: the nearest trusted proxy stands for the client, never what is
        // written to the left of it.
        let garbage = headers("x-forwarded-for", &["1.1.1.1, unknown, 10.0.0.1"]);
        assert_eq!(
            client_address(&trusted, xff, peer, &garbage),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn only_the_configured_header_is_read() {
        let trusted = blocks(&["10.0.0.0/8"]);
        let peer = ip("10.0.0.2");
        let mut both = headers("forwarded", &["for=198.51.100.7"]);
        both.append("x-forwarded-for", HeaderValue::from_static("203.0.113.9"));
        assert_eq!(
            client_address(&trusted, ForwardedHeader::XForwardedFor, peer, &both),
            ip("203.0.113.9")
        );
        let rfc = headers(
            "forwarded",
            &[
                "for=1.1.1.1",
                "for=\"[2001:db8:cafe::17]:4711\";proto=https, For=10.0.0.1;by=10.0.0.2",
            ],
        );
        assert_eq!(
            client_address(&trusted, ForwardedHeader::Forwarded, peer, &rfc),
            ip("2001:db8:cafe::17")
        );
        let hidden = headers("forwarded", &["for=_hidden, for=10.0.0.1"]);
        assert_eq!(
            client_address(&trusted, ForwardedHeader::Forwarded, peer, &hidden),
            ip("10.0.0.1")
        );
    }
}
