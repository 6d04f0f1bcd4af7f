//! CKAN's Action API against a real server: the envelope, every action's answers and
//! refusals, a harvester's incremental paging, privacy of items that are not public, and
//! the unchanged `ckanapi` client.
use std::collections::{BTreeMap, BTreeSet};

use shuqiao_core::catalog::OpenType;
use shuqiao_core::open::{Assessment, Check};
use shuqiao_service::demo::DemoData;

use crate::support::*;

/// The demo province with rows in its company registers, copied to the portal.
async fn portal() -> App {
    let app = demo_app().await;
    let s = app.store().await;
    s.load_demo_data(
        shuqiao_demo::DEFAULT_SEED,
        DemoData {
            persons: 20,
            companies: 240,
        },
        None,
    )
    .await
    .unwrap();
    // The demo's resources carry no keywords: two released copies that do, for tags.
    let base = shuqiao_demo::province(shuqiao_demo::DEFAULT_SEED)
        .unwrap()
        .resources
        .into_iter()
        .find(|r| r.meta.open_type == OpenType::Open)
        .unwrap()
        .meta;
    let mut copies = Vec::new();
    for (i, tags) in [vec!["市场主体", "企业"], vec!["企业"]]
        .into_iter()
        .enumerate()
    {
        let mut m = base.clone();
        m.name = format!("市场主体名录（第{}批）", i + 1);
        m.name_en = format!("Market entities batch {}", i + 1);
        m.keywords = tags.into_iter().map(str::to_string).collect();
        copies.push((shuqiao_demo::steward_of(&m.provider), m));
    }
    let codes = s
        .catalogue_published(shuqiao_demo::admin(), copies)
        .await
        .unwrap();
    assert_eq!(s.release_many(codes).await.unwrap(), 2);
    s.sync_open_data().await.unwrap();
    app
}

impl App {
    /// A CKAN action by GET with `query`, as (status, body).
    async fn ckan(&self, action: &str, query: &[(&str, &str)]) -> (StatusCode, Value) {
        let qs = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query)
            .finish();
        let resp = self
            .http
            .get(format!("{}/api/3/action/{action}?{qs}", self.base))
            .send()
            .await
            .unwrap();
        let status = resp.status();
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{action}: CKAN answers JSON, never problem+json"
        );
        (status, resp.json().await.unwrap())
    }

    /// An action that must succeed: its `result`.
    async fn ckan_ok(&self, action: &str, query: &[(&str, &str)]) -> Value {
        let (s, v) = self.ckan(action, query).await;
        assert_eq!(s, StatusCode::OK, "{action} {query:?}: {v}");
        assert_eq!(v["success"], json!(true));
        assert_eq!(
            v["help"],
            json!(format!(
                "{}/api/3/action/help_show?name={action}",
                self.base
            ))
        );
        v["result"].clone()
    }

    /// A refused action: its `error`, after checking status and envelope.
    async fn ckan_err(&self, action: &str, query: &[(&str, &str)], status: u16) -> Value {
        let (s, v) = self.ckan(action, query).await;
        assert_eq!(s.as_u16(), status, "{action} {query:?}: {v}");
        assert_eq!(v["success"], json!(false), "{v}");
        assert!(v["help"].as_str().unwrap().ends_with(action), "{v}");
        assert!(v.get("result").is_none());
        v["error"].clone()
    }
}

fn is_ckan_time(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.into_iter().all(|i| b[i].is_ascii_digit());
    b.len() == 26
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'.'
        && digits(20..26)
}

fn extra<'a>(pkg: &'a Value, key: &str) -> &'a str {
    pkg["extras"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["key"] == key)
        .and_then(|e| e["value"].as_str())
        .unwrap_or_else(|| panic!("extra {key} in {pkg}"))
}

/// Every released dataset's package dict.
async fn everything(app: &App) -> Vec<Value> {
    let r = app
        .ckan_ok("package_search", &[("rows", "1000"), ("sort", "name asc")])
        .await;
    let all = r["results"].as_array().unwrap().clone();
    assert_eq!(r["count"], json!(all.len()));
    all
}

async fn titled(app: &App, title: &str) -> Value {
    everything(app)
        .await
        .into_iter()
        .find(|p| p["title"] == title)
        .unwrap_or_else(|| panic!("{title} is released"))
}

#[tokio::test]
async fn ckan_envelope_status_and_request_forms() {
    let app = demo_app().await;
    let st = app.ckan_ok("status_show", &[]).await;
    assert!(st["ckan_version"].as_str().unwrap().starts_with("2.10"));
    assert_eq!(st["site_url"], json!(app.base));
    assert!(st["shuqiao_version"].is_string());

    // The unversioned path answers the same, its help naming version 3.
    let v: Value = app
        .http
        .get(format!("{}/api/action/status_show", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["result"], st);
    assert!(v["help"]
        .as_str()
        .unwrap()
        .ends_with("/api/3/action/help_show?name=status_show"));

    // An unknown action: CKAN's bare string with 400.
    let resp = app
        .http
        .get(format!("{}/api/3/action/package_delete", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!("Bad request - Action name not known: package_delete")
    );

    // POST as JSON, as a form, and a body that is not a JSON object.
    let names = app.ckan_ok("package_list", &[("limit", "3")]).await;
    assert_eq!(names.as_array().unwrap().len(), 3);
    let post: Value = app
        .http
        .post(format!("{}/api/3/action/package_list", app.base))
        .json(&json!({"limit": 3, "all_fields": false}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(post["result"], names);
    let form: Value = app
        .http
        .post(format!("{}/api/3/action/package_list", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("limit=3&offset=0")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(form["result"], names);
    let deep = format!("{{\"limit\": {}1{}}}", "[".repeat(33), "]".repeat(33));
    for body in ["[1, 2]", "{not json", deep.as_str()] {
        let resp = app
            .http
            .post(format!("{}/api/3/action/package_list", app.base))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{body}");
        let v: Value = resp.json().await.unwrap();
        assert!(
            v.as_str().unwrap().starts_with("Bad request - JSON Error"),
            "{v}"
        );
        if body == deep {
            assert!(v.as_str().unwrap().contains("nested more than 32"), "{v}");
        }
    }

    // Paging parameters are checked with CKAN's messages.
    let e = app
        .ckan_err("package_list", &[("limit", "ten"), ("offset", "-1")], 409)
        .await;
    assert_eq!(
        e,
        json!({"__type": "Validation Error", "limit": ["Invalid integer"], "offset": ["Must be a natural number"]})
    );
}

#[tokio::test]
async fn ckan_package_show_and_datasets_that_are_not_released() {
    let app = portal().await;
    let names = app.ckan_ok("package_list", &[]).await;
    let names: Vec<String> = serde_json::from_value(names).unwrap();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let page = app
        .ckan_ok("package_list", &[("limit", "5"), ("offset", "2")])
        .await;
    assert_eq!(page, json!(names[2..7]));

    let pkg = titled(&app, "企业登记信息").await;
    let slug = pkg["name"].as_str().unwrap().to_string();
    assert!(names.contains(&slug));
    let shown = app.ckan_ok("package_show", &[("id", &slug)]).await;
    assert_eq!(shown, pkg, "package_show and package_search agree");
    let by_id = app
        .ckan_ok("package_show", &[("id", pkg["id"].as_str().unwrap())])
        .await;
    assert_eq!(by_id, pkg);

    // CKAN's package dict.
    assert_eq!(pkg["type"], "dataset");
    assert_eq!(pkg["state"], "active");
    assert_eq!(pkg["private"], json!(false));
    assert_eq!(pkg["title_translated"]["zh_Hans"], "企业登记信息");
    assert_eq!(
        pkg["title_translated"]["en"],
        "Enterprise registration information"
    );
    assert_eq!(pkg["license_id"], "cc-by");
    assert_eq!(pkg["url"], json!(format!("{}/datasets/{slug}", app.base)));
    assert_eq!(pkg["owner_org"], pkg["organization"]["id"]);
    assert!(pkg["organization"]["name"]
        .as_str()
        .unwrap()
        .starts_with("hi-"));
    for t in ["metadata_created", "metadata_modified"] {
        assert!(is_ckan_time(pkg[t].as_str().unwrap()), "{t}: {}", pkg[t]);
    }
    assert_eq!(extra(&pkg, "open_type"), "无条件开放");
    assert!(extra(&pkg, "security_assessment").contains("个人信息通过"));
    assert_eq!(
        pkg["num_tags"],
        json!(pkg["tags"].as_array().unwrap().len())
    );
    let res = pkg["resources"].as_array().unwrap();
    assert_eq!(pkg["num_resources"], json!(3));
    let formats: Vec<&str> = res.iter().map(|r| r["format"].as_str().unwrap()).collect();
    assert_eq!(formats, ["CSV", "JSON", "XLSX"]);
    for (i, r) in res.iter().enumerate() {
        assert_eq!(r["position"], json!(i));
        assert_eq!(r["package_id"], pkg["id"]);
        let ext = formats[i].to_lowercase();
        assert_eq!(
            r["url"],
            json!(format!("{}/datasets/{slug}/data.{ext}", app.base))
        );
        assert_eq!(r["datastore_active"], json!(i == 0));
        assert!(is_ckan_time(r["last_modified"].as_str().unwrap()));
    }
    assert_eq!(res[0]["mimetype"], "text/csv");

    // Missing, waiting for review, and 不予开放: one answer, word for word.
    let missing = app
        .ckan_err("package_show", &[("id", "no-such-dataset")], 404)
        .await;
    assert_eq!(
        missing,
        json!({"__type": "Not Found Error", "message": "Not found"})
    );
    let s = app.store().await;
    let waiting = s
        .open_releases(shuqiao_demo::admin())
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.state == shuqiao_core::open::ReleaseState::Proposed)
        .expect("the demo has a release waiting");
    assert!(!names.contains(&waiting.slug));
    for id in [waiting.slug.clone(), waiting.code.clone()] {
        assert_eq!(
            app.ckan_err("package_show", &[("id", &id)], 404).await,
            missing,
            "{id}"
        );
    }
    let closed = s
        .search(
            shuqiao_demo::admin(),
            shuqiao_service::catalog::SearchQuery {
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|r| r.open_type == "closed")
        .expect("the demo has 不予开放 resources");
    assert_eq!(
        app.ckan_err("package_show", &[("id", &closed.code)], 404)
            .await,
        missing
    );
    assert_eq!(
        app.ckan_err("package_show", &[], 409).await,
        json!({"__type": "Validation Error", "id": ["Missing value"]})
    );
}

#[tokio::test]
async fn ckan_package_search_filters_sorts_facets_and_refusals() {
    let app = portal().await;
    let all = everything(&app).await;
    assert!(all.len() > 50);
    let orgs: BTreeMap<&str, usize> = all.iter().fold(BTreeMap::new(), |mut m, p| {
        *m.entry(p["organization"]["name"].as_str().unwrap())
            .or_default() += 1;
        m
    });
    let (big, big_n) = orgs.iter().max_by_key(|(_, n)| **n).unwrap();

    // Defaults: ten results, CKAN's default sort echoed.
    let r = app.ckan_ok("package_search", &[]).await;
    assert_eq!(r["results"].as_array().unwrap().len(), 10);
    assert_eq!(r["count"], json!(all.len()));
    assert_eq!(r["sort"], "score desc, metadata_modified desc");

    // Chinese text search.
    let r = app
        .ckan_ok("package_search", &[("q", "企业登记"), ("rows", "3")])
        .await;
    assert_eq!(r["results"][0]["title"], "企业登记信息");

    // fq: organization, its negation, OR, groups, tags, formats, licences, times.
    let r = fq(&app, format!("organization:{big}")).await;
    assert_eq!(r["count"], json!(big_n));
    assert!(r["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["organization"]["name"] == **big));
    let r = fq(&app, format!("-organization:{big}")).await;
    assert_eq!(r["count"], json!(all.len() - big_n));
    let two: Vec<&&str> = orgs.keys().take(2).collect();
    let r = fq(
        &app,
        format!("organization:{} OR organization:{}", two[0], two[1]),
    )
    .await;
    assert_eq!(r["count"], json!(orgs[*two[0]] + orgs[*two[1]]));
    let base_n = all
        .iter()
        .filter(|p| p["groups"][0]["name"] == "base")
        .count();
    assert!(base_n > 0);
    assert_eq!(fq(&app, "groups:base").await["count"], json!(base_n));
    let tag = all
        .iter()
        .flat_map(|p| p["tags"].as_array().unwrap().iter())
        .map(|t| t["name"].as_str().unwrap().to_string())
        .next()
        .unwrap();
    let tagged = all
        .iter()
        .filter(|p| {
            p["tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["name"] == tag)
        })
        .count();
    assert_eq!(
        fq(&app, format!("tags:\"{tag}\"")).await["count"],
        json!(tagged)
    );
    assert_eq!(
        fq(
            &app,
            format!("tags:\"{tag}\" AND organization:{big} res_format:CSV license_id:cc-by")
        )
        .await["count"],
        json!(all
            .iter()
            .filter(|p| p["organization"]["name"] == **big
                && p["tags"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|t| t["name"] == tag))
            .count())
    );
    assert_eq!(fq(&app, "res_format:PDF").await["count"], json!(0));
    assert_eq!(
        fq(&app, "metadata_modified:[2026-01-01T00:00:00Z TO *]").await["count"],
        json!(all.len())
    );
    assert_eq!(
        fq(&app, "metadata_modified:[* TO 2000-01-01T00:00:00Z]").await["count"],
        json!(0)
    );
    let newest = all
        .iter()
        .map(|p| p["metadata_modified"].as_str().unwrap())
        .max()
        .unwrap();
    let r = fq(&app, format!("metadata_modified:[{newest}Z TO {newest}Z]")).await;
    assert!(r["count"].as_u64().unwrap() >= 1);
    assert!(r["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["metadata_modified"] == newest));
    let r = app
        .ckan_ok(
            "package_search",
            &[(
                "fq_list",
                &json!([format!("organization:{big}"), "groups:base"]).to_string(),
            )],
        )
        .await;
    assert!(r["count"].as_u64().unwrap() <= *big_n as u64);

    // Sorts.
    let names = |r: &Value, key: &str| -> Vec<String> {
        r["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[key].as_str().unwrap().to_string())
            .collect()
    };
    for (sort, key, desc) in [
        ("name asc", "name", false),
        ("name desc", "name", true),
        ("metadata_modified desc", "metadata_modified", true),
        ("metadata_modified asc", "metadata_modified", false),
        ("id asc", "id", false),
        ("title_string asc", "title", false),
    ] {
        let r = app
            .ckan_ok("package_search", &[("sort", sort), ("rows", "1000")])
            .await;
        let got = names(&r, key);
        let mut want = got.clone();
        want.sort();
        if desc {
            want.reverse();
        }
        if key != "name" {
            assert_eq!(got, want, "{sort}");
        } else {
            // Names sort by the English title, which gives the name.
            assert_eq!(got.len(), all.len(), "{sort}");
        }
        assert_eq!(r["sort"], sort);
    }

    // Facets, both shapes.
    let r = app
        .ckan_ok(
            "package_search",
            &[
                (
                    "facet.field",
                    r#"["organization", "groups", "res_format", "tags"]"#,
                ),
                ("rows", "0"),
            ],
        )
        .await;
    assert!(r["results"].as_array().unwrap().is_empty());
    assert_eq!(r["facets"]["organization"][big], json!(big_n));
    assert_eq!(r["facets"]["res_format"]["CSV"], json!(all.len()));
    assert_eq!(r["facets"]["groups"]["base"], json!(base_n));
    let items = r["search_facets"]["organization"]["items"]
        .as_array()
        .unwrap();
    assert_eq!(r["search_facets"]["organization"]["title"], "organization");
    assert_eq!(items[0]["name"], json!(big));
    assert_eq!(items[0]["count"], json!(big_n));
    assert!(items[0]["display_name"]
        .as_str()
        .unwrap()
        .chars()
        .any(|c| c > '\u{2e80}'));
    let groups = &r["search_facets"]["groups"]["items"];
    assert!(groups
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["name"] == "base" && g["display_name"] == "基础信息资源"));

    // Paging: rows and start; rows above CKAN's maximum are lowered to it.
    let r = app
        .ckan_ok(
            "package_search",
            &[("rows", "4"), ("start", "2"), ("sort", "id asc")],
        )
        .await;
    let ids = names(&r, "id");
    let mut every: Vec<String> = all
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    every.sort();
    assert_eq!(ids, every[2..6]);
    let r = app.ckan_ok("package_search", &[("rows", "5000")]).await;
    assert_eq!(r["results"].as_array().unwrap().len(), all.len().min(1000));
    let r = app
        .ckan_ok(
            "package_search",
            &[("include_private", "true"), ("rows", "1")],
        )
        .await;
    assert_eq!(r["count"], json!(all.len()));

    // Refusals, CKAN's way.
    let e = app
        .ckan_err("package_search", &[("rows", "many"), ("start", "-3")], 409)
        .await;
    assert_eq!(
        e,
        json!({"__type": "Validation Error", "rows": ["Invalid integer"], "start": ["Must be a natural number"]})
    );
    assert_eq!(
        app.ckan_err("package_search", &[("rows", "-1")], 409).await["rows"],
        json!(["Must be a natural number"])
    );
    for (k, v) in [
        ("fq", "metadata_modified:[2026-01-01T00:00:00Z TO"),
        ("fq", "metadata_modified:[last week TO *]"),
        ("fq", "colour:red"),
        ("sort", "popularity desc"),
        ("sort", "name sideways"),
        ("facet.field", "[1, 2]"),
        ("colour", "red"),
    ] {
        let (s, v2) = app.ckan("package_search", &[(k, v)]).await;
        assert!(
            s == StatusCode::BAD_REQUEST || s == StatusCode::CONFLICT,
            "{k}={v}: {s} {v2}"
        );
        let t = v2["error"]["__type"].as_str().unwrap();
        assert!(
            t == "Search Query Error" || t == "Validation Error",
            "{k}={v}: {v2}"
        );
        assert_eq!(v2["success"], json!(false));
    }
    let e = app
        .ckan_err("package_search", &[("colour", "red")], 400)
        .await;
    assert_eq!(e["__type"], "Search Query Error");
    assert!(e["message"].as_str().unwrap().contains("'colour'"), "{e}");
}

async fn fq(app: &App, f: impl AsRef<str>) -> Value {
    app.ckan_ok("package_search", &[("fq", f.as_ref()), ("rows", "1000")])
        .await
}

/// Pages through `fq` as ckanext-harvest's CKAN harvester does: sorted by id, `rows` at a
/// time, until a page comes back short. Returns the ids in the order seen.
async fn harvest(app: &App, fq: Option<&str>, rows: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let rows_s = rows.to_string();
    for page in 0.. {
        let start = (page * rows).to_string();
        let mut q = vec![
            ("rows", rows_s.as_str()),
            ("start", start.as_str()),
            ("sort", "id asc"),
        ];
        if let Some(f) = fq {
            q.push(("fq", f));
        }
        let r = app.ckan_ok("package_search", &q).await;
        let got = r["results"].as_array().unwrap().clone();
        let n = got.len();
        out.extend(got);
        if n < rows {
            break;
        }
    }
    out
}

fn assessment() -> Assessment {
    let ok = Check {
        passed: true,
        note: "已核查".into(),
    };
    Assessment {
        assessor: "评估组".into(),
        personal_info: ok.clone(),
        reidentification: ok.clone(),
        trade_secret: ok,
        conclusion: OpenType::Open,
        assessed_on: "2026-12-01".into(),
    }
}

#[tokio::test]
async fn ckan_harvester_pages_every_dataset_once_then_only_what_changed() {
    let app = portal().await;
    let released: BTreeSet<String> = app
        .store()
        .await
        .open_names()
        .await
        .unwrap()
        .into_iter()
        .collect();
    let first = harvest(&app, None, 7).await;
    let names: Vec<String> = first
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    let unique: BTreeSet<String> = names.iter().cloned().collect();
    assert_eq!(unique.len(), names.len(), "no dataset twice");
    assert_eq!(unique, released, "every released dataset, no gaps");
    let last = first
        .iter()
        .map(|p| p["metadata_modified"].as_str().unwrap().to_string())
        .max()
        .unwrap();

    // The same since-the-last-run query the harvester sends finds nothing newer…
    let since = format!("metadata_modified:{{{last}Z TO *]");
    assert!(harvest(&app, Some(&since), 7).await.is_empty());

    // …until a dataset is withdrawn and released again.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let s = app.store().await;
    let pkg = titled(&app, "企业登记信息").await;
    let code = extra(&pkg, "resource_code").to_string();
    let org = pkg["organization"]["name"].as_str().unwrap().to_string();
    s.withdraw_open(shuqiao_demo::admin(), &code, "数据核查")
        .await
        .unwrap();
    assert_eq!(
        harvest(&app, Some(&since), 7).await.len(),
        0,
        "a withdrawn dataset is not on the portal"
    );
    s.propose_open(shuqiao_demo::steward_of(&org), &code, assessment())
        .await
        .unwrap();
    s.review_open(shuqiao_demo::admin(), &code, true, "")
        .await
        .unwrap();
    let changed = harvest(&app, Some(&since), 7).await;
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0]["name"], pkg["name"]);
    assert!(changed[0]["metadata_modified"].as_str().unwrap() > last.as_str());
    assert_eq!(changed[0]["id"], pkg["id"], "ids never change");
    let inclusive = format!("metadata_modified:[{last}Z TO *]");
    assert!(harvest(&app, Some(&inclusive), 7).await.len() >= 2);
}

#[tokio::test]
async fn ckan_datastore_search_reads_rows_with_filters_links_and_refusals() {
    let app = portal().await;
    let pkg = titled(&app, "企业登记信息").await;
    let csv = pkg["resources"][0]["id"].as_str().unwrap().to_string();
    let r = app
        .ckan_ok("datastore_search", &[("resource_id", &csv), ("limit", "5")])
        .await;
    assert_eq!(r["resource_id"], json!(csv));
    assert_eq!(r["total"], json!(240));
    assert_eq!(r["limit"], json!(5));
    assert_eq!(r["records_format"], "objects");
    let fields = r["fields"].as_array().unwrap();
    assert_eq!(fields[0], json!({"id": "_id", "type": "int"}));
    let qymc = fields.iter().find(|f| f["id"] == "QYMC").unwrap();
    assert_eq!(qymc["info"]["label"], "企业名称");
    let records = r["records"].as_array().unwrap();
    assert_eq!(records.len(), 5);
    assert!(records[0]["_id"].is_i64());
    assert_eq!(
        r["_links"],
        json!({
            "start": format!("/api/3/action/datastore_search?resource_id={csv}&limit=5"),
            "next": format!("/api/3/action/datastore_search?resource_id={csv}&limit=5&offset=5"),
        })
    );
    let r2 = app
        .ckan_ok(
            "datastore_search",
            &[("resource_id", &csv), ("limit", "5"), ("offset", "5")],
        )
        .await;
    assert_eq!(
        r2["_links"]["next"],
        json!(format!(
            "/api/3/action/datastore_search?resource_id={csv}&limit=5&offset=10"
        ))
    );
    assert_ne!(r2["records"][0], records[0]);
    // The dataset's name reads the same rows.
    let by_name = app
        .ckan_ok(
            "datastore_search",
            &[
                ("resource_id", pkg["name"].as_str().unwrap()),
                ("limit", "5"),
            ],
        )
        .await;
    assert_eq!(by_name["records"], r["records"]);

    // A filter (a value or a list), its exact total, fields, sort, text, no total.
    let all = app
        .ckan_ok(
            "datastore_search",
            &[("resource_id", &csv), ("limit", "1000")],
        )
        .await;
    let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
    for rec in all["records"].as_array().unwrap() {
        *by_kind
            .entry(rec["QYLX"].as_str().unwrap().into())
            .or_default() += 1;
    }
    let (kind, n) = by_kind.iter().max_by_key(|(_, n)| **n).unwrap();
    let filters = json!({"QYLX": kind}).to_string();
    let r = app
        .ckan_ok(
            "datastore_search",
            &[
                ("resource_id", &csv),
                ("filters", &filters),
                ("fields", "QYMC,QYLX"),
                ("sort", "QYMC desc"),
                ("limit", "4"),
            ],
        )
        .await;
    assert_eq!(r["total"], json!(n));
    let recs = r["records"].as_array().unwrap();
    assert!(recs.iter().all(|x| x["QYLX"] == **kind));
    let keys: BTreeSet<&str> = recs[0]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(keys, BTreeSet::from(["QYMC", "QYLX"]));
    let names: Vec<&str> = recs.iter().map(|x| x["QYMC"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted);
    let two: Vec<&String> = by_kind.keys().take(2).collect();
    let both = json!({"QYLX": two}).to_string();
    let r = app
        .ckan_ok(
            "datastore_search",
            &[
                ("resource_id", &csv),
                ("filters", &both),
                ("include_total", "false"),
            ],
        )
        .await;
    assert!(r.get("total").is_none());
    assert_eq!(r["include_total"], json!(false));
    let post: Value = app
        .http
        .post(format!("{}/api/3/action/datastore_search", app.base))
        .json(&json!({"resource_id": csv, "filters": {"QYLX": two}, "limit": 1000}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        post["result"]["total"],
        json!(by_kind[two[0]] + by_kind[two[1]])
    );
    assert_eq!(
        post["result"]["_links"]["next"],
        json!("/api/3/action/datastore_search?offset=1000")
    );
    let name = all["records"][3]["QYMC"].as_str().unwrap().to_string();
    let r = app
        .ckan_ok("datastore_search", &[("resource_id", &csv), ("q", &name)])
        .await;
    assert!(r["records"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["QYMC"] == name));
    let r = app
        .ckan_ok(
            "datastore_search",
            &[("resource_id", &csv), ("limit", "40000")],
        )
        .await;
    assert_eq!(r["limit"], json!(32000), "lowered to CKAN's maximum");

    // Refusals.
    let e = app
        .ckan_err(
            "datastore_search",
            &[
                ("resource_id", &csv),
                ("filters", "[1]"),
                ("limit", "x"),
                ("offset", "-1"),
            ],
            409,
        )
        .await;
    assert_eq!(e["__type"], "Validation Error");
    assert_eq!(e["filters"], json!(["Not a JSON object"]));
    assert_eq!(e["limit"], json!(["Invalid integer"]));
    assert_eq!(e["offset"], json!(["Must be a natural number"]));
    let e = app
        .ckan_err(
            "datastore_search",
            &[
                ("resource_id", &csv),
                ("filters", r#"{"NOPE": "1"}"#),
                ("sort", "ALSO_NOPE asc"),
            ],
            409,
        )
        .await;
    assert_eq!(
        e,
        json!({"__type": "Validation Error", "filters": ["field \"NOPE\" not in table"], "sort": ["field \"ALSO_NOPE\" not in table"]})
    );
    assert_eq!(
        app.ckan_err("datastore_search", &[], 409).await["resource_id"],
        json!(["Missing value"])
    );
    let missing = app
        .ckan_err(
            "datastore_search",
            &[("resource_id", "no-such-resource")],
            404,
        )
        .await;
    assert_eq!(missing["__type"], "Not Found Error");
    assert!(
        !missing.to_string().contains("no-such-resource"),
        "the id is not echoed"
    );
    // The JSON distribution is not in the datastore; a dataset waiting for review is not
    // on the portal at all: both read as missing.
    let json_id = pkg["resources"][1]["id"].as_str().unwrap();
    assert_eq!(
        app.ckan_err("datastore_search", &[("resource_id", json_id)], 404)
            .await,
        missing
    );
    let waiting = app
        .store()
        .await
        .open_releases(shuqiao_demo::admin())
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.state == shuqiao_core::open::ReleaseState::Proposed)
        .unwrap();
    for id in [
        shuqiao_core::open::distribution_id(&waiting.code, "csv"),
        waiting.slug.clone(),
    ] {
        assert_eq!(
            app.ckan_err("datastore_search", &[("resource_id", &id)], 404)
                .await,
            missing,
            "{id}"
        );
    }

    // 有条件开放: the dataset is listed, its rows need a key.
    let conditional = everything(&app)
        .await
        .into_iter()
        .find(|p| extra(p, "open_type") == "有条件开放")
        .expect("the demo releases 有条件开放 data");
    assert_eq!(
        conditional["resources"][0]["datastore_active"],
        json!(false)
    );
    let e = app
        .ckan_err(
            "datastore_search",
            &[(
                "resource_id",
                conditional["resources"][0]["id"].as_str().unwrap(),
            )],
            403,
        )
        .await;
    assert_eq!(e["__type"], "Authorization Error");
    assert!(e["message"]
        .as_str()
        .unwrap()
        .starts_with("Access denied: "));
    assert!(e["message"].as_str().unwrap().contains("密钥"));
}

#[tokio::test]
async fn ckan_items_graded_important_never_leave() {
    let app = portal().await;
    let pkg = titled(&app, "营业执照信息").await;
    assert!(!pkg.to_string().contains("ZZBH"));
    assert!(!pkg.to_string().contains("证照编号"));
    let csv = pkg["resources"][0]["id"].as_str().unwrap();
    let r = app
        .ckan_ok(
            "datastore_search",
            &[("resource_id", csv), ("limit", "1000")],
        )
        .await;
    assert_eq!(r["total"], json!(240));
    let text = r.to_string();
    for hidden in ["ZZBH", "证照编号", "ZZWJ"] {
        assert!(!text.contains(hidden), "{hidden} leaked");
    }
    assert!(text.contains("CZZTMC"), "public items are there");
    // As a filter, a field, or a sort key it reads exactly as a field that never existed.
    for (k, v, nope) in [
        ("filters", r#"{"ZZBH": "1"}"#, r#"{"NOPE": "1"}"#),
        ("fields", "ZZBH", "NOPE"),
        ("sort", "ZZBH asc", "NOPE asc"),
    ] {
        let hidden = app
            .ckan_err("datastore_search", &[("resource_id", csv), (k, v)], 409)
            .await;
        let absent = app
            .ckan_err("datastore_search", &[("resource_id", csv), (k, nope)], 409)
            .await;
        assert_eq!(
            hidden.to_string().replace("ZZBH", "NOPE"),
            absent.to_string(),
            "{k}"
        );
    }
    // Nor does a text search reach it.
    let r = app
        .ckan_ok("datastore_search", &[("resource_id", csv), ("q", "ZZBH")])
        .await;
    assert_eq!(r["total"], json!(0));
}

#[tokio::test]
async fn ckan_organizations_groups_tags_and_resources() {
    let app = portal().await;
    let all = everything(&app).await;
    let orgs = app.ckan_ok("organization_list", &[]).await;
    let orgs: Vec<String> = serde_json::from_value(orgs).unwrap();
    let mut want: Vec<String> = all
        .iter()
        .map(|p| p["organization"]["name"].as_str().unwrap().to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    want.sort();
    assert_eq!(orgs, want);
    let full = app
        .ckan_ok(
            "organization_list",
            &[("all_fields", "true"), ("sort", "package_count desc")],
        )
        .await;
    let first = &full[0];
    let count = all
        .iter()
        .filter(|p| p["organization"]["name"] == first["name"])
        .count();
    assert_eq!(first["package_count"], json!(count));
    assert!(full
        .as_array()
        .unwrap()
        .windows(2)
        .all(|w| w[0]["package_count"].as_u64() >= w[1]["package_count"].as_u64()));
    let org = app
        .ckan_ok(
            "organization_show",
            &[
                ("id", first["id"].as_str().unwrap()),
                ("include_datasets", "true"),
            ],
        )
        .await;
    assert_eq!(org["name"], first["name"]);
    assert_eq!(org["is_organization"], json!(true));
    assert_eq!(org["packages"].as_array().unwrap().len(), count);
    assert_eq!(
        app.ckan_err("organization_show", &[("id", "hi-nobody")], 404)
            .await["__type"],
        "Not Found Error"
    );
    assert_eq!(
        app.ckan_err("organization_list", &[("sort", "colour")], 409)
            .await["__type"],
        "Validation Error"
    );

    let groups = app.ckan_ok("group_list", &[]).await;
    assert_eq!(groups, json!(["base", "department", "theme"]));
    let g = app.ckan_ok("group_show", &[("id", "theme")]).await;
    assert_eq!(g["title"], "主题信息资源");
    assert_eq!(
        g["package_count"],
        json!(all
            .iter()
            .filter(|p| p["groups"][0]["name"] == "theme")
            .count())
    );
    let by_id = app
        .ckan_ok("group_show", &[("id", g["id"].as_str().unwrap())])
        .await;
    assert_eq!(by_id, g);
    assert_eq!(
        app.ckan_err("group_show", &[("id", "sports")], 404).await["message"],
        "Not found"
    );

    let tags: Vec<String> = serde_json::from_value(app.ckan_ok("tag_list", &[]).await).unwrap();
    let want: BTreeSet<String> = all
        .iter()
        .flat_map(|p| p["tags"].as_array().unwrap().iter())
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(tags, want.into_iter().collect::<Vec<_>>());
    let some = tags[0].chars().take(1).collect::<String>();
    let filtered: Vec<String> =
        serde_json::from_value(app.ckan_ok("tag_list", &[("query", &some)]).await).unwrap();
    assert!(!filtered.is_empty() && filtered.iter().all(|t| t.contains(&some)));

    let pkg = &all[0];
    for r in pkg["resources"].as_array().unwrap() {
        let shown = app
            .ckan_ok("resource_show", &[("id", r["id"].as_str().unwrap())])
            .await;
        assert_eq!(&shown, r);
    }
    assert_eq!(
        app.ckan_err("resource_show", &[("id", "nope")], 404).await,
        json!({"__type": "Not Found Error", "message": "Not found"})
    );
}

/// The unchanged `ckanapi` command-line client from PyPI, pinned.
const CKANAPI: &str = "ckanapi==4.8";

/// The `ckanapi` command, installing it when it is missing: on the path, or in the scripts
/// directory of the Python that pip installs for.
fn ckanapi_command() -> Option<std::path::PathBuf> {
    use std::process::{Command, Stdio};
    let works = |p: &std::path::Path| {
        Command::new(p)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let scripts = || {
        let out = Command::new("python3")
            .args([
                "-c",
                "import sysconfig; print(sysconfig.get_path('scripts'))",
            ])
            .output()
            .ok()?;
        Some(std::path::PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("ckanapi"))
    };
    let find = || {
        let on_path = std::path::PathBuf::from("ckanapi");
        if works(&on_path) {
            return Some(on_path);
        }
        scripts().filter(|p| works(p))
    };
    if let Some(p) = find() {
        return Some(p);
    }
    let pip = |extra: &[&str]| {
        Command::new("python3")
            .args(["-m", "pip", "install", "-q"])
            .args(extra)
            .arg(CKANAPI)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if pip(&[]) || pip(&["--break-system-packages"]) {
        return find();
    }
    None
}

async fn ckanapi(cmd: &std::path::Path, args: Vec<String>) -> (bool, String, String) {
    let out = tokio::process::Command::new(cmd)
        .args(&args)
        .output()
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn ckan_the_ckanapi_client_reads_the_portal() {
    let Some(cmd) = tokio::task::spawn_blocking(ckanapi_command).await.unwrap() else {
        assert!(
            std::env::var_os("SHUQIAO_REQUIRE_CKANAPI").is_none(),
            "{CKANAPI} could not be installed"
        );
        eprintln!("SKIPPED: {CKANAPI} could not be installed");
        return;
    };
    let app = portal().await;
    let url = app.base.clone();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();

    let (ok, out, err) = ckanapi(
        &cmd,
        s(&["action", "package_search", "-r", &url, "q=企业", "rows=5"]),
    )
    .await;
    assert!(ok, "{err}");
    let r: Value = serde_json::from_str(&out).unwrap();
    let results = r["results"].as_array().unwrap();
    assert!(!results.is_empty() && results.len() <= 5);
    let direct = app
        .ckan_ok("package_search", &[("q", "企业"), ("rows", "5")])
        .await;
    assert_eq!(r["count"], direct["count"]);
    assert_eq!(r["results"], direct["results"]);
    let slug = titled(&app, "企业登记信息").await["name"]
        .as_str()
        .unwrap()
        .to_string();
    let (ok, out, err) = ckanapi(
        &cmd,
        s(&["action", "package_show", "-r", &url, &format!("id={slug}")]),
    )
    .await;
    assert!(ok, "{err}");
    let p: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(p["name"], json!(slug));
    assert_eq!(p["resources"].as_array().unwrap().len(), 3);

    // A missing dataset comes back as ckanapi's NotFound, so it read CKAN's error envelope.
    let (ok, _, err) = ckanapi(
        &cmd,
        s(&["action", "package_show", "-r", &url, "id=no-such-dataset"]),
    )
    .await;
    assert!(!ok);
    assert!(err.contains("NotFound"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.jsonl");
    let (ok, _, err) = ckanapi(
        &cmd,
        s(&[
            "dump",
            "datasets",
            "--all",
            "-r",
            &url,
            "-O",
            file.to_str().unwrap(),
            "-p",
            "1",
        ]),
    )
    .await;
    assert!(ok, "{err}");
    let dumped: Vec<String> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let unique: BTreeSet<&String> = dumped.iter().collect();
    assert_eq!(unique.len(), dumped.len(), "each dataset once");
    let released: BTreeSet<String> = app
        .store()
        .await
        .open_names()
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(
        unique.into_iter().cloned().collect::<BTreeSet<_>>(),
        released
    );
}
