"""The teams' work: consultation hours, the presence-activity log, projects, reviews, reports."""
