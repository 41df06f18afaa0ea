"""Privacy by construction: spoken-PII scoring, the canary scan over every store, the CRM field-level PIPL baseline
and subject requests (erase / export)."""
