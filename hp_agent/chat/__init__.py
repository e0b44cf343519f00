"""Chat: agent conversations (sessions), their sequenced encrypted messages and analytics."""
