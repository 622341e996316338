//! Runs every example binary against a fresh test server and checks its exit status and
//! the lines it prints. One test binary for all examples keeps linking cheap.

mod harness;

mod clients;
mod controller;
mod discovery;
mod informer;
mod leader_election;
mod operator;
mod workqueue;
