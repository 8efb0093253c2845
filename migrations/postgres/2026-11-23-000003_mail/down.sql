DROP TABLE listing_confirm_tokens;
DROP TABLE email_suppressions;
DROP TABLE subscriptions;
