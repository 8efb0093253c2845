-- Digest subscriptions (no account needed, double opt-in) and addresses that stopped receiving.

CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    lang TEXT NOT NULL,
    frequency TEXT NOT NULL,
    -- The search filters, JSON with the parameter names of GET /api/v1/search.
    filters TEXT NOT NULL,
    status TEXT NOT NULL,
    confirm_token_hash TEXT UNIQUE,
    confirm_expires_at TIMESTAMP,
    -- Capability for the manage and unsubscribe links of every mail; it can do nothing else.
    manage_token TEXT NOT NULL UNIQUE,
    user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    consent_at TIMESTAMP,
    consent_source TEXT,
    consent_ip TEXT,
    -- The period (e.g. 2026-W48, 2026-11-23) of the last digest, and the moment it covered up to.
    last_period TEXT,
    last_digest_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX subscriptions_email ON subscriptions (email);
CREATE INDEX subscriptions_due ON subscriptions (status, frequency);

-- Addresses with repeated permanent delivery failures; nothing more is sent to them.
CREATE TABLE email_suppressions (
    email TEXT PRIMARY KEY,
    permanent_failures INTEGER NOT NULL,
    last_error TEXT,
    suppressed_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);

-- The one-click "still running" links of reminder mails.
CREATE TABLE listing_confirm_tokens (
    token_hash TEXT PRIMARY KEY,
    listing_id TEXT NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX listing_confirm_tokens_listing ON listing_confirm_tokens (listing_id);
