//! Organisations and provinces as the other layers see them, and the shape of the tree.

use serde::Serialize;

use super::fields::{FieldError, short_text};
pub use super::ids::{OrganisationId, ProvinceId};
use crate::i18n::Lang;

#[derive(Debug, Clone, Serialize)]
pub struct Province {
    pub id: ProvinceId,
    pub name_en: String,
    pub name_km: String,
    pub is_capital: bool,
}

impl Province {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Km => &self.name_km,
            Lang::En => &self.name_en,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Ministry,
    Department,
    ProvincialOffice,
    DistrictOffice,
    Ngo,
}

impl OrgKind {
    pub const ALL: [OrgKind; 5] = [
        OrgKind::Ministry,
        OrgKind::Department,
        OrgKind::ProvincialOffice,
        OrgKind::DistrictOffice,
        OrgKind::Ngo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Ministry => "ministry",
            OrgKind::Department => "department",
            OrgKind::ProvincialOffice => "provincial_office",
            OrgKind::DistrictOffice => "district_office",
            OrgKind::Ngo => "ngo",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == raw)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Organisation {
    pub id: OrganisationId,
    pub parent_id: Option<OrganisationId>,
    pub slug: String,
    pub kind: OrgKind,
    pub name_km: String,
    pub name_en: String,
    pub province_id: Option<ProvinceId>,
}

/// An organisation with its depth in the tree, for indented lists.
#[derive(Debug, Clone, Serialize)]
pub struct TreeEntry {
    pub depth: usize,
    #[serde(flatten)]
    pub organisation: Organisation,
}

/// Orders organisations as a tree: each parent followed by its children, by English name.
pub fn as_tree(mut all: Vec<Organisation>) -> Vec<TreeEntry> {
    all.sort_by_key(|org| org.name_en.to_lowercase());
    let mut out = Vec::with_capacity(all.len());
    fn visit(
        all: &[Organisation],
        parent: Option<OrganisationId>,
        depth: usize,
        out: &mut Vec<TreeEntry>,
    ) {
        // Depth is bounded by the parent links, which `validate_parent` keeps acyclic.
        for org in all.iter().filter(|o| o.parent_id == parent) {
            out.push(TreeEntry {
                depth,
                organisation: org.clone(),
            });
            visit(all, Some(org.id), depth + 1, out);
        }
    }
    visit(&all, None, 0, &mut out);
    out
}

/// A slug: lower-case letters, digits and hyphens, 2–60 characters, used in URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let slug = raw.trim().to_ascii_lowercase();
        let ok = (2..=60).contains(&slug.len())
            && slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !slug.starts_with('-')
            && !slug.ends_with('-');
        if ok {
            Ok(Self(slug))
        } else {
            Err(FieldError::new("slug", "error-slug"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new organisation, parsed from the admin's form.
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub parent_id: Option<OrganisationId>,
    pub slug: Slug,
    pub kind: OrgKind,
    pub name_km: String,
    pub name_en: String,
    pub province_id: Option<ProvinceId>,
}

impl NewOrganisation {
    pub fn parse(
        slug: &str,
        kind: &str,
        name_km: &str,
        name_en: &str,
        parent_id: Option<OrganisationId>,
        province_id: Option<i32>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let slug = Slug::parse(slug).map_err(|e| errors.push(e)).ok();
        let kind = OrgKind::parse(kind)
            .ok_or_else(|| errors.push(FieldError::new("kind", "error-choose-one")))
            .ok();
        let name_km = required_name(name_km, "name_km", &mut errors);
        let name_en = required_name(name_en, "name_en", &mut errors);
        let province_id = match province_id {
            Some(id) if !(1..=25).contains(&id) => {
                errors.push(FieldError::new("province", "error-choose-one"));
                None
            }
            other => other.map(ProvinceId),
        };
        match (slug, kind, errors.is_empty()) {
            (Some(slug), Some(kind), true) => Ok(Self {
                parent_id,
                slug,
                kind,
                name_km,
                name_en,
                province_id,
            }),
            _ => Err(errors),
        }
    }
}

/// The organisation and everything below it.
pub fn subtree(all: &[Organisation], root: OrganisationId) -> Vec<Organisation> {
    let mut found = vec![root];
    let mut grew = true;
    while grew {
        grew = false;
        for org in all {
            if org.parent_id.is_some_and(|p| found.contains(&p)) && !found.contains(&org.id) {
                found.push(org.id);
                grew = true;
            }
        }
    }
    all.iter()
        .filter(|o| found.contains(&o.id))
        .cloned()
        .collect()
}

fn required_name(raw: &str, field: &'static str, errors: &mut Vec<FieldError>) -> String {
    match short_text(raw, field, 200) {
        Ok(name) if name.is_empty() => {
            errors.push(FieldError::new(field, "error-required"));
            name
        }
        Ok(name) => name,
        Err(error) => {
            errors.push(error);
            String::new()
        }
    }
}
