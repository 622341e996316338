#![no_main]
//! Any bytes as a kubeconfig: parsing and building a client config must fail cleanly, never panic.

use kclient_config::{Config, KubeconfigOptions, parse_kubeconfig_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(kubeconfig) = parse_kubeconfig_bytes(data) {
        let _ = Config::from_kubeconfig(&kubeconfig, &KubeconfigOptions::default());
        let _ = kubeconfig.to_yaml();
    }
});
