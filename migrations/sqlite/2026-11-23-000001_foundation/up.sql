-- Organisations, people, listings, the change sequence and the outboxes.
-- Identifiers are UUID strings (TEXT) so that SQLite and PostgreSQL share one schema in the code.
-- Text compares byte-wise (BINARY), as the "C" collation does in PostgreSQL.

CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    external_id TEXT UNIQUE,
    name TEXT NOT NULL,
    org_type TEXT NOT NULL,
    business_id TEXT,
    municipality TEXT,
    website TEXT,
    email TEXT,
    status TEXT NOT NULL DEFAULT 'approved',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    display_name TEXT,
    platform_role TEXT NOT NULL DEFAULT 'user',
    email_verified_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE memberships (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (organisation_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE listings (
    id TEXT PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT,
    description TEXT NOT NULL,
    cost TEXT,
    language_support TEXT,
    flags TEXT,
    online BOOLEAN NOT NULL,
    location TEXT,
    schedule TEXT,
    schedule_anchor DATE,
    starts_at TIMESTAMP,
    ends_at TIMESTAMP,
    valid_from DATE,
    valid_until DATE,
    registration TEXT,
    age_min INTEGER,
    age_max INTEGER,
    audience TEXT,
    contact TEXT,
    url TEXT,
    source_updated_at TIMESTAMP,
    content_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    last_confirmed_at TIMESTAMP,
    status_reason TEXT,
    seq BIGINT NOT NULL
);
CREATE INDEX listings_organisation ON listings (organisation_id);
CREATE INDEX listings_status_valid_until ON listings (status, valid_until);
CREATE INDEX listings_updated_at ON listings (updated_at);

-- The list-valued fields (themes, target groups, integration stages, languages offered,
-- municipalities), in their original order.
CREATE TABLE listing_terms (
    listing_id TEXT NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    vocabulary TEXT NOT NULL,
    position INTEGER NOT NULL,
    code TEXT NOT NULL,
    PRIMARY KEY (listing_id, vocabulary, position)
);
CREATE INDEX listing_terms_code ON listing_terms (vocabulary, code);

-- The dated sessions of an event series.
CREATE TABLE listing_occurrences (
    listing_id TEXT NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    PRIMARY KEY (listing_id, position)
);
CREATE INDEX listing_occurrences_starts_at ON listing_occurrences (starts_at);

-- Every create, update and delete of a listing, in commit order. Followers resume from a seq.
-- Rows outlive their listing (tombstones), hence no foreign key.
CREATE TABLE listing_changes (
    seq BIGINT PRIMARY KEY,
    listing_id TEXT NOT NULL,
    external_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX listing_changes_listing ON listing_changes (listing_id);

-- Listings whose search document must be refreshed, one row per change.
CREATE TABLE index_outbox (
    seq BIGINT PRIMARY KEY,
    listing_id TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX index_outbox_pending ON index_outbox (status, next_attempt_at);

-- Mails to deliver. dedupe_key makes a mail unique (e.g. digest:{subscription}:{period});
-- message_id is ours and stored before sending, so a retry after a crash is recognisable.
CREATE TABLE email_outbox (
    id TEXT PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,
    message_id TEXT NOT NULL UNIQUE,
    recipient TEXT NOT NULL,
    mail_kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT,
    headers TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX email_outbox_pending ON email_outbox (status, next_attempt_at);
