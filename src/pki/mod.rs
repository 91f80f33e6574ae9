//! Keystores (PKCS#12), certificates and XML signatures.
