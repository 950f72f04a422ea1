//! The tables, as diesel sees them. Written to match `migrations/sqlite` and
//! `migrations/postgres`, which describe the same model; the migration tests check both.

diesel::table! {
    provinces (id) {
        id -> Integer,
        name_en -> Text,
        name_km -> Text,
        is_capital -> Bool,
    }
}

diesel::table! {
    organisations (id) {
        id -> BigInt,
        parent_id -> Nullable<BigInt>,
        slug -> Text,
        kind -> Text,
        name_km -> Text,
        name_en -> Text,
        province_id -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        password_hash -> Nullable<Text>,
        name_km -> Text,
        name_latin -> Text,
        position -> Text,
        organisation_id -> Nullable<BigInt>,
        province_id -> Nullable<Integer>,
        lang -> Nullable<Text>,
        is_admin -> Bool,
        session_epoch -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    role_grants (id) {
        id -> BigInt,
        user_id -> BigInt,
        role -> Text,
        organisation_id -> BigInt,
        granted_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    one_time_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sign_in_throttle (key) {
        key -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
    }
}

diesel::joinable!(organisations -> provinces (province_id));
diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(users -> provinces (province_id));
diesel::joinable!(role_grants -> organisations (organisation_id));
diesel::joinable!(one_time_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    provinces,
    organisations,
    users,
    role_grants,
    one_time_tokens,
    sign_in_throttle,
);
