"""Understanding: intent (embedding few-shot or LLM), entities by rules, sentiment and urgency."""
