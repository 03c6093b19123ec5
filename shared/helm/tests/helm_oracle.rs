//! Go template semantics and the function library, compared with a live `helm`.
//!
//! The cases are `tools/oracle/snippets.txt`: one template snippet per line,
//! rendered inside a `define` on a small chart (values from
//! `tools/oracle/snippet-values.yaml`, files under `files/`, a `helper`
//! define) by `helm template` and by [`flux_helm::render`]. Output is compared
//! byte for byte; a failing render on both sides is a match (error texts are
//! not compared). `tools/oracle/known-diffs.txt` lists the accepted
//! differences, each with its reason.
//!
//! `--set`, `--set-string`, `--set-json`, `--set-file` and `--set-literal`
//! parsing is compared the same way: the chart prints
//! `toJson .Values` for each case of [`SET_CASES`], over a values file.
//!
//! Always checked: every function the engine registers and every template
//! action appears in some snippet. Compared only when helm is found: through
//! `FLUX_RS_HELM`, else the oracle cache
//! (`~/.cache/flux-rs/oracle/layer/helm/helm`, see
//! ../shared/corpus/helm/README.md). Without helm the test says so and
//! compares nothing; `FLUX_RS_REQUIRE_HELM=1` turns that into a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use flux_helm::{RenderOptions, SetArg, render};

fn oracle_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/oracle")
}

fn snippets() -> Vec<String> {
    std::fs::read_to_string(oracle_dir().join("snippets.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(String::from)
        .collect()
}

/// Accepted differences: snippet lines, each after a `# reason` comment.
fn known_diffs() -> BTreeSet<String> {
    std::fs::read_to_string(oracle_dir().join("known-diffs.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

fn find_helm() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("FLUX_RS_HELM") {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let home = std::env::var_os("HOME")?;
    Some(Path::new(&home).join(".cache/flux-rs/oracle/layer/helm/helm")).filter(|p| p.is_file())
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A chart whose `templates/t.yaml` prints the snippet's output base64-encoded.
fn snippet_chart(dir: &Path, snippet: &str) {
    write(
        dir,
        "Chart.yaml",
        "apiVersion: v2\nname: fn\nversion: 1.2.3\nappVersion: \"4.5\"\ndescription: desc\nkeywords: [k1, k2]\nannotations: {x: y}\n",
    );
    let values = std::fs::read_to_string(oracle_dir().join("snippet-values.yaml")).unwrap();
    write(dir, "values.yaml", &values);
    write(dir, "files/a.txt", "l1\nl2\n");
    write(dir, "files/b.yaml", "k: v\n");
    write(dir, "files/sub/c.txt", "c");
    write(
        dir,
        "templates/_h.tpl",
        "{{- define \"helper\" -}}H:{{ . | toString | trunc 20 }}{{- end -}}",
    );
    write(
        dir,
        "templates/t.yaml",
        &format!(
            "{{{{- define \"x\" }}}}{snippet}{{{{ end }}}}\nout: {{{{ include \"x\" . | b64enc | quote }}}}\n"
        ),
    );
}

/// The decoded `out:` line of a render, or `ERR` when rendering failed.
fn decode_out(ok: bool, stdout: &str) -> String {
    if !ok {
        return "ERR".into();
    }
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("out: \""))
        .and_then(|l| l.strip_suffix('"'))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_else(|| "NOOUT".into())
}

fn ours(dir: &Path) -> String {
    let opts = RenderOptions {
        release_name: "conformance".into(),
        namespace: "ns".into(),
        kube_version: "v1.33.0".into(),
        ..Default::default()
    };
    match render(dir, &opts) {
        Ok(r) => decode_out(true, &r.to_helm_template_output()),
        Err(_) => decode_out(false, ""),
    }
}

fn theirs(helm: &Path, dir: &Path) -> String {
    let out = Command::new(helm)
        .args(["template", "conformance"])
        .arg(dir)
        .args(["--namespace", "ns", "--kube-version", "v1.33.0"])
        .output()
        .unwrap();
    decode_out(out.status.success(), &String::from_utf8_lossy(&out.stdout))
}

/// Identifiers used in function position anywhere in the snippets.
fn words(snips: &[String]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for s in snips {
        for w in s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if !w.is_empty() {
                out.insert(w.to_string());
            }
        }
    }
    out
}

#[test]
fn snippets_cover_every_function_and_action() {
    let snips = snippets();
    let used = words(&snips);
    let missing: Vec<&str> = flux_helm::funcs::names()
        .into_iter()
        .filter(|n| !used.contains(*n))
        .collect();
    assert!(
        missing.is_empty(),
        "functions without a snippet in tools/oracle/snippets.txt: {missing:?}"
    );
    let all = snips.join("\n");
    let actions = [
        "{{ if ",
        "{{ else }}",
        "{{ else if ",
        "{{ else with ",
        "{{ with ",
        "{{ range ",
        "{{ break }}",
        "{{ continue }}",
        "{{ define ",
        "{{ template ",
        "{{ block ",
        "/*",
        "{{- ",
        " -}}",
        ":=",
        " = ",
        "$.",
        " | ",
        "(",
    ];
    let missing: Vec<&str> = actions.into_iter().filter(|a| !all.contains(a)).collect();
    assert!(missing.is_empty(), "actions without a snippet: {missing:?}");
}

#[test]
fn snippets_render_like_helm() {
    let Some(helm) = find_helm() else {
        let msg = "helm not found (set FLUX_RS_HELM or see ../shared/corpus/helm/README.md): \
                   template snippets were NOT compared with helm";
        assert!(std::env::var_os("FLUX_RS_REQUIRE_HELM").is_none(), "{msg}");
        eprintln!("{msg}");
        return;
    };
    let snips = snippets();
    let known = known_diffs();
    let tmp = tempfile::tempdir().unwrap();
    let mut unexpected = Vec::new();
    let mut accepted = 0;
    let mut fixed = Vec::new();
    for (i, s) in snips.iter().enumerate() {
        let dir = tmp.path().join(format!("s{i}"));
        snippet_chart(&dir, s);
        let (a, b) = (theirs(&helm, &dir), ours(&dir));
        match (a == b, known.contains(s)) {
            (true, false) => {}
            (true, true) => fixed.push(s.clone()),
            (false, true) => accepted += 1,
            (false, false) => unexpected.push(format!(
                "#{i}: {s}\n  helm: {:?}\n  ours: {:?}",
                a.chars().take(600).collect::<String>(),
                b.chars().take(600).collect::<String>()
            )),
        }
    }
    eprintln!(
        "helm oracle ({}): {} snippets compared, {} equal, {} accepted differences (known-diffs.txt), {} unexpected",
        helm.display(),
        snips.len(),
        snips.len() - accepted - unexpected.len(),
        accepted,
        unexpected.len()
    );
    for f in &fixed {
        eprintln!("now equal to helm, remove from known-diffs.txt: {f}");
    }
    assert!(
        unexpected.is_empty(),
        "snippets rendering differently from helm:\n{}",
        unexpected.join("\n")
    );
}

/// `--set` cases (flag, expression), each applied over `SET_BASE`.
const SET_CASES: &[&[(&str, &str)]] = &[
    &[("--set", "a.b[0].c=x")],
    &[("--set", "list[1]=y")],
    &[("--set", "m.y[2]=z,m.x=2")],
    &[("--set", "m[0][1]=z")],
    &[("--set", "a[2]=1,a[0]=0")],
    &[("--set", "a[0].b=1,a[0].c=2")],
    &[("--set", "a[1].b=1"), ("--set", "a[0]=x")],
    &[("--set", "a[1][0]=x,a[0]=y")],
    &[(
        "--set",
        "a={x,y,1},b=true,c=null,d=007,e=0,f=-3,g=1.5,h=TRUE,i=",
    )],
    &[("--set-string", "a=1,b=true,c=null")],
    &[("--set", r"a\.b=1,c=a\,b")],
    &[("--set", "a={}")],
    &[("--set", "a[0]=1"), ("--set-string", "a[1]=2")],
    &[("--set", "list[5]=tail,m.x=null")],
    &[("--set", "a")],
    &[("--set", "a,b=1")],
    &[("--set", "a[x]=1")],
    &[("--set", "a[-1]=1")],
    &[("--set", "a[0]x=1")],
    &[("--set", "list.x=1")],
    &[("--set", "m.x[0]=1")],
    &[("--set", "a={x")],
    &[("--set", "x.=1")],
    &[("--set", "a[70000]=1")],
    &[("--set-json", r#"a={"x":1,"y":[1,2.5,"s",null,true]}"#)],
    &[("--set-json", r#"a=1,b="s" , c=[1],d=,e=null"#)],
    &[
        ("--set-json", "m.x=null"),
        ("--set-json", r#"list[1]={"k":"v"}"#),
    ],
    &[("--set-json", "a=1 b=2")],
    &[("--set-json", "a=1x")],
    &[("--set-json", r#"a={"x":"#)],
    &[("--set-json", "a[0]=1,a[2]=[2]")],
    &[(
        "--set-json",
        "a=12345678901234567890,b=1.5e300,c=-0,d=1e-7,e=0.1",
    )],
    &[("--set-json", r#"a.b.c="x",m.n={}"#)],
    &[("--set-json", "list=[]"), ("--set", "list[1]=x")],
    &[("--set-file", "a={dir}/f1.txt,b={dir}/f2.txt")],
    &[("--set-file", "a={{dir}/f1.txt,{dir}/f2.txt}")],
    &[("--set-file", "a=")],
    &[("--set-file", "a={dir}/missing.txt")],
    &[("--set-file", "list[1]={dir}/f2.txt")],
    &[("--set-literal", r"a.b=x,y=z\n{1}")],
    &[("--set-literal", "a,b=1")],
    &[("--set-literal", "a[1]=v=w")],
    &[("--set-literal", "a")],
    &[("--set-literal", "a=")],
    &[("--set-literal", r"a\.b=1")],
    &[("--set-literal", "list[0].k=true")],
    &[
        ("--set", "a=1"),
        ("--set-json", "a=2"),
        ("--set-string", "b=3"),
        ("--set-literal", "b=4"),
        ("--set-file", "c={dir}/f2.txt"),
        ("--set", "c=5"),
    ],
];

const SET_BASE: &str = "list: [a, b, c]\nm: {x: 1, n: {deep: true}}\n";

fn set_chart(dir: &Path) {
    write(
        dir,
        "Chart.yaml",
        "apiVersion: v2\nname: s\nversion: 1.0.0\n",
    );
    write(dir, "values.yaml", "");
    write(dir, "base.yaml", SET_BASE);
    write(dir, "f1.txt", "line1\nline2\n");
    write(dir, "f2.txt", "x,y");
    write(
        dir,
        "templates/t.yaml",
        "v: {{ toJson .Values | b64enc | quote }}\n",
    );
}

fn decode_v(ok: bool, stdout: &str) -> String {
    decode_out(ok, &stdout.replace("v: \"", "out: \""))
}

#[test]
fn set_values_like_helm() {
    let Some(helm) = find_helm() else {
        let msg = "helm not found (set FLUX_RS_HELM or see ../shared/corpus/helm/README.md): \
                   --set cases were NOT compared with helm";
        assert!(std::env::var_os("FLUX_RS_REQUIRE_HELM").is_none(), "{msg}");
        eprintln!("{msg}");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    set_chart(tmp.path());
    let mut bad = Vec::new();
    for case in SET_CASES {
        let mut cmd = Command::new(&helm);
        cmd.args(["template", "s"]).arg(tmp.path());
        cmd.arg("-f").arg(tmp.path().join("base.yaml"));
        let dir = tmp.path().display().to_string();
        let case: Vec<(&str, String)> = case
            .iter()
            .map(|(flag, expr)| (*flag, expr.replace("{dir}", &dir)))
            .collect();
        for (flag, expr) in &case {
            cmd.arg(flag).arg(expr);
        }
        let out = cmd.output().unwrap();
        let theirs = decode_v(out.status.success(), &String::from_utf8_lossy(&out.stdout));
        let opts = RenderOptions {
            release_name: "s".into(),
            values_files: vec![tmp.path().join("base.yaml")],
            set_values: flux_helm::strvals::in_helm_order(case.iter().map(|(flag, expr)| {
                let expr = expr.clone();
                match *flag {
                    "--set" => SetArg::Set(expr),
                    "--set-string" => SetArg::SetString(expr),
                    "--set-json" => SetArg::SetJson(expr),
                    "--set-file" => SetArg::SetFile(expr),
                    "--set-literal" => SetArg::SetLiteral(expr),
                    other => panic!("unknown flag {other}"),
                }
            })),
            ..Default::default()
        };
        let ours = match render(tmp.path(), &opts) {
            Ok(r) => decode_v(true, &r.to_helm_template_output()),
            Err(_) => decode_v(false, ""),
        };
        if theirs != ours {
            bad.push(format!("{case:?}\n  helm: {theirs}\n  ours: {ours}"));
        }
    }
    eprintln!(
        "helm oracle ({}): {} --set cases compared, {} differ",
        helm.display(),
        SET_CASES.len(),
        bad.len()
    );
    assert!(
        bad.is_empty(),
        "--set differs from helm:\n{}",
        bad.join("\n")
    );
}

/// Keys and certificates are random, so they are compared by structure: PEM
/// labels, key types and sizes, certificate fields, extensions (sorted:
/// rcgen writes them in another order than Go) and signatures that verify
/// with the issuer's key.
const CRYPTO_TEMPLATE: &str = r#"{{- $ca := genCA "my-ca" 30 }}
{{- $leaf := genSignedCert "svc" (list "10.0.0.1") (list "svc.ns.svc" "b.example") 10 $ca }}
{{- $self := genSelfSignedCert "me" (list "::1") (list "me.local") 5 }}
{{- $eca := genCAWithKey "ec-ca" 2 (genPrivateKey "ecdsa") }}
{{- $eleaf := genSignedCertWithKey "e" nil (list "e.local") 1 $eca (genPrivateKey "ed25519") }}
rsa: {{ genPrivateKey "rsa" | b64enc | quote }}
dsa: {{ genPrivateKey "dsa" | b64enc | quote }}
ecdsa: {{ genPrivateKey "ecdsa" | b64enc | quote }}
ed25519: {{ genPrivateKey "ed25519" | b64enc | quote }}
caKey: {{ $ca.Key | b64enc | quote }}
ca: {{ $ca.Cert | b64enc | quote }}
leafKey: {{ $leaf.Key | b64enc | quote }}
leaf: {{ $leaf.Cert | b64enc | quote }}
selfKey: {{ $self.Key | b64enc | quote }}
self: {{ $self.Cert | b64enc | quote }}
eca: {{ $eca.Cert | b64enc | quote }}
eleafKey: {{ $eleaf.Key | b64enc | quote }}
eleaf: {{ $eleaf.Cert | b64enc | quote }}
"#;

/// `name: "base64"` lines of a render, decoded.
fn decoded_lines(out: &str) -> Vec<(String, String)> {
    out.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(": \"")?;
            let b = base64::engine::general_purpose::STANDARD
                .decode(v.strip_suffix('"')?)
                .ok()?;
            Some((k.to_string(), String::from_utf8(b).ok()?))
        })
        .collect()
}

fn describe_key(pem: &str) -> String {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::traits::PublicKeyParts;
    let (label, der) = flux_helm::funcs::keys::pem_decode(pem).unwrap();
    let detail = match label.as_str() {
        "RSA PRIVATE KEY" => {
            let k = rsa::RsaPrivateKey::from_pkcs1_der(&der).unwrap();
            format!("{} bits, e={}", k.size() * 8, k.e())
        }
        "DSA PRIVATE KEY" => {
            // SEQUENCE { version, P, Q, ... }: the sizes of P and Q.
            let (_, body, _) = flux_helm::funcs::keys::tlv(&der).unwrap();
            let (_, _, rest) = flux_helm::funcs::keys::tlv(body).unwrap();
            let (_, p, rest) = flux_helm::funcs::keys::tlv(rest).unwrap();
            let (_, q, _) = flux_helm::funcs::keys::tlv(rest).unwrap();
            format!("P {} bytes, Q {} bytes", p.len(), q.len())
        }
        _ => format!("{} DER bytes", der.len()),
    };
    format!("{label}: {detail}")
}

fn describe_cert(pem: &str, issuer_pem: &str) -> String {
    use x509_parser::prelude::*;
    let der = |p: &str| flux_helm::funcs::keys::pem_decode(p).unwrap().1;
    let (cert_der, issuer_der) = (der(pem), der(issuer_pem));
    let (_, cert) = X509Certificate::from_der(&cert_der).unwrap();
    let (_, issuer) = X509Certificate::from_der(&issuer_der).unwrap();
    let mut exts = Vec::new();
    let mut out = vec![
        format!("version {:?}", cert.version()),
        format!("subject {}", cert.subject()),
        format!("issuer {}", cert.issuer()),
        format!("signature {}", cert.signature_algorithm.algorithm),
        format!(
            "public key {} {} bits",
            cert.public_key().algorithm.algorithm,
            cert.public_key().parsed().unwrap().key_size()
        ),
        format!(
            "valid {} days",
            (cert.validity().not_after.timestamp() - cert.validity().not_before.timestamp()
                + 43200)
                / 86400
        ),
        format!("serial <= 128 bits: {}", cert.serial.bits() <= 128),
        format!(
            "verifies with issuer: {:?}",
            cert.verify_signature(Some(issuer.public_key()))
        ),
    ];
    for ext in cert.extensions() {
        let detail = match ext.parsed_extension() {
            ParsedExtension::KeyUsage(k) => format!("{k}"),
            ParsedExtension::BasicConstraints(b) => format!("{b:?}"),
            ParsedExtension::ExtendedKeyUsage(e) => format!("{e:?}"),
            ParsedExtension::SubjectAlternativeName(s) => format!("{s:?}"),
            _ => String::new(),
        };
        exts.push(format!(
            "ext {} critical={} {detail}",
            ext.oid, ext.critical
        ));
    }
    exts.sort();
    out.extend(exts);
    out.join("\n    ")
}

fn describe_crypto(out: &str) -> String {
    let lines = decoded_lines(out);
    let get = |k: &str| {
        lines
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {k} in:\n{out}"))
    };
    let mut d = Vec::new();
    for k in [
        "rsa", "dsa", "ecdsa", "ed25519", "caKey", "leafKey", "selfKey", "eleafKey",
    ] {
        d.push(format!("{k}: {}", describe_key(&get(k))));
    }
    for (k, issuer) in [
        ("ca", "ca"),
        ("leaf", "ca"),
        ("self", "self"),
        ("eca", "eca"),
        ("eleaf", "eca"),
    ] {
        d.push(format!(
            "{k}:\n    {}",
            describe_cert(&get(k), &get(issuer))
        ));
    }
    d.join("\n")
}

#[test]
fn generated_keys_and_certificates_like_helm() {
    let Some(helm) = find_helm() else {
        let msg = "helm not found (set FLUX_RS_HELM or see ../shared/corpus/helm/README.md): \
                   generated keys and certificates were NOT compared with helm";
        assert!(std::env::var_os("FLUX_RS_REQUIRE_HELM").is_none(), "{msg}");
        eprintln!("{msg}");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 1.0.0\n",
    );
    write(tmp.path(), "templates/t.yaml", CRYPTO_TEMPLATE);
    let out = Command::new(&helm)
        .args(["template", "c"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs = describe_crypto(&String::from_utf8_lossy(&out.stdout));
    let opts = RenderOptions {
        release_name: "c".into(),
        ..Default::default()
    };
    let ours = describe_crypto(&render(tmp.path(), &opts).unwrap().to_helm_template_output());
    eprintln!(
        "helm oracle ({}): generated keys and certificates:\n{theirs}",
        helm.display()
    );
    assert_eq!(theirs, ours);
}
