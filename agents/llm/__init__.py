"""LLM backends behind `contract.ports.ChatModel`: the embedded local GGUF (xllamacpp), any OpenAI-compatible endpoint,
and langchain-community chat models by class path."""
