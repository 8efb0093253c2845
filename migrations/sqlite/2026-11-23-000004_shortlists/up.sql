-- Shortlists an advisor hands to a client: listing ids and the handout's language, under a
-- short code derived from them. No account and nothing about the client.
CREATE TABLE shortlists (
    code TEXT PRIMARY KEY,
    lang TEXT NOT NULL,
    -- JSON array of listing ids, in the advisor's order.
    listing_ids TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
