//! Property tests for the inputs issue 13 names besides the feed parsers (those live in
//! `ingest_parsers_prop.rs`): the configuration loader (YAML files and `NFLREADPY_BETTING__`
//! variables), the API's query parsers over a real loopback server, the duration parser and
//! the secret type. Whatever comes in: an answer or a clear error, never a panic or a 5xx.
//!
//! `PROPTEST_CASES` raises the number of cases per property (the default here is 256).

use nflreadpy_betting::config::{self, LoadRequest};
use nflreadpy_betting::duration::{parse_bounded, MAX_PRUNE_AGE, MAX_SILENCE};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::OnceLock;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// YAML-ish text biased toward real keys, numbers at the edges and broken structure.
fn yamlish() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("analytics"),
        Just("ingestion"),
        Just("scheduler"),
        Just("alerts"),
        Just("sources"),
        Just("channels"),
        Just("type"),
        Just("retry_max_seconds"),
        Just("interval_seconds"),
        Just("kelly_fraction"),
        Just("storage"),
        Just("retention_days"),
        Just("api"),
        Just("token"),
        Just("rules"),
        Just("quiet_hours"),
        Just("iterations"),
        Just("threads"),
        Just("environment"),
        Just("replay"),
        Just("webhook"),
        Just("url"),
        Just("enabled"),
    ];
    let value = prop_oneof![
        Just("1e30".to_string()),
        Just("-1".to_string()),
        Just("NaN".to_string()),
        Just(".inf".to_string()),
        Just("0".to_string()),
        Just("~".to_string()),
        Just("[1, 2".to_string()),
        Just("{a: b}".to_string()),
        Just("${UNSET_VAR}".to_string()),
        Just("${A:-x}".to_string()),
        Just("true".to_string()),
        Just("\"\"".to_string()),
        Just("- type: replay".to_string()),
        Just("&a 1".to_string()),
        Just("*a".to_string()),
        Just("!!binary aGk=".to_string()),
        "[ -~]{0,12}",
    ];
    prop::collection::vec((0usize..4, key, value, any::<bool>()), 0..24).prop_map(|lines| {
        lines
            .into_iter()
            .map(|(indent, k, v, nested)| {
                let pad = "  ".repeat(indent);
                if nested {
                    format!("{pad}{k}:\n")
                } else {
                    format!("{pad}{k}: {v}\n")
                }
            })
            .collect()
    })
}

fn env_override() -> impl Strategy<Value = (String, String)> {
    let path = prop::collection::vec(
        prop_oneof![
            Just("analytics".to_string()),
            Just("alerts".to_string()),
            Just("sources".to_string()),
            Just("0".to_string()),
            Just("99".to_string()),
            Just("retry_max_seconds".to_string()),
            Just("threads".to_string()),
            Just("storage".to_string()),
            Just("".to_string()),
            "[a-z_]{1,8}",
        ],
        1..4,
    );
    let value = prop_oneof![
        Just("1e300".to_string()),
        Just("-5".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("${X}".to_string()),
        "[ -~]{0,10}",
    ];
    (path, value).prop_map(|(p, v)| (format!("NFLREADPY_BETTING__{}", p.join("__")), v))
}

struct ApiServer {
    base: String,
    _rt: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

/// One loopback API server over an attached engine, shared by every case.
fn server() -> &'static ApiServer {
    static S: OnceLock<ApiServer> = OnceLock::new();
    S.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("prop.sqlite3");
        drop(nflreadpy_betting::store::open_for_writing(&db, 5000).unwrap());
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let base = rt.block_on(async {
            let mut cfg = config::Config::default();
            cfg.ingestion.storage_path = db.display().to_string();
            let settings = nflreadpy_betting::api::ApiSettings {
                bind: "127.0.0.1:0".into(),
                token: None,
                cors_origins: vec![],
                rate_limit_per_second: 1e6,
                max_body_bytes: 4096,
                allowed_hosts: vec![],
            };
            let (handle, engine) = nflreadpy_betting::engine::Engine::start(
                cfg,
                nflreadpy_betting::engine::EngineOptions::new(
                    nflreadpy_betting::engine::Mode::Attach,
                    0.5,
                    1000,
                ),
            )
            .unwrap();
            std::mem::forget(engine);
            let state = nflreadpy_betting::api::ApiState::new(
                handle,
                nflreadpy_betting::store::Store::reader(db.clone(), 5000),
                &settings,
            );
            let (listener, addr) = nflreadpy_betting::api::bind(&settings).await.unwrap();
            let app = nflreadpy_betting::api::router(state, &settings);
            tokio::spawn(nflreadpy_betting::api::serve(
                listener,
                app,
                std::future::pending(),
            ));
            format!("http://{addr}")
        });
        ApiServer {
            base,
            _rt: rt,
            _dir: dir,
        }
    })
}

fn query_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_string()),
        Just("1001".to_string()),
        Just("-1".to_string()),
        Just("18446744073709551616".to_string()),
        Just("1e309".to_string()),
        Just("NaN".to_string()),
        Just("moneyline".to_string()),
        Just("spread_alt".to_string()),
        Just("1h".to_string()),
        Just("home".to_string()),
        Just("%00".to_string()),
        Just("%FF%FE".to_string()),
        Just("".to_string()),
        "[ -~]{0,16}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// The loader answers every file and every override with a config or a report.
    #[test]
    fn config_loader_never_panics(text in yamlish(), env in prop::collection::vec(env_override(), 0..4)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("betting.yaml");
        std::fs::write(&path, &text).unwrap();
        let req = LoadRequest {
            config_path: Some(path),
            env: env.into_iter().collect::<BTreeMap<_, _>>(),
            ..Default::default()
        };
        match config::load(&req) {
            Ok(l) => {
                // A loaded config's durations are all within their ceilings.
                prop_assert!(l.config.alerts.retry_max_seconds <= 86_400.0);
                prop_assert!(l.config.ingestion.scheduler.max_backoff_seconds <= 86_400.0);
            }
            Err(r) => prop_assert!(!r.errors.is_empty()),
        }
    }

    #[test]
    fn config_loader_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("betting.yaml");
        std::fs::write(&path, &bytes).unwrap();
        let req = LoadRequest { config_path: Some(path), ..Default::default() };
        let _ = config::load(&req);
    }

    /// Every query parser of the API: a 2xx or a 4xx problem document, never a 5xx.
    #[test]
    fn api_query_parsers_never_fail_the_server(
        route in prop_oneof![
            Just("markets"), Just("opportunities"), Just("line-history"), Just("alerts"),
            Just("filters"), Just("status"), Just("portfolio"),
        ],
        params in prop::collection::vec((
            "(limit|offset|market|scope|selection|event|book|min_ev|state|[a-z]{1,6})",
            query_value(),
        ), 0..6),
    ) {
        let s = server();
        let mut url = reqwest::Url::parse(&format!("{}/api/v1/{route}", s.base)).unwrap();
        for (k, v) in &params {
            url.query_pairs_mut().append_pair(k, v);
        }
        let status = s._rt.block_on(async {
            reqwest::get(url.clone()).await.map(|r| r.status().as_u16())
        }).unwrap();
        prop_assert!(status < 500 || status == 503, "{url}: {status}");
    }

    /// Durations: an answer within the ceiling, or an error; never a panic.
    #[test]
    fn durations_never_panic_and_respect_their_ceiling(s in prop_oneof![
        "[0-9.e+-]{0,24}[smhdy]?",
        "[0-9]{1,30}(d|h|m|s|ms|us|ns)( [0-9]{1,6}(d|h|m|s))?",
        "[ -~]{0,24}",
    ]) {
        for max in [MAX_PRUNE_AGE, MAX_SILENCE] {
            if let Ok(d) = parse_bounded(&s, max) {
                prop_assert!(d <= max);
            }
        }
    }

    #[test]
    fn secrets_never_show_in_printouts(s in "[ -~]{4,40}") {
        prop_assume!(!s.starts_with("${") && s.trim().len() >= 4);
        prop_assume!(!nflreadpy_betting::secret::REDACTED.contains(s.as_str()));
        let secret = nflreadpy_betting::secret::Secret::from(s.as_str());
        let (debug, display) = (format!("{secret:?}"), format!("{secret}"));
        let json = serde_json::to_string(&secret).unwrap();
        prop_assert!(!debug.contains(&s) && !display.contains(&s) && !json.contains(&s));
    }
}
