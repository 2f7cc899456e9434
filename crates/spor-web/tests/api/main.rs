//! Black-box tests of the web application: each test spawns its own server on port 0 with
//! its own SQLite file and talks HTTP to it.

mod accounts;
mod admin;
mod analyst;
mod audit_trail;
mod auth;
mod browser;
mod helpers;
mod identity;
mod matrix;
mod records;
mod releases;
mod teams;
mod transport;
mod usability;
