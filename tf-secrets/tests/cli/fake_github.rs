//! A local fake of GitHub's REST API for Actions secrets and variables, on
//! `test_support::http::Server`. It holds a real key pair and decrypts every secret the tool
//! sends, so tests compare the stored bytes with the Terraform value byte for byte. It checks
//! the token and the headers, and answers what a test scripts (401, 403, 422, 500, slow...).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use crypto_box::SecretKey;
use crypto_box::aead::OsRng;
use serde_json::{Value, json};
use test_support::http::{Reply, Request, Server};

pub const TOKEN: &str = "ghp_fake_test_token_0123456789";
const KEY_ID: &str = "568250167242549743";

/// A secret as GitHub would hold it, decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    pub value: Vec<u8>,
    pub visibility: Option<String>,
    pub selected_repository_ids: Option<Vec<u64>>,
}

/// A variable as GitHub would hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub value: String,
    pub visibility: Option<String>,
}

/// A scripted answer: for requests whose method matches and whose path contains `path`,
/// `times` times, instead of the normal one.
struct Scripted {
    method: String,
    path: String,
    reply: Reply,
    times: usize,
    /// Put the decrypted value of the request into the message (a server that echoes).
    echo_value: bool,
}

struct State {
    key: SecretKey,
    /// `repos/o/r`, `repos/o/r/environments/prod`, `orgs/acme` -> name -> secret
    secrets: BTreeMap<String, BTreeMap<String, Secret>>,
    variables: BTreeMap<String, BTreeMap<String, Variable>>,
    repos: BTreeMap<String, u64>,
    environments: BTreeSet<String>,
    orgs: BTreeSet<String>,
    scripted: VecDeque<Scripted>,
    /// Requests that lacked a header GitHub asks for.
    header_problems: Vec<String>,
    /// (method, decoded path) of every write.
    writes: Vec<(String, String)>,
    /// (method, decoded path, when it reached the server) of every request.
    arrivals: Vec<(String, String, Instant)>,
}

pub struct FakeGithub {
    pub server: Server,
    state: Arc<Mutex<State>>,
}

impl FakeGithub {
    /// Knows repository `octo/app` (id 1001) with environment `prod eu/1`, repositories
    /// `acme/web` (2001) and `acme/api` (2002), organization `acme`.
    pub fn start() -> FakeGithub {
        let state = Arc::new(Mutex::new(State {
            key: SecretKey::generate(&mut OsRng),
            secrets: BTreeMap::new(),
            variables: BTreeMap::new(),
            repos: BTreeMap::from([
                ("octo/app".to_owned(), 1001),
                ("acme/web".to_owned(), 2001),
                ("acme/api".to_owned(), 2002),
            ]),
            environments: BTreeSet::from(["octo/app/prod eu/1".to_owned()]),
            orgs: BTreeSet::from(["acme".to_owned()]),
            scripted: VecDeque::new(),
            header_problems: Vec::new(),
            writes: Vec::new(),
            arrivals: Vec::new(),
        }));
        let shared = state.clone();
        let server = Server::start(move |req| handle(&mut shared.lock().unwrap(), req));
        FakeGithub { server, state }
    }

    /// The value for `GITHUB_API_URL`.
    pub fn url(&self) -> String {
        self.server.url("")
    }

    /// Answer `reply` to the next `times` requests matching `method` and `path`.
    pub fn script(&self, method: &str, path: &str, reply: Reply, times: usize) {
        self.state.lock().unwrap().scripted.push_back(Scripted {
            method: method.to_owned(),
            path: path.to_owned(),
            reply,
            times,
            echo_value: false,
        });
    }

    /// A 422 whose message quotes the decrypted value (a server that echoes input).
    pub fn script_echo(&self, path: &str) {
        self.script_echo_status(path, 422, 1);
    }

    /// `status` answers to the next `times` PUTs matching `path`, each quoting the
    /// decrypted value in its message (a 5xx like that is retried, so it is printed).
    pub fn script_echo_status(&self, path: &str, status: u16, times: usize) {
        self.state.lock().unwrap().scripted.push_back(Scripted {
            method: "PUT".to_owned(),
            path: path.to_owned(),
            reply: Reply::status(status),
            times,
            echo_value: true,
        });
    }

    /// Slow answers: `delay` before the normal answer, `times` times.
    pub fn slow(&self, method: &str, path: &str, delay: Duration, times: usize) {
        self.script(method, path, Reply::status(0).delay(delay), times);
    }

    pub fn secrets(&self, scope: &str) -> BTreeMap<String, Secret> {
        self.state
            .lock()
            .unwrap()
            .secrets
            .get(scope)
            .cloned()
            .unwrap_or_default()
    }

    pub fn variables(&self, scope: &str) -> BTreeMap<String, Variable> {
        self.state
            .lock()
            .unwrap()
            .variables
            .get(scope)
            .cloned()
            .unwrap_or_default()
    }

    pub fn writes(&self) -> Vec<(String, String)> {
        self.state.lock().unwrap().writes.clone()
    }

    /// The time between successive requests matching `method` and `path` (as in
    /// [`FakeGithub::script`]), measured where they arrive: what the tool really waited,
    /// whatever it printed.
    pub fn gaps(&self, method: &str, path: &str) -> Vec<Duration> {
        let state = self.state.lock().unwrap();
        let times: Vec<Instant> = state
            .arrivals
            .iter()
            .filter(|(m, p, _)| m == method && p.contains(path))
            .map(|(_, _, at)| *at)
            .collect();
        times.windows(2).map(|w| w[1] - w[0]).collect()
    }

    /// How many requests matching `method` and `path` (as in [`FakeGithub::script`]) arrived,
    /// counted as they arrive (before a slow answer).
    pub fn arrived(&self, method: &str, path: &str) -> usize {
        let state = self.state.lock().unwrap();
        state
            .arrivals
            .iter()
            .filter(|(m, p, _)| m == method && p.contains(path))
            .count()
    }

    pub fn header_problems(&self) -> Vec<String> {
        self.state.lock().unwrap().header_problems.clone()
    }
}

fn message(status: u16, text: &str) -> Reply {
    Reply::json(
        status,
        &json!({ "message": text, "documentation_url": "https://docs.github.com/rest" }),
    )
}

fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

fn handle(state: &mut State, req: &Request) -> Reply {
    let arrived = Instant::now();
    if req.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
        return message(401, "Bad credentials");
    }
    for (name, want) in [
        ("accept", Some("application/vnd.github+json")),
        ("x-github-api-version", Some("2022-11-28")),
        ("user-agent", None),
    ] {
        let ok = match (req.header(name), want) {
            (Some(got), Some(want)) => got == want,
            (Some(got), None) => got.starts_with("tf-secrets/"),
            (None, _) => false,
        };
        if !ok {
            state
                .header_problems
                .push(format!("{} {}: {name}", req.method, req.path));
        }
    }
    let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
    let segments: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(decode)
        .collect();
    let decoded = segments.join("/");
    state
        .arrivals
        .push((req.method.clone(), decoded.clone(), arrived));

    if let Some(i) = state
        .scripted
        .iter()
        .position(|s| s.method == req.method && decoded.contains(&s.path))
    {
        let scripted = &mut state.scripted[i];
        scripted.times -= 1;
        let mut reply = scripted.reply.clone();
        let echo = scripted.echo_value;
        if scripted.times == 0 {
            state.scripted.remove(i);
        }
        if echo {
            let value = open(state, &req.body).map(|(v, _)| v).unwrap_or_default();
            return message(
                reply.status,
                &format!("Invalid value {}", String::from_utf8_lossy(&value)),
            );
        }
        if reply.status != 0 {
            return reply;
        }
        // status 0: a delay in front of the normal answer
        let delay = reply.delay;
        reply = route(state, req, &segments, query);
        return reply.delay(delay);
    }
    route(state, req, &segments, query)
}

/// Decrypt a PUT body: (value, key_id).
fn open(state: &State, body: &[u8]) -> Result<(Vec<u8>, String), String> {
    let body: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let sealed = body["encrypted_value"]
        .as_str()
        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
        .ok_or("no base64 encrypted_value")?;
    let value = state
        .key
        .unseal(&sealed)
        .map_err(|_| "cannot decrypt".to_owned())?;
    Ok((
        value,
        body["key_id"].as_str().unwrap_or_default().to_owned(),
    ))
}

fn route(state: &mut State, req: &Request, seg: &[String], query: &str) -> Reply {
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    // (scope key, kind, rest of the path)
    let (scope, exists, rest) = match s.as_slice() {
        ["repos", o, r] if req.method == "GET" => {
            return match state.repos.get(&format!("{o}/{r}")) {
                Some(id) => Reply::json(200, &json!({ "id": id, "full_name": format!("{o}/{r}") })),
                None => message(404, "Not Found"),
            };
        }
        ["repos", o, r, "actions", rest @ ..] => (
            format!("repos/{o}/{r}"),
            state.repos.contains_key(&format!("{o}/{r}")),
            rest,
        ),
        ["repos", o, r, "environments", e, rest @ ..] => (
            format!("repos/{o}/{r}/environments/{e}"),
            state.environments.contains(&format!("{o}/{r}/{e}")),
            rest,
        ),
        ["orgs", org, "actions", rest @ ..] => {
            (format!("orgs/{org}"), state.orgs.contains(*org), rest)
        }
        _ => return message(404, "Not Found"),
    };
    if !exists {
        return message(404, "Not Found");
    }
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let visibility = body["visibility"].as_str().map(str::to_owned);
    match (req.method.as_str(), rest) {
        ("GET", ["secrets", "public-key"]) => {
            let key =
                base64::engine::general_purpose::STANDARD.encode(state.key.public_key().as_bytes());
            Reply::json(200, &json!({ "key_id": KEY_ID, "key": key }))
        }
        ("PUT", ["secrets", name]) => {
            state.writes.push((req.method.clone(), seg.join("/")));
            let Ok((value, key_id)) = open(state, &req.body) else {
                return message(
                    422,
                    "Bad request - validation failed due to an improperly encrypted secret",
                );
            };
            if key_id != KEY_ID {
                return message(422, "Bad request - key_id does not match");
            }
            let secret = Secret {
                value,
                visibility,
                selected_repository_ids: body["selected_repository_ids"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_u64).collect()),
            };
            let existed = state
                .secrets
                .entry(scope)
                .or_default()
                .insert((*name).to_owned(), secret)
                .is_some();
            Reply::status(if existed { 204 } else { 201 })
        }
        ("GET", ["variables"]) => {
            assert_eq!(query, "per_page=1");
            let count = state.variables.get(&scope).map_or(0, BTreeMap::len);
            Reply::json(200, &json!({ "total_count": count, "variables": [] }))
        }
        ("POST", ["variables"]) => {
            state.writes.push((req.method.clone(), seg.join("/")));
            let name = body["name"].as_str().unwrap_or_default().to_owned();
            let vars = state.variables.entry(scope).or_default();
            if vars.contains_key(&name) {
                return message(409, "Already exists");
            }
            vars.insert(
                name,
                Variable {
                    value: body["value"].as_str().unwrap_or_default().to_owned(),
                    visibility,
                },
            );
            Reply::status(201)
        }
        ("PATCH", ["variables", name]) => {
            state.writes.push((req.method.clone(), seg.join("/")));
            match state.variables.entry(scope).or_default().get_mut(*name) {
                Some(v) => {
                    body["value"]
                        .as_str()
                        .unwrap_or_default()
                        .clone_into(&mut v.value);
                    v.visibility = visibility;
                    Reply::status(204)
                }
                None => message(404, "Not Found"),
            }
        }
        _ => message(404, "Not Found"),
    }
}
