"""Deterministic reasoning tools: they compute what this customer needs to hear from the policy's structured facts
and their own CRM data (tier lookup, date arithmetic, eligibility, authority, money) and return COMPUTED_FACT
evidence whose lineage lists every input — or a typed "can't compute: <reason>", never a guess."""
