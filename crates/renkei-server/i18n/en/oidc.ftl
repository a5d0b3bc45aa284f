# OpenID Connect sign-in (directory/oidc.rs); error codes are stable
login-oidc-heading = Sign in with an external ID
login-oidc-with = Sign in with { $name }
login-oidc-continue = Signed in. Continue
login-oidc-error-title = Signing in with an external ID failed
login-oidc-error-code = Error code: { $code }
login-oidc-back = Back to sign-in
login-oidc-state = The answer does not belong to a sign-in started in this browser, or it expired. Please sign in again.
login-oidc-provider = The identity provider did not allow the sign-in, or its answer could not be verified.
login-oidc-unavailable = The identity provider cannot be reached. Please try again later.
login-oidc-unverified = The identity provider did not state a verified e-mail address. Verify your address there and try again.
login-oidc-unknown-user = No account may sign in with this identity. Please ask your organisation's administrator.
login-oidc-mfa-required = Your organisation requires multi-factor authentication, and the identity provider did not state that this sign-in used it.
