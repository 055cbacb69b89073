"""Everything about accounts, in one place: local accounts and their roles (``local``), the
sign-in page and its limits (``login``), the forms Administration uses (``forms``), and the ways
of signing in that the office's IT adds (directory, OpenID Connect, two-factor, password reset)."""
