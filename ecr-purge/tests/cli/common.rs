//! Seeding the emulator's ECR with hand-made manifests, and running the tool against it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::thread;

use assert_cmd::Command;
use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use test_support::CommandExt as _;
use test_support::moto::Moto;

pub const PUT_IMAGE: &str = "AmazonEC2ContainerRegistry_V20150921.PutImage";
const TARGET: &str = "AmazonEC2ContainerRegistry_V20150921.";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// The tool with a clean environment, pointed at the emulator.
pub fn tool(moto: &Moto) -> Command {
    let mut cmd = cargo_bin_cmd!("ecr-purge");
    cmd.scrub_env().envs(moto.env());
    cmd
}

/// The tool with a clean environment and no AWS settings at all (for checks that must
/// fail before any call).
pub fn offline() -> Command {
    let mut cmd = cargo_bin_cmd!("ecr-purge");
    cmd.scrub_env();
    cmd
}

pub fn call(moto: &Moto, op: &str, body: &Value) -> Value {
    moto.call("ecr", &format!("{TARGET}{op}"), body)
}

pub fn create_repo(moto: &Moto, name: &str) {
    call(moto, "CreateRepository", &json!({"repositoryName": name}));
}

/// `sha256:` + hex of the bytes.
pub fn digest_of(bytes: &str) -> String {
    let hash = Sha256::digest(bytes.as_bytes());
    hash.iter().fold("sha256:".to_owned(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A distinct single-platform OCI manifest for `seed`.
pub fn manifest(seed: &str) -> String {
    json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": digest_of(&format!("config {seed}")), "size": 100},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": digest_of(&format!("layer {seed}")), "size": 1000}],
    })
    .to_string()
}

/// An OCI image index over `children` (manifest texts).
pub fn index_manifest(children: &[String]) -> String {
    let manifests: Vec<Value> = children
        .iter()
        .zip(["amd64", "arm64", "s390x", "ppc64le"].iter().cycle())
        .map(|(m, arch)| {
            json!({"mediaType": OCI_MANIFEST, "digest": digest_of(m), "size": m.len(),
                   "platform": {"architecture": arch, "os": "linux"}})
        })
        .collect();
    json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}).to_string()
}

/// Push a manifest by its digest, untagged or with each of `tags` (one PutImage per tag,
/// as `docker push` of several tags does). Returns the digest.
pub fn push(moto: &Moto, repo: &str, manifest: &str, tags: &[&str]) -> String {
    let digest = digest_of(manifest);
    let mut body =
        json!({"repositoryName": repo, "imageManifest": manifest, "imageDigest": digest});
    if tags.is_empty() {
        moto.call("ecr", PUT_IMAGE, &body);
    }
    for tag in tags {
        body["imageTag"] = json!(tag);
        moto.call("ecr", PUT_IMAGE, &body);
    }
    digest
}

/// A multi-arch image: `arches` untagged platform manifests, then the index with `tags`.
/// Returns (index digest, child digests).
pub fn push_multiarch(
    moto: &Moto,
    repo: &str,
    seed: &str,
    arches: usize,
    tags: &[&str],
) -> (String, Vec<String>) {
    let children: Vec<String> = (0..arches)
        .map(|a| manifest(&format!("{seed}/{a}")))
        .collect();
    let digests = children.iter().map(|c| push(moto, repo, c, &[])).collect();
    let index = push(moto, repo, &index_manifest(&children), tags);
    (index, digests)
}

/// Every image of the repository: digest -> sorted tags.
pub fn images(moto: &Moto, repo: &str) -> BTreeMap<String, Vec<String>> {
    let out = call(moto, "DescribeImages", &json!({"repositoryName": repo}));
    out["imageDetails"]
        .as_array()
        .expect("imageDetails")
        .iter()
        .map(|d| {
            let mut tags: Vec<String> = d["imageTags"]
                .as_array()
                .map(|t| t.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default();
            tags.sort();
            (d["imageDigest"].as_str().unwrap().to_owned(), tags)
        })
        .collect()
}

/// Whether the repository exists.
pub fn repo_exists(moto: &Moto, repo: &str) -> bool {
    let (status, _) = moto.try_call(
        "ecr",
        &format!("{TARGET}DescribeRepositories"),
        &json!({"repositoryNames": [repo]}),
    );
    status == 200
}

/// stdout lines `repo<TAB>digest<TAB>tags` parsed into digest -> tags, checking the
/// repository field and that no digest appears twice.
pub fn parse_lines(stdout: &[u8], repo: &str) -> BTreeMap<String, Vec<String>> {
    let text = std::str::from_utf8(stdout).expect("UTF-8 stdout");
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 3, "line {line:?}");
        assert_eq!(fields[0], repo, "line {line:?}");
        let mut tags: Vec<String> = if fields[2].is_empty() {
            Vec::new()
        } else {
            fields[2].split(',').map(str::to_owned).collect()
        };
        tags.sort();
        assert!(
            out.insert(fields[1].to_owned(), tags).is_none(),
            "{} twice",
            fields[1]
        );
    }
    out
}

/// Push `n` images from `threads` threads; every third untagged, every third with two
/// tags. Returns digest -> sorted tags.
pub fn push_many(moto: &Moto, repo: &str, prefix: &str, n: usize) -> BTreeMap<String, Vec<String>> {
    let threads = 4;
    thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    let mut out = BTreeMap::new();
                    for i in (t..n).step_by(threads) {
                        let text = manifest(&format!("{prefix}{i}"));
                        let (one, two) = (format!("{prefix}-{i}"), format!("{prefix}-{i}-extra"));
                        let tags: Vec<&str> = match i % 3 {
                            0 => vec![],
                            1 => vec![&one],
                            _ => vec![&one, &two],
                        };
                        let digest = push(moto, repo, &text, &tags);
                        let mut tags: Vec<String> = tags.iter().map(|t| (*t).to_owned()).collect();
                        tags.sort();
                        out.insert(digest, tags);
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}
