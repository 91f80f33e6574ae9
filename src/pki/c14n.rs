//! See the module list in `pki`.
