//! The console's static files, embedded in the binary. Each is named with a hash of its
//! bytes, so it can be cached for a year and a new build is fetched at once.
use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

struct Asset {
    /// The name it is served under, `stem.HASH.ext`.
    name: String,
    content_type: &'static str,
    bytes: &'static [u8],
}

impl Asset {
    fn new(stem: &str, ext: &str, content_type: &'static str, bytes: &'static [u8]) -> Asset {
        let hash = hex::encode(&Sha256::digest(bytes)[..6]);
        Asset {
            name: format!("{stem}.{hash}.{ext}"),
            content_type,
            bytes,
        }
    }
}

static CSS: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "console",
        "css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/console.css"),
    )
});

static HTMX: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "htmx",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/htmx.min.js"),
    )
});

/// The subject's page checks proofs and the checkpoint's signature with this, in the browser.
static VERIFY: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "verify",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/verify.js"),
    )
});

/// The upload form sends its file with a progress bar, then goes to the batch's page.
static UPLOAD: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "upload",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/upload.js"),
    )
});

/// The portal's stylesheet: the console's colours and type, a public page's layout.
static PORTAL_CSS: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "portal",
        "css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/portal.css"),
    )
});

/// Where the portal's pages find their assets: the same files, served at `/assets/` too, so
/// public pages never point into the console.
pub fn portal_hrefs() -> (String, String, String) {
    (
        format!("/assets/{}", PORTAL_CSS.name),
        format!("/assets/{}", HTMX.name),
        format!("/assets/{}", COPY.name),
    )
}

/// Where the upload form loads its script from.
pub fn upload_src() -> String {
    format!("/console/assets/{}", UPLOAD.name)
}

/// The copy button of the page that shows a new token once.
static COPY: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "copy",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/copy.js"),
    )
});

/// Where the token page loads its copy button's script from.
pub fn copy_src() -> String {
    format!("/console/assets/{}", COPY.name)
}

/// Where the subject's page loads its checker from.
pub fn verify_src() -> String {
    format!("/console/assets/{}", VERIFY.name)
}

/// Where pages link the stylesheet.
pub fn css_href() -> String {
    format!("/console/assets/{}", CSS.name)
}

/// Where pages load htmx from.
pub fn htmx_src() -> String {
    format!("/console/assets/{}", HTMX.name)
}

pub async fn serve(Path(name): Path<String>) -> Response {
    let Some(asset) = [&*CSS, &*HTMX, &*VERIFY, &*UPLOAD, &*COPY, &*PORTAL_CSS]
        .into_iter()
        .find(|a| a.name == name)
    else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        asset.bytes,
    )
        .into_response()
}
