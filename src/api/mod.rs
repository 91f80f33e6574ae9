//! Wire types shared by the backend (`server`) and the typed HTTP client (`client`).
