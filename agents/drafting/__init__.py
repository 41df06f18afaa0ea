"""Drafts: in the customer's language and tone, citing evidence ids inline with [n] markers (Draft.citations)."""
