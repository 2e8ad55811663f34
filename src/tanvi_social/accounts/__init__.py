"""Users, credentials, tokens, the WS1 token bridge, GDPR export and erasure."""
