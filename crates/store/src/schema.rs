// The diesel schema, written for both backends: the SQL types used here exist in SQLite and PostgreSQL.

diesel::table! {
    organisations (id) {
        id -> Text,
        external_id -> Nullable<Text>,
        name -> Text,
        org_type -> Text,
        business_id -> Nullable<Text>,
        municipality -> Nullable<Text>,
        website -> Nullable<Text>,
        email -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        phone -> Nullable<Text>,
        status_reason -> Nullable<Text>,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        password_hash -> Nullable<Text>,
        display_name -> Nullable<Text>,
        platform_role -> Text,
        email_verified_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        lang -> Text,
    }
}

diesel::table! {
    memberships (organisation_id, user_id) {
        organisation_id -> Text,
        user_id -> Text,
        role -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    listings (id) {
        id -> Text,
        external_id -> Text,
        kind -> Text,
        organisation_id -> Text,
        status -> Text,
        title -> Text,
        summary -> Nullable<Text>,
        description -> Text,
        cost -> Nullable<Text>,
        language_support -> Nullable<Text>,
        flags -> Nullable<Text>,
        online -> Bool,
        location -> Nullable<Text>,
        schedule -> Nullable<Text>,
        schedule_anchor -> Nullable<Date>,
        starts_at -> Nullable<Timestamp>,
        ends_at -> Nullable<Timestamp>,
        valid_from -> Nullable<Date>,
        valid_until -> Nullable<Date>,
        registration -> Nullable<Text>,
        age_min -> Nullable<Integer>,
        age_max -> Nullable<Integer>,
        audience -> Nullable<Text>,
        contact -> Nullable<Text>,
        url -> Nullable<Text>,
        source_updated_at -> Nullable<Timestamp>,
        content_hash -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_confirmed_at -> Nullable<Timestamp>,
        status_reason -> Nullable<Text>,
        seq -> BigInt,
    }
}

diesel::table! {
    listing_terms (listing_id, vocabulary, position) {
        listing_id -> Text,
        vocabulary -> Text,
        position -> Integer,
        code -> Text,
    }
}

diesel::table! {
    listing_occurrences (listing_id, position) {
        listing_id -> Text,
        position -> Integer,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
    }
}

diesel::table! {
    listing_changes (seq) {
        seq -> BigInt,
        listing_id -> Text,
        external_id -> Text,
        operation -> Text,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    index_outbox (seq) {
        seq -> BigInt,
        listing_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    email_outbox (id) {
        id -> Text,
        dedupe_key -> Text,
        message_id -> Text,
        recipient -> Text,
        mail_kind -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Nullable<Text>,
        headers -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        user_id -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        token_hash -> Text,
        prefix -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    email_tokens (token_hash) {
        token_hash -> Text,
        purpose -> Text,
        email -> Text,
        user_id -> Nullable<Text>,
        organisation_id -> Nullable<Text>,
        role -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        action -> Text,
        organisation_id -> Nullable<Text>,
        listing_id -> Nullable<Text>,
        details -> Text,
    }
}

diesel::table! {
    idempotency_keys (scope, key) {
        scope -> Text,
        key -> Text,
        request_hash -> Text,
        status -> Nullable<Integer>,
        content_type -> Nullable<Text>,
        body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    subscriptions (id) {
        id -> Text,
        email -> Text,
        lang -> Text,
        frequency -> Text,
        filters -> Text,
        status -> Text,
        confirm_token_hash -> Nullable<Text>,
        confirm_expires_at -> Nullable<Timestamp>,
        manage_token -> Text,
        user_id -> Nullable<Text>,
        consent_at -> Nullable<Timestamp>,
        consent_source -> Nullable<Text>,
        consent_ip -> Nullable<Text>,
        last_period -> Nullable<Text>,
        last_digest_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    email_suppressions (email) {
        email -> Text,
        permanent_failures -> Integer,
        last_error -> Nullable<Text>,
        suppressed_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    listing_confirm_tokens (token_hash) {
        token_hash -> Text,
        listing_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(memberships -> organisations (organisation_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(listings -> organisations (organisation_id));
diesel::joinable!(listing_terms -> listings (listing_id));
diesel::joinable!(listing_occurrences -> listings (listing_id));

diesel::table! {
    shortlists (code) {
        code -> Text,
        lang -> Text,
        listing_ids -> Text,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    memberships,
    listings,
    listing_terms,
    listing_occurrences,
    listing_changes,
    index_outbox,
    email_outbox,
    sessions,
    api_tokens,
    email_tokens,
    audit_log,
    idempotency_keys,
    subscriptions,
    email_suppressions,
    listing_confirm_tokens,
    shortlists,
);
