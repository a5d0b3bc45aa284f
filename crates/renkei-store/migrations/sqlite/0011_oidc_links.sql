-- OpenID Connect identities linked to users (SQLite). Never edit once applied.
--
-- The first OIDC sign-in of a user (matched by verified e-mail address, or
-- created just in time) links the provider's identity (issuer, subject) to
-- them; later sign-ins find the user by that identity alone. One identity
-- per user per issuer, so a provider that hands an address to someone new
-- cannot take over an account already linked at that provider.
CREATE TABLE oidc_links (
    issuer      TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (issuer, subject),
    UNIQUE (issuer, user_id)
);
