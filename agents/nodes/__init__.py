"""Graph nodes: each takes the typed state and the per-run Runtime[RunContext] and returns a partial update."""
