//! Provinces: reference data, seeded by the first migration.

use diesel::prelude::*;

use super::schema::provinces;
use super::{DbConnection, DbError};
use crate::model::ids::ProvinceId;
use crate::model::organisations::Province;

pub fn all(conn: &mut DbConnection) -> Result<Vec<Province>, DbError> {
    let rows: Vec<(i32, String, String, bool)> = provinces::table
        .order(provinces::id)
        .select((
            provinces::id,
            provinces::name_en,
            provinces::name_km,
            provinces::is_capital,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name_en, name_km, is_capital)| Province {
            id: ProvinceId(id),
            name_en,
            name_km,
            is_capital,
        })
        .collect())
}
