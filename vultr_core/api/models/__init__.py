"""Typed records for what the management API returns.

Each ``from_api`` reads only the fields named here, so a secret the API sends inside an
ordinary object (database passwords and certificates, Kafka keys, S3 keys, registry
passwords, inference ``api_key``s, instance default passwords) never enters a record.
Unknown fields are ignored, missing optional fields are None, numbers may arrive as strings,
dates in any of Vultr's formats, and the legacy engine name ``redis`` reads as ``valkey``.
"""
