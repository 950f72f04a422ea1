//! Markdown to safe HTML, once, at publish time: headings get stable anchors (the explicit
//! `{#id}`, else `section-N`), pictures become `<img>` with their prepared variants,
//! `width`/`height`, `srcset` and `loading="lazy"`, and the result is sanitised by ammonia.

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Parser, Tag, TagEnd, html};
use serde::{Deserialize, Serialize};

use super::check::markdown_options;
use super::images::Picture;

/// One section of a chapter, for its table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub id: String,
    pub title: String,
}

/// A rendered chapter in one language.
pub struct Rendered {
    pub html: String,
    pub sections: Vec<Section>,
}

/// Renders `markdown`; `pictures` maps media paths (`media/x.png`) to prepared pictures.
pub fn render(markdown: &str, pictures: &HashMap<String, Picture>) -> Rendered {
    let mut events = Vec::new();
    let mut sections = Vec::new();
    let mut numbered = 0;
    let mut heading: Option<(HeadingLevel, String, String)> = None;
    let mut image: Option<(String, String)> = None;
    for event in Parser::new_ext(markdown, markdown_options()) {
        match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                let id = id.map(|i| i.to_string()).unwrap_or_else(|| {
                    numbered += 1;
                    format!("section-{numbered}")
                });
                heading = Some((level, id.clone(), String::new()));
                events.push(Event::Start(Tag::Heading {
                    level,
                    id: Some(CowStr::from(id)),
                    classes,
                    attrs,
                }));
            }
            Event::End(TagEnd::Heading(level)) => {
                if let Some((start_level, id, title)) = heading.take()
                    && start_level == HeadingLevel::H2
                {
                    sections.push(Section {
                        id,
                        title: title.trim().to_owned(),
                    });
                }
                events.push(Event::End(TagEnd::Heading(level)));
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                image = Some((dest_url.to_string(), String::new()));
            }
            Event::End(TagEnd::Image) => {
                if let Some((dest, alt)) = image.take() {
                    let path = dest.trim_start_matches("./").trim_start_matches("../");
                    if let Some(picture) = pictures.get(path) {
                        events.push(Event::InlineHtml(CowStr::from(img_tag(picture, &alt))));
                    }
                }
            }
            Event::Text(text) | Event::Code(text) if image.is_some() => {
                if let Some((_, alt)) = image.as_mut() {
                    alt.push_str(&text);
                }
            }
            Event::Text(text) => {
                if let Some((_, _, title)) = heading.as_mut() {
                    title.push_str(&text);
                }
                events.push(Event::Text(text));
            }
            other => events.push(other),
        }
    }
    let mut raw = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut raw, events.into_iter());
    Rendered {
        html: sanitise(&raw),
        sections,
    }
}

fn escape_attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn img_tag(picture: &Picture, alt: &str) -> String {
    let src = picture
        .variants
        .iter()
        .find(|(_, w)| *w >= 640)
        .or(picture.variants.last())
        .map(|(url, _)| url.as_str())
        .unwrap_or_default();
    let srcset = picture
        .variants
        .iter()
        .map(|(url, w)| format!("{url} {w}w"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"<img src="{src}" srcset="{srcset}" sizes="(max-width: 44rem) 100vw, 44rem" width="{}" height="{}" alt="{}" loading="lazy" decoding="async">"#,
        picture.width,
        picture.height,
        escape_attribute(alt)
    )
}

/// The one place chapter HTML is made safe: only these tags and attributes survive.
fn sanitise(html: &str) -> String {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tag_attributes(
            "img",
            &["srcset", "sizes", "loading", "decoding", "width", "height"],
        )
        .add_tag_attributes("h2", &["id"])
        .add_tag_attributes("h3", &["id"])
        .add_tag_attributes("h4", &["id"])
        .id_prefix(None)
        // The checker refuses any other address (`courses::urls`); this is the second lock.
        .url_schemes(["http", "https", "mailto"].into_iter().collect());
    builder.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_stable_anchors_and_a_table_of_contents() {
        let out = render(
            "## Who {#who}\n\ntext\n\n## Where\n\n### Detail\n",
            &HashMap::new(),
        );
        assert!(
            out.html.contains(r#"<h2 id="who">Who</h2>"#),
            "{}",
            out.html
        );
        assert!(
            out.html.contains(r#"<h2 id="section-1">Where</h2>"#),
            "{}",
            out.html
        );
        assert_eq!(out.sections.len(), 2);
        assert_eq!(
            out.sections[0],
            Section {
                id: "who".into(),
                title: "Who".into()
            }
        );
    }

    #[test]
    fn pictures_get_sizes_srcset_and_lazy_loading() {
        let mut pictures = HashMap::new();
        pictures.insert(
            "media/a.png".to_owned(),
            Picture {
                width: 640,
                height: 320,
                variants: vec![("/media/x.jpg".into(), 320), ("/media/y.jpg".into(), 640)],
            },
        );
        let out = render("![A \"ramp\"](../media/a.png)", &pictures);
        assert!(out.html.contains(r#"src="/media/y.jpg""#), "{}", out.html);
        assert!(
            out.html
                .contains(r#"srcset="/media/x.jpg 320w, /media/y.jpg 640w""#),
            "{}",
            out.html
        );
        assert!(out.html.contains(r#"width="640""#) && out.html.contains(r#"loading="lazy""#));
        assert!(
            out.html.contains(r#"alt="A &quot;ramp&quot;""#),
            "{}",
            out.html
        );
    }

    #[test]
    fn raw_html_is_sanitised() {
        let out = render(
            "<b onclick=\"x()\">bold</b><script>alert(1)</script>",
            &HashMap::new(),
        );
        assert!(
            !out.html.contains("onclick") && !out.html.contains("<script"),
            "{}",
            out.html
        );
    }
}
