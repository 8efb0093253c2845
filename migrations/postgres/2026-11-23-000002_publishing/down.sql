DROP TABLE idempotency_keys;
DROP TABLE audit_log;
DROP TABLE email_tokens;
DROP TABLE api_tokens;
DROP TABLE sessions;
ALTER TABLE organisations DROP COLUMN status_reason;
ALTER TABLE organisations DROP COLUMN phone;
ALTER TABLE users DROP COLUMN lang;
