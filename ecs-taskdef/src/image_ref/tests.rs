use super::*;

fn ok(text: &str) -> ImageRef {
    parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn err(text: &str) -> String {
    match parse(text) {
        Ok(r) => panic!("{text} parsed: {r:?}"),
        Err(e) => e.to_string(),
    }
}

const HEX: &str = "94afd1f2e64d908bc90dbca0035a5b567e94afd1f2e64d908bc90dbca0035a5b";

#[test]
fn valid_references_parse_and_print_back() {
    for text in [
        "nginx",
        "nginx:1.27",
        "amazon/amazon-ecs-agent:latest",
        "library/ubuntu",
        "quay.io/assemblyline/ubuntu",
        "123456789012.dkr.ecr.us-east-2.amazonaws.com/web:1.5.0",
        "123456789012.dkr.ecr.us-east-2.amazonaws.com/team/web-api_v2:sha-abc123",
        "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0",
        "localhost/app",
        "localhost:5000/app:dev",
        "registry.example:443/a/b/c",
        "Registry.Example/app",
        "[::1]:5000/app:1",
        "[fe80::1]/app",
        "a__b/c.d/e---f:_x",
        "web:V1.2.3-rc.1_build",
        &format!("web@sha256:{HEX}"),
        &format!("web:1@sha256:{}", HEX.to_ascii_uppercase()),
        &format!("web:{}", "t".repeat(128)),
    ] {
        assert_eq!(ok(text).to_string(), text);
    }
}

#[test]
fn parts_are_split_where_docker_splits_them() {
    assert_eq!(
        ok("localhost:5000/team/app:1"),
        ImageRef {
            registry: Some("localhost:5000".into()),
            repository: "team/app".into(),
            tag: Some("1".into()),
            digest: None,
        }
    );
    let r = ok("team/app");
    assert_eq!(
        (r.registry, r.repository.as_str(), r.tag),
        (None, "team/app", None)
    );
    let r = ok(&format!("r.example/app@sha256:{HEX}"));
    assert_eq!(r.registry.as_deref(), Some("r.example"));
    assert_eq!(r.digest, Some(format!("sha256:{HEX}")));
    assert_eq!(r.name(), "r.example/app");
}

#[test]
fn empty_parts_ask_about_unset_variables() {
    // "$R/web:$T" with both unset.
    assert_eq!(
        err("/web:"),
        "empty path component at the start of the repository \"/web\": did a variable \
         expand to nothing?; empty tag after ':': did a variable expand to nothing?"
    );
    assert_eq!(
        err(":abc"),
        "empty repository name before \":abc\": did a variable expand to nothing?"
    );
    assert_eq!(
        err(""),
        "the image reference is empty: did a variable expand to nothing?"
    );
    assert!(err("r.example/team//web").contains("empty path component ('//')"));
    assert!(err("web/").contains("empty path component at the end"));
    assert!(err("web@").contains("empty digest after '@'"));
    assert!(err("r.example:/web").contains("empty port after ':'"));
    assert!(err("web:1@").contains("did a variable expand to nothing?"));
}

#[test]
fn invalid_parts_say_what_is_allowed() {
    for (text, expected) in [
        (
            "Web:1",
            "repository \"Web\": \"Web\" has capitals; repository names are lowercase",
        ),
        ("r.example/Team/web", "\"Team\" has capitals"),
        ("web:-x", "tag \"-x\" is not valid"),
        ("web:.x", "tag \".x\" is not valid"),
        ("web:a+b", "tag \"a+b\" is not valid"),
        ("we..b", "\"we..b\" is not a valid path component"),
        ("-web", "\"-web\" is not a valid path component"),
        ("web_", "\"web_\" is not a valid path component"),
        ("a___b", "\"a___b\" is not a valid path component"),
        (
            "r.example:99999/web",
            "port \"99999\" is not a number from 1 to 65535",
        ),
        ("r.example:0/web", "port \"0\""),
        ("r.example:http/web", "port \"http\""),
        ("r_x.example/web", "\"r_x.example\" is not a host name"),
        ("-r.example/web", "is not a host name"),
        ("r..example/web", "is not a host name"),
        ("[::1/web", "no ']' after the IPv6 address"),
        ("[zz]/web", "\"zz\" is not an IPv6 address"),
        ("[::1]x/web", "expected ':PORT' after the IPv6 address"),
        (
            "web@sha256:abc",
            "digest \"sha256:abc\" is not valid: ECS takes sha256: and 64 hex digits",
        ),
        ("web@md5:abc", "digest \"md5:abc\" is not valid"),
        ("web:1 2", "no spaces or control characters, found ' '"),
        ("web\n", "found '\\n'"),
    ] {
        let found = err(text);
        assert!(found.contains(expected), "{text}: {found}");
    }
    let long = format!("web:{}", "t".repeat(129));
    assert!(err(&long).contains("is 129 characters; at most 128"));
    let long = format!("r.example/{}", "a".repeat(250));
    assert!(err(&long).contains("is 260 characters; ECS takes at most 255"));
    // The digest does not count against the name.
    ok(&format!("r.example/{}@sha256:{HEX}", "a".repeat(240)));
}

#[test]
fn every_problem_has_a_kind_that_quotes_nothing() {
    for text in [
        "",
        "a b",
        ":x",
        "[zz]:0/Web/a//b:.bad@md5:1",
        "Reg_istry.example:x/web",
        "[::1/web",
        "[::1]x/web",
        "r.example:/web:",
        "web@",
        &format!("web:{}", "t".repeat(129)),
        &format!("r.example/{}", "a".repeat(250)),
    ] {
        let e = parse(text).unwrap_err();
        assert_eq!(e.kinds.len(), e.problems.len(), "{text}: {e:?}");
        let kinds = e.kinds_only();
        for part in ["Web", "zz", "Reg_istry", ".bad", "md5", "ttttt", "aaaaa"] {
            assert!(!kinds.contains(part), "{text}: {kinds}");
        }
    }
}

#[test]
fn ecr_registries_give_their_account_and_region() {
    let ecr = |text: &str| ImageRef::parse(text).unwrap().ecr();
    let expected = Some(Ecr {
        account: "123456789012".into(),
        region: "us-east-2".into(),
    });
    assert_eq!(
        ecr("123456789012.dkr.ecr.us-east-2.amazonaws.com/team/web:1.5.0"),
        expected
    );
    assert_eq!(
        ecr(&format!(
            "123456789012.dkr.ecr.us-east-2.amazonaws.com/web@sha256:{HEX}"
        )),
        expected
    );
    assert_eq!(
        ecr("123456789012.DKR.ECR.US-EAST-2.amazonaws.com/web"),
        expected
    );
    assert_eq!(
        ecr("123456789012.dkr.ecr-fips.us-east-2.amazonaws.com/web"),
        expected
    );
    assert_eq!(ecr("123456789012.dkr-ecr.us-east-2.on.aws/web"), expected);
    assert_eq!(
        ecr("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/web")
            .unwrap()
            .region,
        "cn-north-1"
    );
    for other in [
        "web:1",
        "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0",
        "localhost:5000/web",
        "12345678901.dkr.ecr.us-east-2.amazonaws.com/web",
        "123456789012.dkr.ecr.us-east-2.amazonaws.com:443/web",
        "123456789012.dkr.ecr.amazonaws.com/web",
        "123456789012.dkr.ecr.us-east-2.amazonaws.com.example/web",
    ] {
        assert_eq!(ecr(other), None, "{other}");
    }
    let r = ImageRef::parse("123456789012.dkr.ecr.us-east-2.amazonaws.com/team/web:1").unwrap();
    assert_eq!(
        (r.repository.as_str(), r.tag.as_deref()),
        ("team/web", Some("1"))
    );
}
