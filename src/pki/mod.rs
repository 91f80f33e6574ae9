//! Keystores (PKCS#12), certificates and XML signatures.
//!
//! `ber` reads the BER/DER both are made of, `rsa` signs and verifies with `ring`,
//! `keystore` opens PKCS#12 files (NCA's BER files and OpenSSL 3's), `certificate` reads the
//! identity out of an X.509 certificate, `c14n` canonicalizes XML, `xmldsig` signs and verifies
//! enveloped signatures, `trust` checks a certificate chain, validity and revocation,
//! `xml_limits` bounds a document's shape before anything parses it. `signer` is what signing
//! needs of a key wherever it lives; `pkcs11` reaches keys on ID cards and tokens.

pub mod ber;
pub mod c14n;
pub mod certificate;
pub mod keystore;
pub mod pkcs11;
pub mod rsa;
pub mod signer;
pub mod trust;
pub mod xml_limits;
pub mod xmldsig;
