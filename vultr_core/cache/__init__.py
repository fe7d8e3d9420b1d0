"""The tagged Valkey cache: get-or-compute, tag invalidation, the key browser and its audit."""
