"""Real-time streams (SSE and WebSocket), the WS6 mobile compatibility calls and Web Push."""
