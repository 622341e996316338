//! Shared setup: one fresh test server per test, reached over HTTPS.

#![allow(dead_code)]

use kclient_client::ClientSet;
use kclient_testserver::TestServer;

/// A fresh server and a clientset for it.
pub async fn start() -> (TestServer, ClientSet) {
    let server = TestServer::start().await.expect("test server starts");
    let clientset = ClientSet::new(server.config().without_rate_limit()).expect("clientset builds");
    (server, clientset)
}

/// `name=value` labels.
pub fn labels(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}
