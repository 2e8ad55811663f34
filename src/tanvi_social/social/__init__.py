"""Profiles, the follow graph (requests, blocks, mutes), compatibility, influencers,
notifications and activity history."""
