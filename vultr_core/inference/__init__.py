"""Vultr Serverless Inference: the streaming client, pacing, prices, sessions and usage."""
