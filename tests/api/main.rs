//! The HTTP API against the real server on a free port: who may do what, hostile and bad input,
//! crash safety, the applicant's and the officer's flows. One test binary, so it links once.

#[path = "../common/mod.rs"]
mod common;
#[path = "../messages/mod.rs"]
mod messages;
#[path = "../common/openssl.rs"]
mod openssl;
#[path = "../common/softhsm.rs"]
mod softhsm;

mod allocation;
mod anchors;
mod authz;
mod bad_input;
mod benefit_reviews;
mod crash;
mod desk;
mod directions;
mod employee_keys;
mod hostile_xml;
mod http;
mod kindergartens;
mod kinship;
mod limits;
mod notices;
mod officer;
mod rate_limits;
mod rendered_documents;
mod report;
mod server_ca;
mod servers;
mod tokens;
mod trust;
