//! Keystores, Canonical XML and XML signatures, with interop against xmlsec1 and openssl.

#[path = "../common/openssl.rs"]
mod openssl;
#[path = "../common/softhsm.rs"]
mod softhsm;
#[path = "../fixtures/xmldsig/support.rs"]
mod support;

mod c14n_w3c;
mod hostile_xml;
mod keystore;
mod pkcs11;
mod trust;
mod xmldsig;
mod xmlsec_interop;
