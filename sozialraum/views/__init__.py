"""The pages of the structure app: start page, Sozialräume, and the Administration pages
(Zuständigkeiten, users and roles, audit trail). Each module brings its own URL patterns."""
