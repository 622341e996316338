//! A reflector and a consumer on separate tasks, as informers run them: whatever the
//! interleaving, once the producer stops and the FIFO drains, the consumer's store holds
//! exactly what the event history says. The consumer is slow on purpose, so writes (deletes,
//! resyncs, relists) keep arriving while deltas are between the FIFO and the store.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_cache::{DeltaFifo, Indexer, PopError, ProcessError, apply_deltas};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn cm(name: &str, rv: u64) -> Arc<ConfigMap> {
    Arc::new(ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some("ns".to_owned()),
            resource_version: Some(rv.to_string()),
            ..Default::default()
        },
        ..Default::default()
    })
}

/// What the event history says the cache must hold: key → resourceVersion.
type Model = BTreeMap<String, u64>;

/// Runs one producer/consumer pair for `ops` operations on a small key space.
async fn run(seed: u64, ops: usize) -> (Model, Model) {
    let store = Indexer::<ConfigMap>::new();
    let fifo = DeltaFifo::with_known_objects(Arc::new(store.clone()));
    let consumer = tokio::spawn({
        let (fifo, store) = (fifo.clone(), store.clone());
        async move {
            loop {
                let popped = fifo
                    .pop(|deltas, _| {
                        // A slow consumer widens the window the writes race into.
                        std::thread::sleep(Duration::from_micros(50));
                        apply_deltas(&store, deltas);
                        Ok::<(), ProcessError<()>>(())
                    })
                    .await;
                if let Err(PopError::Closed) = popped {
                    return;
                }
            }
        }
    });

    let mut rng = StdRng::seed_from_u64(seed);
    let mut model = Model::new();
    let mut rv = 0;
    let names = ["a", "b", "c", "d"];
    for _ in 0..ops {
        rv += 1;
        let name = names[rng.random_range(0..names.len())];
        let key = format!("ns/{name}");
        match rng.random_range(0..10) {
            0..=3 => {
                if model.contains_key(&key) {
                    fifo.update(cm(name, rv)).unwrap();
                } else {
                    fifo.add(cm(name, rv)).unwrap();
                }
                model.insert(key, rv);
            }
            4..=6 => {
                if model.remove(&key).is_some() {
                    fifo.delete(cm(name, rv)).unwrap();
                }
            }
            7 | 8 => fifo.resync(),
            _ => {
                // A relist: the server's state right now.
                let items = model
                    .iter()
                    .map(|(key, rv)| cm(key.trim_start_matches("ns/"), *rv))
                    .collect();
                fifo.replace(items).unwrap();
            }
        }
        // Paced like the consumer, so writes keep landing while a key's deltas are being
        // applied (a producer far ahead would always find the keys still queued).
        std::thread::sleep(Duration::from_micros(rng.random_range(0..80)));
    }
    fifo.close();
    consumer.await.unwrap();

    let cached = store
        .list()
        .iter()
        .map(|o| {
            let key = format!("ns/{}", o.metadata.name.as_deref().unwrap());
            let rv = o
                .metadata
                .resource_version
                .as_deref()
                .unwrap()
                .parse()
                .unwrap();
            (key, rv)
        })
        .collect();
    (cached, model)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_producer_and_consumer_converge_to_the_history() {
    for seed in 0..20 {
        let (cached, expected) = run(seed, 500).await;
        assert_eq!(cached, expected, "seed {seed}");
    }
}
