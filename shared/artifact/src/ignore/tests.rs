use std::fs;
use std::path::Path;

use super::*;

fn domain(d: &[&str]) -> Vec<String> {
    d.iter().map(|s| s.to_string()).collect()
}

/// The go-git pattern table that fluxcd/pkg's `sourceignore/gitignore` carries.
#[test]
fn pattern_table_matches_go_git() {
    use MatchResult::*;
    type Case<'a> = (&'a str, &'a [&'a str], &'a [&'a str], bool, MatchResult);
    let cases: &[Case] = &[
        (
            "!vul?ano",
            &[],
            &["value", "vulkano", "tail"],
            false,
            Include,
        ),
        (
            "value",
            &["head", "middle", "tail"],
            &["head", "middle"],
            false,
            NoMatch,
        ),
        (
            "value",
            &["head", "middle", "tail"],
            &["head", "middle", "tail"],
            false,
            NoMatch,
        ),
        (
            "value",
            &["head", "middle", "tail"],
            &["head", "middle", "_tail_", "value"],
            false,
            NoMatch,
        ),
        (
            "middle/",
            &["value", "volcano"],
            &["value", "volcano", "middle", "tail"],
            false,
            Exclude,
        ),
        (
            "volcano/",
            &["value", "volcano"],
            &["value", "volcano", "tail"],
            true,
            NoMatch,
        ),
        ("value", &[], &["value", "tail"], false, Exclude),
        ("value", &[], &["head", "value", "tail"], false, Exclude),
        ("value", &[], &["head", "value"], false, Exclude),
        ("value/", &[], &["value", "tail"], false, Exclude),
        ("value/", &[], &["head", "value", "tail"], false, Exclude),
        ("value/", &[], &["head", "value"], true, Exclude),
        ("value/", &[], &["head", "value"], false, NoMatch),
        ("value", &[], &["head", "val", "tail"], false, NoMatch),
        ("val", &[], &["head", "value", "tail"], false, NoMatch),
        ("v*o", &[], &["value", "vulkano", "tail"], false, Exclude),
        (
            "vul?ano",
            &[],
            &["value", "vulkano", "tail"],
            false,
            Exclude,
        ),
        ("v[ou]l[kc]ano", &[], &["value", "volcano"], false, Exclude),
        ("v[ou]l[", &[], &["value", "vol["], false, NoMatch),
        (
            "/value/vul?ano",
            &[],
            &["value", "vulkano", "tail"],
            false,
            Exclude,
        ),
        (
            "middle/tail/",
            &["value", "volcano"],
            &["value", "volcano", "middle", "tail"],
            true,
            Exclude,
        ),
        (
            "volcano/tail",
            &["value", "volcano"],
            &["value", "volcano", "tail"],
            false,
            NoMatch,
        ),
        (
            "value/vul?ano",
            &[],
            &["value", "vulkano", "tail"],
            false,
            Exclude,
        ),
        ("value/vulkano", &[], &["value", "volcano"], false, NoMatch),
        ("value/vul?ano", &[], &["value"], false, NoMatch),
        (
            "/value/volcano",
            &[],
            &["value", "value", "volcano"],
            false,
            NoMatch,
        ),
        (
            "**/*lue/vol?ano",
            &[],
            &["value", "volcano", "tail"],
            false,
            Exclude,
        ),
        (
            "**/*lue/vol?ano",
            &[],
            &["head", "value", "volcano", "tail"],
            false,
            Exclude,
        ),
        (
            "**/*lue/vol?ano",
            &[],
            &["head", "value", "Volcano", "tail"],
            false,
            NoMatch,
        ),
        (
            "**/*lue/vol?ano/",
            &[],
            &["head", "value", "volcano", "tail"],
            false,
            Exclude,
        ),
        (
            "**/*lue/vol?ano/",
            &[],
            &["head", "value", "volcano"],
            true,
            Exclude,
        ),
        (
            "**/*lue/vol?ano/",
            &[],
            &["head", "value", "Colcano"],
            true,
            NoMatch,
        ),
        (
            "**/*lue/vol?ano/",
            &[],
            &["head", "value", "volcano"],
            false,
            NoMatch,
        ),
        (
            "/*lue/vol?ano/**",
            &[],
            &["value", "volcano", "tail", "moretail"],
            false,
            Exclude,
        ),
        (
            "/*lue/vol?ano/**",
            &[],
            &["value", "volcano"],
            false,
            Exclude,
        ),
        (
            "/*lue/**/vol?ano",
            &[],
            &["value", "volcano"],
            false,
            Exclude,
        ),
        (
            "/*lue/**/vol?ano",
            &[],
            &["value", "middle", "volcano"],
            false,
            Exclude,
        ),
        (
            "/*lue/**/vol?ano",
            &[],
            &["value", "middle1", "middle2", "volcano"],
            false,
            Exclude,
        ),
        (
            "/*lue/**/vol?ano/",
            &[],
            &["value", "middle1", "middle2", "volcano"],
            true,
            Exclude,
        ),
        (
            "/*lue/**/vol?ano/",
            &[],
            &["value", "middle1", "middle2", "volcano"],
            false,
            NoMatch,
        ),
        (
            "/*lue/**/vol?ano/",
            &[],
            &["value", "middle1", "middle2", "volcano", "tail"],
            false,
            Exclude,
        ),
        (
            "/*lue/**foo/vol?ano",
            &[],
            &["value", "foo", "volcano", "tail"],
            false,
            NoMatch,
        ),
        (
            "**/head/v[ou]l[kc]ano",
            &[],
            &["value", "head", "volcano"],
            false,
            Exclude,
        ),
        (
            "**/head/v[ou]l[",
            &[],
            &["value", "head", "vol["],
            false,
            NoMatch,
        ),
        (
            "/value/**/v[ou]l[",
            &[],
            &["value", "head", "vol["],
            false,
            NoMatch,
        ),
        (
            "**/android/**/GeneratedPluginRegistrant.java",
            &[],
            &[
                "packages",
                "flutter_tools",
                "lib",
                "src",
                "android",
                "gradle.dart",
            ],
            false,
            NoMatch,
        ),
    ];
    for (pattern, dom, path, is_dir, want) in cases {
        let got = Pattern::parse(pattern, &domain(dom)).matches(path, *is_dir);
        assert_eq!(
            got, *want,
            "pattern {pattern:?} domain {dom:?} path {path:?} dir {is_dir}"
        );
    }
}

fn write(root: &Path, rel: &str, content: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, content).unwrap();
}

fn excluded(filter: &SourceIgnoreFilter, rel: &str, is_dir: bool) -> bool {
    filter.is_excluded(Path::new(rel), is_dir)
}

#[test]
fn defaults_apply_only_without_user_patterns() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "deploy/app.yaml", "");
    let filter = SourceIgnoreFilter::load(tmp.path(), None).unwrap();
    assert!(excluded(&filter, ".git", true));
    assert!(excluded(&filter, ".git/config", false));
    assert!(excluded(&filter, ".gitignore", false));
    assert!(excluded(&filter, "sub/.gitmodules", false));
    assert!(excluded(&filter, "logo.png", false));
    assert!(excluded(&filter, "docs/img/logo.jpg", false));
    assert!(excluded(&filter, ".github", true));
    assert!(excluded(&filter, ".github/workflows/ci.yaml", false));
    assert!(excluded(&filter, "clusters/prod/.sops.yaml", false));
    assert!(excluded(&filter, "bundle.tar.gz", false));
    assert!(!excluded(&filter, "deploy/app.yaml", false));
    assert!(!excluded(&filter, "deploy", true));

    // Any user pattern switches the defaults off, but never the VCS exclusions.
    let filter = SourceIgnoreFilter::load(tmp.path(), Some("*.txt\n")).unwrap();
    assert!(!excluded(&filter, "logo.png", false));
    assert!(!excluded(&filter, ".github/workflows/ci.yaml", false));
    assert!(excluded(&filter, "notes.txt", false));
    assert!(excluded(&filter, ".git/config", false));
    assert!(excluded(&filter, ".gitattributes", false));
}

#[test]
fn comment_only_spec_ignore_keeps_defaults() {
    let filter = SourceIgnoreFilter::new(read_patterns("# nothing\n\n   \n", &[]));
    assert!(excluded(&filter, "logo.png", false));
}

#[test]
fn sourceignore_in_subdir_is_scoped_to_it() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "apps/.sourceignore", "*.yaml\n!keep.yaml\n");
    write(tmp.path(), "apps/a.yaml", "");
    let filter = SourceIgnoreFilter::load(tmp.path(), None).unwrap();
    assert!(excluded(&filter, "apps/a.yaml", false));
    assert!(excluded(&filter, "apps/nested/b.yaml", false));
    assert!(!excluded(&filter, "apps/keep.yaml", false));
    assert!(!excluded(&filter, "root.yaml", false), "scoped to apps/");
    assert!(!excluded(&filter, "other/a.yaml", false), "scoped to apps/");
    // A .sourceignore exists, so the defaults are off.
    assert!(!excluded(&filter, "logo.png", false));
}

#[test]
fn negation_re_includes_a_directory_below_a_catch_all() {
    // The documented Flux idiom: ignore everything but one directory.
    let filter = SourceIgnoreFilter::new(read_patterns("/*\n!/deploy/\n", &[]));
    assert!(excluded(&filter, "README.md", false));
    assert!(excluded(&filter, "src", true));
    assert!(excluded(&filter, "src/main.go", false));
    assert!(!excluded(&filter, "deploy", true));
    assert!(!excluded(&filter, "deploy/app/deployment.yaml", false));
}

#[test]
fn later_pattern_wins_even_for_files_inside_excluded_dirs() {
    // go-git semantics, not git's: the last matching pattern decides for each path.
    let filter = SourceIgnoreFilter::new(read_patterns("config/\n!config/app.yaml\n", &[]));
    assert!(excluded(&filter, "config", true));
    assert!(!excluded(&filter, "config/app.yaml", false));
    assert!(excluded(&filter, "config/other.yaml", false));

    let filter = SourceIgnoreFilter::new(read_patterns("!config/app.yaml\nconfig/\n", &[]));
    assert!(excluded(&filter, "config/app.yaml", false));
}

#[test]
fn spec_ignore_has_the_highest_precedence() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), ".sourceignore", "!secret.yaml\n");
    write(tmp.path(), "sub/.sourceignore", "!*.md\n");
    let filter =
        SourceIgnoreFilter::load(tmp.path(), Some("secret.yaml\n*.md\n!sub/README.md")).unwrap();
    assert!(excluded(&filter, "secret.yaml", false));
    assert!(excluded(&filter, "sub/notes.md", false));
    assert!(!excluded(&filter, "sub/README.md", false));
}

#[test]
fn spec_ignore_can_re_include_vcs_files() {
    let filter = SourceIgnoreFilter::new(read_patterns("!.gitignore", &[]));
    assert!(!excluded(&filter, ".gitignore", false));
    assert!(excluded(&filter, ".git/HEAD", false));
}

#[test]
fn parsing_details() {
    // Trailing spaces are trimmed unless escaped; '#' only starts a comment at column 0.
    let ps = read_patterns("foo.txt   \n # not a comment\n#comment\r\nbar\r\n", &[]);
    assert_eq!(ps.len(), 3);
    let m = Matcher::new(ps);
    assert!(m.is_excluded(&["foo.txt"], false));
    assert!(m.is_excluded(&["bar"], false));
    assert!(!m.is_excluded(&["#comment"], false));
}

#[test]
fn missing_ignore_file_is_not_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(
        read_ignore_file(&tmp.path().join(IGNORE_FILE), &[])
            .unwrap()
            .is_empty()
    );
}

#[test]
fn ignore_file_that_is_not_a_regular_file_gives_no_patterns() {
    let tmp = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/dev/zero", tmp.path().join(IGNORE_FILE)).unwrap();
    fs::create_dir(tmp.path().join("sub")).unwrap();
    fs::create_dir(tmp.path().join("sub").join(IGNORE_FILE)).unwrap();
    assert!(load_ignore_patterns(tmp.path(), &[]).unwrap().is_empty());
}
