//! The harness itself: the emulator starts, resets and answers the AWS CLI; the HTTP
//! server answers what the handler says, over TLS too.

use serde_json::json;
use test_support::http::{Reply, Server, TestCert};
use test_support::moto::Moto;

#[test]
fn emulator_answers_the_cli_and_resets() {
    let moto = Moto::shared().lock();
    moto.aws(&["ecs", "create-cluster", "--cluster-name", "harness"]);
    let clusters = moto.aws(&["ecs", "list-clusters"]);
    assert_eq!(clusters["clusterArns"].as_array().unwrap().len(), 1);
    assert!(moto.default_subnet().starts_with("subnet-"));
    assert!(moto.default_security_group().starts_with("sg-"));
    moto.reset();
    let clusters = moto.call(
        "ecs",
        "AmazonEC2ContainerServiceV20141113.ListClusters",
        &json!({}),
    );
    assert_eq!(clusters["clusterArns"], json!([]));
}

#[test]
fn a_second_server_is_independent() {
    let own = Moto::start();
    let shared = Moto::shared().lock();
    own.aws(&["ecr", "create-repository", "--repository-name", "only-here"]);
    let repos = shared.call(
        "ecr",
        "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories",
        &json!({}),
    );
    assert_eq!(repos["repositories"], json!([]));
    assert_ne!(own.port(), shared.port());
}

fn get(url: &str, ca: Option<&str>) -> Result<(u16, String), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder();
        if let Some(ca) = ca {
            builder =
                builder.tls_certs_only([reqwest::Certificate::from_pem(ca.as_bytes()).unwrap()]);
        }
        let resp = builder
            .build()
            .unwrap()
            .get(url)
            .send()
            .await
            .map_err(|e| format!("{e:?}"))?;
        let status = resp.status().as_u16();
        Ok((status, resp.text().await.unwrap()))
    })
}

#[test]
fn http_server_answers_and_counts() {
    let server = Server::start(|req| {
        if req.path == "/health" {
            Reply::text(200, "ok").header("X-Test", "1")
        } else {
            Reply::status(404)
        }
    });
    assert_eq!(
        get(&server.url("/health"), None).unwrap(),
        (200, "ok".to_owned())
    );
    assert_eq!(get(&server.url("/nope"), None).unwrap().0, 404);
    assert_eq!(server.hits(), 2);
    assert_eq!(server.requests()[1].path, "/nope");
}

#[test]
fn https_server_is_trusted_with_the_test_ca_only() {
    let cert = TestCert::new();
    let server = Server::start_tls(&cert, |_| Reply::text(200, "secure"));
    assert!(server.url("/").starts_with("https://127.0.0.1:"));
    assert_eq!(
        get(&server.url("/"), Some(&cert.ca_pem)).unwrap(),
        (200, "secure".to_owned())
    );
    let other = TestCert::new();
    assert!(get(&server.url("/"), Some(&other.ca_pem)).is_err());
}

#[test]
fn a_closed_port_refuses_until_a_server_takes_it() {
    let port = test_support::ClosedPort::new();
    let err = std::net::TcpStream::connect(port.addr()).expect_err("nothing listens");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused, "{err}");
    // Held: nobody else can bind it meanwhile.
    assert!(std::net::TcpListener::bind(port.addr()).is_err());
    let url = port.url("/late");
    let server = Server::start_on_port(port, |_| Reply::text(200, "here now"));
    assert_eq!(get(&url, None).unwrap(), (200, "here now".to_owned()));
    assert_eq!(server.hits(), 1);
}

#[test]
fn a_tool_on_path_is_found_and_a_missing_one_is_not() {
    assert!(test_support::tools::find_tool("sh").is_some());
    assert!(test_support::tools::find_tool("no-such-tool-anywhere").is_none());
    if !test_support::tools::under_ci() {
        assert!(test_support::require_tool("no-such-tool-anywhere").is_none());
    }
}
