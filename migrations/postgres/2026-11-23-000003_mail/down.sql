DROP TABLE email_suppressions;
DROP TABLE subscriptions;
