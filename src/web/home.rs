//! The home page.

use actix_web::HttpResponse;

use super::error::WebError;
use super::extract::Ctx;

pub async fn show(ctx: Ctx) -> Result<HttpResponse, WebError> {
    ctx.render("home.html", &ctx.page())
}
