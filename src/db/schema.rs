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
        logo_hash -> Nullable<Text>,
    }
}

diesel::table! {
    signatories (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        handle -> Text,
        name_km -> Text,
        name_en -> Text,
        title_km -> Text,
        title_en -> Text,
        signature_hash -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
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
        email_verified_at -> Nullable<Timestamp>,
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

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::joinable!(sessions -> users (user_id));

diesel::table! {
    courses (id) {
        id -> BigInt,
        source_id -> Text,
        slug -> Text,
        organisation_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    course_versions (id) {
        id -> BigInt,
        course_id -> BigInt,
        number -> Nullable<Integer>,
        content_hash -> Text,
        title_km -> Text,
        title_en -> Text,
        summary_km -> Text,
        summary_en -> Text,
        settings -> Text,
        note -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        preview_token_hash -> Nullable<Text>,
        offline_bytes -> BigInt,
        terms_hash -> Text,
    }
}

diesel::table! {
    cosign_requests (id) {
        id -> BigInt,
        course_id -> BigInt,
        version_id -> BigInt,
        organisation_id -> BigInt,
        terms_hash -> Text,
        status -> Text,
        requested_by -> Nullable<BigInt>,
        requested_at -> Timestamp,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    chapters (id) {
        id -> BigInt,
        version_id -> BigInt,
        chapter_key -> Text,
        position -> Integer,
        content_hash -> Text,
        minutes -> Integer,
        title_km -> Text,
        title_en -> Text,
        html_km -> Text,
        html_en -> Text,
        sections -> Text,
        video -> Nullable<Text>,
    }
}

diesel::table! {
    questions (id) {
        id -> BigInt,
        version_id -> BigInt,
        quiz -> Text,
        chapter_key -> Text,
        question_key -> Text,
        position -> Integer,
        kind -> Text,
        body -> Text,
    }
}

diesel::table! {
    media (hash) {
        hash -> Text,
        content_type -> Text,
        width -> Integer,
        height -> Integer,
        bytes -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    source_blobs (hash) {
        hash -> Text,
        bytes -> Binary,
    }
}

diesel::table! {
    version_files (version_id, path) {
        version_id -> BigInt,
        path -> Text,
        hash -> Text,
    }
}

diesel::table! {
    drafts (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        course_slug -> Text,
        base_version_id -> Nullable<BigInt>,
        created_by -> Nullable<BigInt>,
        updated_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    draft_files (draft_id, path) {
        draft_id -> BigInt,
        path -> Text,
        hash -> Text,
    }
}

diesel::joinable!(draft_files -> drafts (draft_id));
diesel::joinable!(draft_files -> source_blobs (hash));
diesel::joinable!(drafts -> organisations (organisation_id));
diesel::joinable!(version_files -> course_versions (version_id));
diesel::joinable!(version_files -> source_blobs (hash));
diesel::joinable!(courses -> organisations (organisation_id));
diesel::joinable!(course_versions -> courses (course_id));
diesel::joinable!(chapters -> course_versions (version_id));
diesel::joinable!(questions -> course_versions (version_id));

diesel::table! {
    chapter_progress (user_id, course_id, chapter_key, content_hash) {
        user_id -> BigInt,
        course_id -> BigInt,
        chapter_key -> Text,
        content_hash -> Text,
        opened_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
        passed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    enrolments (user_id, course_id) {
        user_id -> BigInt,
        course_id -> BigInt,
        started_at -> Timestamp,
        last_chapter_key -> Text,
        last_activity_at -> Timestamp,
        chapters_read -> BigInt,
        completed_at -> Nullable<Timestamp>,
        certified -> Bool,
        chapters_opened -> BigInt,
    }
}

diesel::table! {
    chapter_bits (course_id, chapter_key) {
        course_id -> BigInt,
        chapter_key -> Text,
        mask -> BigInt,
    }
}

diesel::joinable!(enrolments -> courses (course_id));

diesel::table! {
    attempts (id) {
        id -> BigInt,
        user_id -> BigInt,
        course_id -> BigInt,
        version_id -> BigInt,
        number -> Integer,
        seed -> BigInt,
        draw -> Text,
        started_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        score -> Nullable<Integer>,
        passed -> Nullable<Bool>,
        answered_bits -> Nullable<BigInt>,
        missed_bits -> Nullable<BigInt>,
    }
}

diesel::table! {
    attempt_answers (attempt_id, question_key) {
        attempt_id -> BigInt,
        question_key -> Text,
        chosen -> Text,
        answered_at -> Timestamp,
    }
}

diesel::table! {
    completions (user_id, course_id) {
        user_id -> BigInt,
        course_id -> BigInt,
        version_id -> BigInt,
        version_number -> Integer,
        score -> Integer,
        completed_at -> Timestamp,
    }
}

diesel::table! {
    signing_keys (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        name -> Text,
        public_key -> Binary,
        sealed_private_key -> Binary,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    certificates (id) {
        id -> BigInt,
        serial -> Text,
        user_id -> BigInt,
        course_id -> BigInt,
        version_id -> BigInt,
        key_id -> BigInt,
        status_index -> BigInt,
        name_km -> Text,
        name_latin -> Text,
        score -> Integer,
        completed_at -> Timestamp,
        issued_at -> Timestamp,
        credential -> Text,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
        revoked_by -> Nullable<BigInt>,
        replaced_by -> Nullable<Text>,
    }
}

diesel::table! {
    endorsements (certificate_id) {
        certificate_id -> BigInt,
        organisation_id -> BigInt,
        key_id -> BigInt,
        status_index -> BigInt,
        endorsed_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<BigInt>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::joinable!(signing_keys -> organisations (organisation_id));
diesel::joinable!(signatories -> organisations (organisation_id));
diesel::joinable!(cosign_requests -> courses (course_id));
diesel::joinable!(cosign_requests -> course_versions (version_id));
diesel::joinable!(cosign_requests -> organisations (organisation_id));
diesel::joinable!(endorsements -> certificates (certificate_id));
diesel::joinable!(certificates -> signing_keys (key_id));
diesel::joinable!(certificates -> courses (course_id));
diesel::joinable!(certificates -> course_versions (version_id));

diesel::allow_tables_to_appear_in_same_query!(
    provinces,
    organisations,
    users,
    role_grants,
    one_time_tokens,
    sessions,
    sign_in_throttle,
    courses,
    course_versions,
    chapters,
    questions,
    media,
    source_blobs,
    version_files,
    drafts,
    draft_files,
    chapter_progress,
    enrolments,
    chapter_bits,
    attempts,
    attempt_answers,
    completions,
    signing_keys,
    certificates,
    signatories,
    cosign_requests,
    endorsements,
    cohorts,
    cohort_offices,
    invitations,
    reminders_sent,
);

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        actor -> Text,
        address -> Nullable<Text>,
        action -> Text,
        subject -> Text,
        detail -> Text,
    }
}

diesel::table! {
    email_outbox (id) {
        id -> BigInt,
        kind -> Text,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        leased_by -> Nullable<Text>,
        leased_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    cohorts (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        course_id -> BigInt,
        name -> Text,
        starts_on -> Date,
        due_on -> Date,
        remind_not_started_days -> Nullable<Integer>,
        remind_idle_days -> Nullable<Integer>,
        remind_before_due_days -> Nullable<Integer>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    cohort_offices (cohort_id, organisation_id) {
        cohort_id -> BigInt,
        organisation_id -> BigInt,
    }
}

diesel::table! {
    invitations (id) {
        id -> BigInt,
        cohort_id -> BigInt,
        email -> Text,
        name_km -> Text,
        name_latin -> Text,
        office_id -> Nullable<BigInt>,
        province_id -> Nullable<Integer>,
        position -> Text,
        invited_at -> Timestamp,
        invited_by -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        accepted_at -> Nullable<Timestamp>,
        reminders_off_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    reminders_sent (invitation_id, rule) {
        invitation_id -> BigInt,
        rule -> Text,
        sent_at -> Timestamp,
    }
}

diesel::joinable!(cohorts -> courses (course_id));
diesel::joinable!(cohort_offices -> cohorts (cohort_id));
diesel::joinable!(invitations -> cohorts (cohort_id));
diesel::joinable!(reminders_sent -> invitations (invitation_id));

diesel::joinable!(attempt_answers -> attempts (attempt_id));

diesel::allow_columns_to_appear_in_same_group_by_clause!(
    attempts::version_id,
    attempt_answers::question_key,
    attempt_answers::chosen,
);
