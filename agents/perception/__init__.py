"""Multimodal perception: every part of an InboundMessage becomes text, signals and PERCEPTION evidence."""
