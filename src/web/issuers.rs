//! What each issuing organisation publishes so that anyone can check its certificates
//! without asking Sala: its Open Badges profile, its public keys (a JWK set and a `did:web`
//! document, old keys included) and the signed status lists that say what was revoked.

use actix_web::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::error::WebError;
use super::extract::Ctx;
use crate::certificates::{self, Jwk, credential};
use crate::organisations::Organisation;

/// Public documents may be cached briefly: a revocation shows within five minutes.
const PUBLIC_CACHE: &str = "public, max-age=300";

async fn organisation(ctx: &Ctx, slug: String) -> Result<Organisation, WebError> {
    crate::organisations::by_slug(&ctx.state.db, slug)
        .await?
        .ok_or(WebError::NotFound)
}

fn json_response(content_type: &str, body: &serde_json::Value) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((CACHE_CONTROL, PUBLIC_CACHE))
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .body(body.to_string())
}

/// `/issuers/{org}`: the Open Badges `Profile` for machines (asked for JSON), a page for
/// people.
pub async fn profile(
    ctx: Ctx,
    req: HttpRequest,
    org: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let org = organisation(&ctx, org.into_inner()).await?;
    let party = ctx.state.certificates.party(&org);
    let wants_json = req
        .headers()
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("json") && !accept.contains("text/html"));
    if wants_json {
        return Ok(json_response(
            "application/ld+json",
            &credential::issuer_profile(&party),
        ));
    }
    let keys = published_keys(&ctx, org.clone()).await?;
    ctx.render_page(
        "certificates/issuer.html",
        &IssuerPage {
            organisation: &org,
            did: &party.did,
            keys,
        },
    )
}

/// An issuer's page for people: the organisation, its DID and every key it signed with.
#[derive(serde::Serialize)]
struct IssuerPage<'a> {
    organisation: &'a Organisation,
    did: &'a str,
    keys: Vec<Jwk>,
}

/// Every public key the organisation has signed with.
async fn published_keys(ctx: &Ctx, org: Organisation) -> Result<Vec<Jwk>, WebError> {
    Ok(certificates::published_keys(&ctx.state.certificates, &ctx.state.db, org).await?)
}

pub async fn jwks(ctx: Ctx, org: web::Path<String>) -> Result<HttpResponse, WebError> {
    let org = organisation(&ctx, org.into_inner()).await?;
    let keys = published_keys(&ctx, org).await?;
    Ok(json_response(
        "application/jwk-set+json",
        &json!({ "keys": keys }),
    ))
}

/// `/issuers/{org}/did.json`: the `did:web` document of `did:web:<host>:issuers:<org>`.
pub async fn did(ctx: Ctx, org: web::Path<String>) -> Result<HttpResponse, WebError> {
    let org = organisation(&ctx, org.into_inner()).await?;
    let did = ctx.state.certificates.did(&org.slug);
    let keys = published_keys(&ctx, org).await?;
    Ok(json_response(
        "application/did+json",
        &credential::did_document(&did, &keys),
    ))
}

/// `/issuers/{org}/status/{key}`: the status list of the credentials that key signed, as
/// a signed credential (VC-JWT).
pub async fn status_list(
    ctx: Ctx,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    let (org, key) = path.into_inner();
    let token = certificates::status_list(&ctx.state.certificates, &ctx.state.db, org, key)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "application/vc+jwt"))
        .insert_header((CACHE_CONTROL, PUBLIC_CACHE))
        .insert_header(("Access-Control-Allow-Origin", "*"))
        .body(token))
}
